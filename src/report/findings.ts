/**
 * The study's findings (PAPER.md, "Findings the system must be able to show"), judged from a run's tests.
 * Each finding names the test behind it and gets one of four verdicts:
 * - holds: the test that would show the claim rejects its null at alpha, after Holm's adjustment across all
 *   the findings of the run (so the chance of any false "holds" stays at alpha);
 * - does not hold: the test in the opposite direction rejects at alpha (evidence against the claim);
 * - inconclusive: neither (the data cannot tell, e.g. an interval that straddles the margin, or a bin below the
 *   minimum size);
 * - cannot be judged: the data the test needs is missing.
 * The statistics come from finding-tests.ts; docs/analysis.md states every test, its target and its measured
 * error rates.
 */
import type { Contrast, IntervalTarget } from "../metrics/contrast.js";
import { holmAdjust } from "../metrics/holm.js";
import type { Analysis } from "./analyze-run.js";
import { slug } from "./charts.js";
import { pairKey, type FindingSettings, type ModelTests, type TextPart } from "./finding-tests.js";
import { STUDY_MODELS, type StudyModels } from "./study-models.js";
import { fmt, signed } from "./text-table.js";

/** What every report says above the findings: the verdicts, the family-wise control and the intervals' target. */
export const FINDINGS_PREAMBLE =
  "Each finding is judged by the one-sided test it names: holds when that test rejects after Holm's adjustment across the findings, " +
  "does not hold when the opposite test rejects, inconclusive otherwise, cannot be judged when data is missing. Intervals bound each side at alpha " +
  "(a 90% interval at the default alpha = 0.05) and are for new questions like these (questions resampled); the fixed-benchmark interval beside some of them " +
  "holds the questions fixed and counts only sampling noise. Bins for the bin findings come from one half of the base's samples, and the base is measured on the other half.";

export type Verdict = "holds" | "does not hold" | "inconclusive" | "cannot be judged";

export type Finding = {
  id: string;
  /** the study's claim, as applied to this run's models */
  claim: string;
  verdict: Verdict;
  /** the numbers behind the verdict, in words */
  evidence: string;
  /** how the verdict is decided */
  rule: string;
  /** the statistical test, in words */
  test: string;
  /** the figure the verdict turns on (the binding one, for a claim made of several tests), its interval and n */
  estimate: number | null;
  ci: [number, number] | null;
  /** one-sided p-value of the test that would make the claim hold, before and after Holm's adjustment */
  p: number | null;
  p_holm: number | null;
  n: number | null;
  /** what the interval generalises to */
  target: IntervalTarget | null;
  /** the same interval for this fixed benchmark (questions held fixed), where computed */
  ci_fixed?: [number, number];
  /** ids of the report figures that show it */
  figures: string[];
};

/** The record `findings.json` and `analyze --json` carry for each finding. */
export type FindingRecord = Pick<Finding, "id" | "claim" | "verdict" | "test" | "estimate" | "ci" | "p" | "n"> & Pick<Finding, "p_holm" | "target" | "ci_fixed" | "evidence">;

/** `rlvd analyze --json`: the analysis with its findings under "findings". */
export function analysisWithFindings(analysis: Analysis, study: StudyModels = STUDY_MODELS): Analysis & { findings: FindingRecord[] } {
  return { ...analysis, findings: findingRecords(judgeFindings(analysis, study)) };
}

export function findingRecords(findings: readonly Finding[]): FindingRecord[] {
  return findings.map((f) => ({
    id: f.id, claim: f.claim, verdict: f.verdict, test: f.test, estimate: f.estimate, ci: f.ci, p: f.p, n: f.n,
    p_holm: f.p_holm, target: f.target, ...(f.ci_fixed ? { ci_fixed: f.ci_fixed } : {}), evidence: f.evidence,
  }));
}

/** A finding before the family-wise step: the p of the test that shows it, and of the test against it. */
type Draft = Omit<Finding, "verdict" | "p_holm" | "p"> & { holdsP: number | null; failsP: number | null; forced?: Verdict };

const interval = (ci: [number, number] | null | undefined, digits = 3): string => (ci ? `[${signed(ci[0], digits)}, ${signed(ci[1], digits)}]` : "[-]");
const ratioInterval = (ci: [number, number]): string => `[${fmt(ci[0])}, ${fmt(ci[1])}]`;
const pv = (p: number): string => (p < 0.0001 ? "p<0.0001" : `p=${p.toPrecision(2)}`);
const pct = (x: number): string => `${Math.round(x * 1000) / 10}%`;
const key = (t: number) => String(t);

function base(id: string, claim: string, rule: string, figures: string[]): Omit<Draft, "evidence" | "test" | "holdsP" | "failsP"> {
  return { id, claim, rule, figures, estimate: null, ci: null, n: null, target: null };
}

function missing(d: ReturnType<typeof base>, evidence: string): Draft {
  return { ...d, evidence, test: "-", holdsP: null, failsP: null, forced: "cannot be judged" };
}

function fromContrast(c: Contrast): Pick<Draft, "estimate" | "ci" | "n" | "target" | "ci_fixed"> {
  return { estimate: c.estimate, ci: c.ci, n: c.n, target: c.target, ...(c.ci_fixed ? { ci_fixed: c.ci_fixed } : {}) };
}

/** Intersection-union: a claim made of several one-sided tests holds only if all do; its p is the largest. */
function allOf(parts: Array<{ c: Contrast; t: number; dir: "above" | "below" }>): { holdsP: number; failsP: number; binding: Contrast } {
  let holdsP = 0, failsP = 1, binding = parts[0]!.c;
  for (const { c, t, dir } of parts) {
    const p = c.p[key(t)]!;
    const h = dir === "above" ? p.above : p.below;
    if (h >= holdsP) {
      holdsP = h;
      binding = c;
    }
    failsP = Math.min(failsP, dir === "above" ? p.below : p.above);
  }
  // against the claim: any one part significantly the other way (Bonferroni over the parts)
  return { holdsP, failsP: Math.min(1, failsP * parts.length), binding };
}

/**
 * Judges the findings. With the study's model names (`study`, default the embedded study's: a `rlvr` model beside
 * the base) the RLVR findings are judged for the RLVR model and the distillation findings for the distilled
 * models; otherwise every model is judged against the base as if it were the trained one.
 */
export function judgeFindings(analysis: Analysis, study: StudyModels = STUDY_MODELS): Finding[] {
  const baseName = analysis.base;
  if (baseName === null) {
    return [finish({
      ...missing(base("no-base", "Trained models vs their base: accuracy, capability, bins, entropy, length and keywords", "every finding compares a trained model with its base", []),
        `the run has no base model to compare with (models: ${Object.keys(analysis.models).join(", ")}); pass --base MODEL`),
    }, null, 1)];
  }
  const tests = analysis.finding_tests;
  const names = analysis.comparisons.map((c) => c.other);
  const studyMode = names.includes(study.rl);
  const trained = studyMode ? [study.rl] : names;
  const drafts: Draft[] = [];
  for (const name of trained) drafts.push(...rlvrFindings(analysis, name, studyMode ? "RLVR" : name));
  if (studyMode) {
    drafts.push(selfDistillation(analysis, study));
    drafts.push(patternsLikeRlvr(analysis, study));
    drafts.push(knowledgeRaisesCapability(analysis, study));
  }
  if (!tests) return drafts.map((d) => finish(d.forced ? d : { ...d, holdsP: null, failsP: null, forced: "cannot be judged", evidence: `${d.evidence}; the analysis has no finding tests (made by an older rlvd: re-run analyze)` }, null, 1));
  const family = drafts.map((d, i) => ({ d, i })).filter(({ d }) => !d.forced && d.holdsP !== null);
  const adjusted = holmAdjust(family.map(({ d }) => d.holdsP!));
  const holm = new Map(family.map(({ i }, j) => [i, adjusted[j]!]));
  return drafts.map((d, i) => finish(d, holm.get(i) ?? null, tests.settings.alpha));
}

function finish(d: Draft, pHolm: number | null, alpha: number): Finding {
  const { holdsP, failsP, forced, ...rest } = d;
  let verdict: Verdict;
  let evidence = d.evidence;
  if (forced) verdict = forced;
  else if (pHolm !== null && pHolm < alpha) verdict = "holds";
  else if (failsP !== null && failsP < alpha) verdict = "does not hold";
  else {
    verdict = "inconclusive";
    if (holdsP !== null && holdsP < alpha) evidence += `; significant alone (${pv(holdsP)}) but not after Holm's adjustment across the findings (${pv(pHolm ?? 1)})`;
  }
  return { ...rest, evidence, verdict, p: holdsP, p_holm: pHolm };
}

function settingsOf(a: Analysis): FindingSettings | null {
  return a.finding_tests?.settings ?? null;
}

function testsOf(a: Analysis, model: string): ModelTests | null {
  return a.finding_tests?.models[model] ?? null;
}

const noTests = "the analysis has no finding tests";

function accuracyRises(a: Analysis, model: string, who: string): Draft {
  const d = base(`${slug(model)}-accuracy`, `${who} raises accuracy (pass@1) over ${a.base}`,
    "holds when the lower one-sided bound of the paired accuracy change lies above 0; does not hold when the upper bound lies below 0 (a loss)",
    ["pass-at-k", "accuracy-table"]);
  const t = testsOf(a, model);
  if (!t) return missing(d, noTests);
  const c = t.accuracy;
  const s = settingsOf(a)!;
  return {
    ...d, ...fromContrast(c), test: `${c.method}; one-sided at alpha = ${s.alpha}`,
    evidence: `accuracy changed by ${signed(c.estimate)} ${interval(c.ci)} over ${c.n} questions (${pv(c.p["0"]!.above)} for a gain); for this fixed benchmark ${interval(c.ci_fixed)}`,
    holdsP: c.p["0"]!.above, failsP: c.p["0"]!.below,
  };
}

function capabilityFlat(a: Analysis, model: string, who: string): Draft {
  const s = settingsOf(a);
  const margin = s?.margin ?? 0.01;
  const d = base(`${slug(model)}-capability`, `${who}'s capability at large k (pass@N) does not rise above ${a.base}'s`,
    `non-superiority with margin ${margin}: holds when the upper one-sided bound of the paired pass@N change lies below +${margin}; does not hold when the lower bound lies above +${margin}; a rise smaller than the margin counts as flat`,
    ["pass-at-k", "accuracy-table"]);
  const t = testsOf(a, model);
  if (!t) return missing(d, noTests);
  const c = t.capability;
  if (c.n === 0) return missing(d, `no shared questions with ${c.k} samples in both models`);
  const acc = t.accuracy;
  return {
    ...d, ...fromContrast(c), test: `${c.method}; one-sided at alpha = ${s!.alpha}, margin +${margin}`,
    evidence: `pass@${c.k} moved by ${signed(c.estimate)} ${interval(c.ci)} over ${c.n} questions (${pv(c.p[key(margin)]!.below)} for a change below +${margin}); for this fixed benchmark ${interval(c.ci_fixed)}; accuracy moved by ${signed(acc.estimate)}`,
    holdsP: c.p[key(margin)]!.below, failsP: c.p[key(margin)]!.above,
  };
}

function middleGains(a: Analysis, model: string, who: string): Draft {
  const d = base(`${slug(model)}-middle-bins`, `${who}'s accuracy gains concentrate in the middle difficulty bins`,
    "holds when the mean accuracy change over the middle bins is above 0 and above the change over the hardest bins and over the easiest bin (three one-sided tests, all must reject; bins from one half of the base's samples, the base measured on the other half)",
    ["bin-accuracy-delta", `transition-${slug(model)}`]);
  const t = testsOf(a, model);
  if (!t) return missing(d, noTests);
  const b = t.bins;
  if (!b) return missing(d, "fewer than four difficulty bins");
  const s = settingsOf(a)!;
  const groupSize = (labels: string[]) => labels.reduce((n, l) => n + b.questions[b.labels.indexOf(l)]!, 0);
  const [hard, middle, easy] = [groupSize(b.groups.hard), groupSize(b.groups.middle), groupSize(b.groups.easy)];
  const sizes = `hardest (${b.groups.hard.join(", ")}) ${hard}, middle (${b.groups.middle.join(", ")}) ${middle}, easiest (${b.groups.easy.join(", ")}) ${easy} questions`;
  if (!b.middle || !b.middle_minus_hard || !b.middle_minus_easy) return missing(d, `a bin group is empty: ${sizes}`);
  const small = [["hardest", hard], ["middle", middle], ["easiest", easy]].filter(([, n]) => (n as number) < s.min_bin);
  const describe = (name: string, c: Contrast) => `${name} ${signed(c.estimate)} ${interval(c.ci)}`;
  const evidence = `split-sample bins: ${describe("middle", b.middle)}, ${describe("middle - hardest", b.middle_minus_hard)}, ${describe("middle - easiest", b.middle_minus_easy)}; ${sizes}`;
  const test = `${b.middle.method}; one-sided at alpha = ${s.alpha} each, the claim's p the largest of the three`;
  if (small.length > 0) {
    return { ...d, ...fromContrast(b.middle_minus_hard), test, evidence: `${evidence}; ${small.map(([g]) => g).join(", ")} below the minimum of ${s.min_bin} questions`, holdsP: null, failsP: null, forced: "inconclusive" };
  }
  const r = allOf([{ c: b.middle, t: 0, dir: "above" }, { c: b.middle_minus_hard, t: 0, dir: "above" }, { c: b.middle_minus_easy, t: 0, dir: "above" }]);
  return { ...d, ...fromContrast(r.binding), n: hard + middle + easy, test, evidence, holdsP: r.holdsP, failsP: r.failsP };
}

function hardestLose(a: Analysis, model: string, who: string): Draft {
  const comparison = a.comparisons.find((c) => c.other === model);
  const d = base(`${slug(model)}-hardest-bins`, `${who} loses on the hardest questions ${a.base} could still solve`,
    "holds when the upper one-sided bound of the mean accuracy change in the rarely-solved bin (the first above 0, split samples) lies below 0; does not hold when the lower bound lies above 0; inconclusive below the minimum bin size",
    ["bin-accuracy-delta", `transition-${slug(model)}`]);
  const t = testsOf(a, model);
  if (!t) return missing(d, noTests);
  const s = settingsOf(a)!;
  const tr = comparison?.transition ?? [];
  const lost = tr.slice(1).reduce((sum, r) => sum + (r[0] ?? 0), 0);
  const won = (tr[0] ?? []).slice(1).reduce((sum, x) => sum + x, 0);
  const moves = `${lost} questions ${a.base} solved at least once became unsolved, ${won} unsolved ones became solved`;
  const h = t.bins?.hardest;
  const label = t.bins?.labels[1] ?? "1";
  if (!t.bins || !h) return missing(d, `no questions in the rarely-solved bin; ${moves}`);
  const i = 1;
  const evidence = `bin ${label} (n = ${h.n} questions, split samples): accuracy ${fmt(t.bins.base_half_b[i])} → ${fmt(t.bins.other[i])} (${signed(h.estimate)} ${interval(h.ci)}); ${moves}`;
  const test = `${h.method}; one-sided at alpha = ${s.alpha}; at least ${s.min_bin} questions`;
  if (h.n < s.min_bin) return { ...d, ...fromContrast(h), test, evidence: `${evidence}; n = ${h.n} is below the minimum of ${s.min_bin}`, holdsP: null, failsP: null, forced: "inconclusive" };
  return { ...d, ...fromContrast(h), test, evidence, holdsP: h.p["0"]!.below, failsP: h.p["0"]!.above };
}

function entropyFalls(a: Analysis, model: string, who: string): Draft {
  const d = base(`${slug(model)}-entropy`, `${who}'s answer entropy falls in every difficulty bin`,
    "holds when, in every bin with at least the minimum number of questions, the upper one-sided bound of the mean change in bias-corrected (Miller-Madow) answer entropy lies below 0; does not hold when one bin's lower bound lies above 0",
    ["answer-entropy"]);
  const t = testsOf(a, model);
  if (!t) return missing(d, noTests);
  if (!t.entropy) {
    const lacking = [a.models[a.base!]?.answer_entropy === undefined ? a.base : null, a.models[model]?.answer_entropy === undefined ? model : null].filter(Boolean).join(" and ");
    return missing(d, `no extracted answers stored for ${lacking || `${a.base} or ${model}`}`);
  }
  const s = settingsOf(a)!;
  const rows = t.entropy.filter((r) => r.change !== null);
  if (rows.length === 0) return missing(d, "no bin with answers from both models");
  const testable = rows.filter((r) => r.questions >= s.min_bin);
  const untested = rows.filter((r) => r.questions < s.min_bin);
  const list = rows.map((r) => `${r.label} (${r.questions}): ${fmt(r.base)} → ${fmt(r.other)}${r.questions >= s.min_bin ? ` ${interval(r.change!.ci)}` : ""}`).join("; ");
  const evidence = `Miller-Madow entropy, nats, ${a.base} → ${model}: ${list}${untested.length ? `; ${untested.map((r) => r.label).join(", ")} below ${s.min_bin} questions, not tested` : ""}`;
  const test = `${rows[0]!.change!.method}; one-sided at alpha = ${s.alpha} per bin, the claim's p the largest`;
  if (testable.length === 0) return { ...d, test, evidence, holdsP: null, failsP: null, forced: "inconclusive" };
  const r = allOf(testable.map((row) => ({ c: row.change!, t: 0, dir: "below" as const })));
  return { ...d, ...fromContrast(r.binding), n: testable.reduce((n, row) => n + row.questions, 0), test, evidence, holdsP: r.holdsP, failsP: r.failsP };
}

function notHigher(a: Analysis, model: string, who: string, what: "length" | "keywords"): Draft {
  const s = settingsOf(a);
  const tol = s?.text_margin ?? 0.05;
  const d = base(`${slug(model)}-${what}`,
    what === "length" ? `${who}'s responses are not longer than ${a.base}'s` : `${who}'s responses carry no more reflection keywords than ${a.base}'s`,
    `non-superiority with a relative margin of ${pct(tol)}: holds when the upper one-sided bound of the ratio (trained / base) of the mean per response lies below ${1 + tol}; does not hold when its lower bound lies above ${1 + tol}`,
    [what === "length" ? "response-length" : "reflection-keywords"]);
  const t = testsOf(a, model);
  if (!t) return missing(d, noTests);
  const pick = (m: string) => (what === "length" ? a.models[m]?.length?.chars : a.models[m]?.keywords?.per_response);
  const bm = pick(a.base!), om = pick(model);
  if (!bm || !om || bm.all === null || om.all === null) {
    const lacking = [!bm || bm.all === null ? a.base : null, !om || om.all === null ? model : null].filter(Boolean).join(" and ");
    return missing(d, `no response texts stored for ${lacking}`);
  }
  const c = t[what];
  const digits = what === "length" ? 0 : 2;
  const split = `correct ${fmt(bm.correct, digits)} → ${fmt(om.correct, digits)}, incorrect ${fmt(bm.incorrect, digits)} → ${fmt(om.incorrect, digits)}`;
  if (!c || !Number.isFinite(c.estimate)) return missing(d, `mean ${fmt(bm.all, digits)} → ${fmt(om.all, digits)}: the base's mean is 0, a ratio is undefined; ${split}`);
  const th = key(1 + tol);
  const words = what === "length" ? (["longer", "shorter"] as const) : (["more", "fewer"] as const);
  // which way a ratio went: its whole interval above 1, below 1, or neither
  const way = (r: Contrast) => (r.ci[0] > 1 ? words[0] : r.ci[1] < 1 ? words[1] : "no clear change");
  const part = (p: TextPart) => `${p.label} ${fmt(p.base, digits)} → ${fmt(p.other, digits)}` +
    (p.ratio ? ` (${fmt(p.ratio.estimate)} ${ratioInterval(p.ratio.ci)}, ${way(p.ratio)})` : " (no ratio: a model has none, or the base's mean is 0)");
  const by = "by_correctness" in c ? `; ${c.by_correctness.map(part).join(", ")}; by coarse base bin: ${c.by_bin.map(part).join(", ")}` : `; ${split}`;
  return {
    ...d, ...fromContrast(c), test: `${c.method}; one-sided at alpha = ${s!.alpha}, margin ${pct(tol)}`,
    evidence: `mean ${fmt(bm.all, digits)} → ${fmt(om.all, digits)} ${what === "length" ? "characters" : "keywords per response"} (ratio ${fmt(c.estimate)} ${ratioInterval(c.ci)}): ${way(c)}${by}`,
    holdsP: c.p[th]!.below, failsP: c.p[th]!.above,
  };
}

function rlvrFindings(a: Analysis, model: string, who: string): Draft[] {
  return [
    accuracyRises(a, model, who), capabilityFlat(a, model, who), middleGains(a, model, who), hardestLose(a, model, who),
    entropyFalls(a, model, who), notHigher(a, model, who, "length"), notHigher(a, model, who, "keywords"),
  ];
}

const compared = (a: Analysis, model: string): boolean => a.comparisons.some((c) => c.other === model);

function pair(a: Analysis, x: string, y: string, metric: "accuracy" | "capability"): Contrast | undefined {
  return a.finding_tests?.pairs[pairKey(x, y, metric)];
}

function selfDistillation(a: Analysis, m: StudyModels): Draft {
  const margin = settingsOf(a)?.margin ?? 0.01;
  const d = base("self-distillation", "Distilling RLVR's correct responses into the base recovers RLVR's accuracy; distilling the base's own does not",
    `holds when three one-sided tests all reject: ${m.baseFromRl} beats ${m.selfBase} (direct paired accuracy contrast above 0), ${m.baseFromRl} is not worse than ${m.rl} by more than ${margin} (non-inferiority), and ${m.selfBase} falls short of ${m.rl} (contrast below 0)`,
    ["pass-at-k", "accuracy-table", "bin-accuracy-delta"]);
  const need = [m.rl, m.baseFromRl, m.selfBase];
  const absent = need.filter((m) => !compared(a, m));
  if (absent.length > 0) return missing(d, `the run has no ${absent.join(", ")} model`);
  if (!a.finding_tests) return missing(d, noTests);
  const vsSelf = pair(a, m.baseFromRl, m.selfBase, "accuracy"), vsRl = pair(a, m.baseFromRl, m.rl, "accuracy"), selfVsRl = pair(a, m.selfBase, m.rl, "accuracy");
  if (!vsSelf || !vsRl || !selfVsRl) return missing(d, "the direct contrasts were not computed");
  const r = allOf([{ c: vsSelf, t: 0, dir: "above" }, { c: vsRl, t: -margin, dir: "above" }, { c: selfVsRl, t: 0, dir: "below" }]);
  const gains = [m.rl, m.baseFromRl, m.selfBase, m.selfRl].map((m) => testsOf(a, m)).map((t, i) => (t ? `${[m.rl, m.baseFromRl, m.selfBase, m.selfRl][i]} ${signed(t.accuracy.estimate)}` : null)).filter(Boolean).join(", ");
  return {
    ...d, ...fromContrast(r.binding), test: `direct paired accuracy contrasts, ${vsSelf.method}; one-sided at alpha = ${settingsOf(a)!.alpha} each, the claim's p the largest`,
    evidence: `${m.baseFromRl} - ${m.selfBase} ${signed(vsSelf.estimate)} ${interval(vsSelf.ci)}; ${m.baseFromRl} - ${m.rl} ${signed(vsRl.estimate)} ${interval(vsRl.ci)} (margin -${margin}); ${m.selfBase} - ${m.rl} ${signed(selfVsRl.estimate)} ${interval(selfVsRl.ci)}; accuracy gains over ${a.base}: ${gains}`,
    holdsP: r.holdsP, failsP: r.failsP,
  };
}

function patternsLikeRlvr(a: Analysis, m: StudyModels): Draft {
  const margin = settingsOf(a)?.margin ?? 0.01;
  const d = base("patterns-like-rlvr", "Distilling reasoning patterns only (questions the base can already solve) behaves like RLVR: accuracy rises, capability at large k does not",
    `holds when ${m.patterns}' accuracy change is above 0 and its pass@N change below +${margin} (both one-sided tests must reject)`,
    ["pass-at-k", "bin-accuracy-delta", `transition-${slug(m.patterns)}`]);
  const t = testsOf(a, m.patterns);
  if (!compared(a, m.patterns)) return missing(d, `the run has no ${m.patterns} model`);
  if (!t) return missing(d, noTests);
  const acc = accuracyRises(a, m.patterns, m.patterns), cap = capabilityFlat(a, m.patterns, m.patterns);
  if (cap.forced) return missing(d, cap.evidence);
  const r = allOf([{ c: t.accuracy, t: 0, dir: "above" }, { c: t.capability, t: margin, dir: "below" }]);
  return { ...d, ...fromContrast(r.binding), test: `the accuracy and the capability tests of ${m.patterns}, the claim's p the larger`, evidence: `${acc.evidence}; ${cap.evidence}`, holdsP: r.holdsP, failsP: r.failsP };
}

function knowledgeRaisesCapability(a: Analysis, m: StudyModels): Draft {
  const margin = settingsOf(a)?.margin ?? 0.01;
  const d = base("knowledge-raises-capability", `Capability at large k rises only when new knowledge comes in (${m.knowledge}), not with patterns alone (${m.patterns})`,
    `holds when three one-sided tests all reject: ${m.knowledge}'s pass@N beats ${m.patterns}' (direct paired contrast above 0), ${m.knowledge}'s pass@N change over the base is above 0, and ${m.patterns}' is below +${margin}`,
    ["pass-at-k", `transition-${slug(m.knowledge)}`]);
  const absent = [m.knowledge, m.patterns].filter((m) => !compared(a, m));
  if (absent.length > 0) return missing(d, `the run has no ${absent.join(" and ")} model`);
  const tk = testsOf(a, m.knowledge), tp = testsOf(a, m.patterns), direct = pair(a, m.knowledge, m.patterns, "capability");
  if (!tk || !tp || !direct) return missing(d, noTests);
  if (direct.n === 0) return missing(d, "no shared questions");
  const r = allOf([{ c: direct, t: 0, dir: "above" }, { c: tk.capability, t: 0, dir: "above" }, { c: tp.capability, t: margin, dir: "below" }]);
  return {
    ...d, ...fromContrast(r.binding), test: `direct paired pass@N contrast, ${direct.method}; one-sided at alpha = ${settingsOf(a)!.alpha} each, the claim's p the largest`,
    evidence: `pass@${tk.capability.k}: ${m.knowledge} - ${m.patterns} ${signed(direct.estimate)} ${interval(direct.ci)}; change over ${a.base}: ${m.knowledge} ${signed(tk.capability.estimate)} ${interval(tk.capability.ci)}, ${m.patterns} ${signed(tp.capability.estimate)} ${interval(tp.capability.ci)}`,
    holdsP: r.holdsP, failsP: r.failsP,
  };
}
