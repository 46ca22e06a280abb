/**
 * The study's findings (PAPER.md, "Findings the system must be able to show"), judged from a run's numbers.
 * Each finding is stated with a verdict — holds, does not hold, or cannot be judged (data missing) — and the
 * figures behind it. The rules are deliberately simple and written out in each finding's `rule`, so a reader
 * can disagree with a threshold without having to read code.
 */
import type { Comparison } from "../metrics/comparison.js";
import type { Analysis, ModelAnalysis } from "./analyze-run.js";
import { slug } from "./charts.js";
import { fmt, pValue, signed } from "./text-table.js";

export type Verdict = "holds" | "does not hold" | "cannot be judged";

export type Finding = {
  id: string;
  /** the study's claim, as applied to this run's models */
  claim: string;
  verdict: Verdict;
  /** the numbers behind the verdict, in words */
  evidence: string;
  /** how the verdict is decided */
  rule: string;
  /** ids of the report figures that show it */
  figures: string[];
};

/** Relative slack for "not longer" / "no more keywords": a 5% difference counts as "not higher". */
export const TEXT_TOLERANCE = 0.05;

const STUDY = { rl: "rlvr", selfBase: "base<-base", selfRl: "rlvr<-rlvr", baseFromRl: "base<-rlvr", patterns: "distill-patterns", knowledge: "distill-knowledge" };

/**
 * Judges the findings. With the embedded study's model names (a `rlvr` model beside the base) the RLVR findings
 * are judged for `rlvr` and the distillation findings for the distilled models; otherwise every model is judged
 * against the base as if it were the trained one.
 */
export function judgeFindings(analysis: Analysis): Finding[] {
  const base = analysis.base;
  if (base === null) {
    return [{
      id: "no-base",
      claim: "Trained models vs their base: accuracy, capability, bins, entropy, length and keywords",
      verdict: "cannot be judged",
      evidence: `the run has no base model to compare with (models: ${Object.keys(analysis.models).join(", ")}); pass --base MODEL`,
      rule: "every finding compares a trained model with its base",
      figures: [],
    }];
  }
  const byOther = new Map(analysis.comparisons.map((c) => [c.other, c]));
  const findings: Finding[] = [];
  const studyMode = byOther.has(STUDY.rl);
  const trained = studyMode ? [STUDY.rl] : analysis.comparisons.map((c) => c.other);
  for (const name of trained) findings.push(...rlvrFindings(analysis, byOther.get(name)!, studyMode ? "RLVR" : name));
  if (studyMode) {
    findings.push(selfDistillation(analysis, byOther));
    findings.push(patternsLikeRlvr(byOther.get(STUDY.patterns)));
    findings.push(knowledgeRaisesCapability(byOther.get(STUDY.patterns), byOther.get(STUDY.knowledge)));
  }
  return findings;
}

function interval(ci: [number, number]): string {
  return `[${signed(ci[0])}, ${signed(ci[1])}]`;
}

/** The largest k with a paired test: capability "at large k". */
function capabilityK(c: Comparison): string | null {
  const ks = Object.keys(c.significance.pass_at_k).map(Number).sort((a, b) => a - b);
  return ks.length === 0 ? null : String(ks[ks.length - 1]);
}

function accuracyRises(c: Comparison, who: string): Finding {
  const acc = c.significance.accuracy;
  const verdict: Verdict = acc.ci[0] > 0 ? "holds" : "does not hold";
  const how = acc.ci[0] > 0 ? "the interval lies above zero" : acc.ci[1] < 0 ? "the interval lies below zero (a loss)" : "the interval includes zero";
  return {
    id: `${slug(c.other)}-accuracy`,
    claim: `${who} raises accuracy (pass@1) over ${c.base}`,
    verdict,
    evidence: `accuracy changed by ${signed(acc.delta)} ${interval(acc.ci)} (${pValue(acc.p_value)}) over ${c.questions} questions: ${how}`,
    rule: "holds when the 95% paired bootstrap interval of the accuracy change lies above zero",
    figures: ["pass-at-k", "accuracy-table"],
  };
}

function capabilityFlat(c: Comparison, who: string): Finding {
  const k = capabilityK(c);
  const id = `${slug(c.other)}-capability`;
  const claim = `${who}'s capability at large k (pass@N) does not rise above ${c.base}'s`;
  const rule = "holds unless the 95% paired interval of the pass@N change lies above zero (a fall also counts as not rising)";
  if (k === null) return { id, claim, verdict: "cannot be judged", evidence: "no shared questions with samples", rule, figures: ["pass-at-k"] };
  const r = c.significance.pass_at_k[k]!;
  const acc = c.significance.accuracy;
  const where = r.ci[0] > 0 ? "its interval lies above zero (a gain)" : r.ci[1] < 0 ? "its interval lies below zero (a loss)" : "its interval includes zero";
  return {
    id,
    claim,
    verdict: r.ci[0] > 0 ? "does not hold" : "holds",
    evidence: `pass@${k} moved by ${signed(r.delta)} ${interval(r.ci)} (${pValue(r.p_value)}), ${where}; for comparison accuracy moved by ${signed(acc.delta)}`,
    rule,
    figures: ["pass-at-k", "accuracy-table"],
  };
}

type BinGroups = { hard: number[]; middle: number[]; easy: number[] };

/** Bin positions: the first two (unsolved and rarely solved) are the hardest, the last the easiest, the rest the middle. */
function binGroups(c: Comparison): BinGroups | null {
  const n = c.bin_accuracy_delta.length;
  if (n < 4) return null;
  const all = [...Array(n).keys()];
  return { hard: [0, 1], middle: all.slice(2, n - 1), easy: [n - 1] };
}

function weightedDelta(c: Comparison, bins: number[]): { delta: number | null; questions: number } {
  let sum = 0;
  let q = 0;
  for (const b of bins) {
    const row = c.bin_accuracy_delta[b]!;
    if (row.delta === null || row.questions === 0) continue;
    sum += row.delta * row.questions;
    q += row.questions;
  }
  return { delta: q === 0 ? null : sum / q, questions: q };
}

function binLabels(c: Comparison, bins: number[]): string {
  return bins.map((b) => c.bin_accuracy_delta[b]!.label).join(", ");
}

function middleGains(c: Comparison, who: string): Finding {
  const id = `${slug(c.other)}-middle-bins`;
  const claim = `${who}'s accuracy gains concentrate in the middle difficulty bins`;
  const rule = "holds when the question-weighted accuracy change over the middle bins is positive and larger than over the hardest bins and over the easiest bin";
  const groups = binGroups(c);
  const figures = ["bin-accuracy-delta", `transition-${slug(c.other)}`];
  if (!groups) return { id, claim, verdict: "cannot be judged", evidence: "fewer than four difficulty bins", rule, figures };
  const [hard, middle, easy] = [weightedDelta(c, groups.hard), weightedDelta(c, groups.middle), weightedDelta(c, groups.easy)];
  const describe = (name: string, bins: number[], g: { delta: number | null; questions: number }) => `${name} (${binLabels(c, bins)}; ${g.questions} questions) ${signed(g.delta)}`;
  const evidence = `mean accuracy change: ${describe("hardest", groups.hard, hard)}, ${describe("middle", groups.middle, middle)}, ${describe("easiest", groups.easy, easy)}`;
  if (middle.delta === null) return { id, claim, verdict: "cannot be judged", evidence: `no questions in the middle bins; ${evidence}`, rule, figures };
  const holds = middle.delta > 0 && (hard.delta === null || middle.delta > hard.delta) && (easy.delta === null || middle.delta > easy.delta);
  return { id, claim, verdict: holds ? "holds" : "does not hold", evidence, rule, figures };
}

function hardestLose(c: Comparison, who: string): Finding {
  const id = `${slug(c.other)}-hardest-bins`;
  const claim = `${who} loses on the hardest questions ${c.base} could still solve`;
  const rule = "holds when accuracy falls on the questions of the rarely-solved bin (the first bin above 0); the transition counts show questions lost to and won from bin 0";
  const figures = ["bin-accuracy-delta", `transition-${slug(c.other)}`];
  const row = c.bin_accuracy_delta[1];
  const lost = c.transition[0] === undefined ? 0 : c.transition.slice(1).reduce((s, r) => s + (r[0] ?? 0), 0);
  const won = (c.transition[0] ?? []).slice(1).reduce((s, x) => s + x, 0);
  const moves = `${lost} questions ${c.base} solved at least once became unsolved, ${won} unsolved ones became solved`;
  if (!row || row.questions === 0 || row.delta === null) {
    return { id, claim, verdict: "cannot be judged", evidence: `no questions in the rarely-solved bin; ${moves}`, rule, figures };
  }
  return {
    id,
    claim,
    verdict: row.delta < 0 ? "holds" : "does not hold",
    evidence: `bin ${row.label} (${row.questions} questions): accuracy ${fmt(row.base_accuracy)} → ${fmt(row.other_accuracy)} (${signed(row.delta)}); ${moves}`,
    rule,
    figures,
  };
}

function entropyFalls(analysis: Analysis, c: Comparison, who: string): Finding {
  const id = `${slug(c.other)}-entropy`;
  const claim = `${who}'s answer entropy falls in every difficulty bin`;
  const rule = "holds when, in every bin where both models have questions, the trained model's mean answer entropy is lower";
  const b = analysis.models[c.base]!.answer_entropy_bins;
  const o = analysis.models[c.other]!.answer_entropy_bins;
  if (!b || !o) {
    const missing = [!b ? c.base : null, !o ? c.other : null].filter(Boolean).join(" and ");
    return { id, claim, verdict: "cannot be judged", evidence: `no extracted answers stored for ${missing}`, rule, figures: ["answer-entropy"] };
  }
  const pairs = b.map((row, i) => ({ label: row.label, base: row.entropy, other: o[i]?.entropy ?? null })).filter((p) => p.base !== null && p.other !== null);
  if (pairs.length === 0) return { id, claim, verdict: "cannot be judged", evidence: "no bin with answers from both models", rule, figures: ["answer-entropy"] };
  const up = pairs.filter((p) => p.other! >= p.base!);
  const list = pairs.map((p) => `${p.label}: ${fmt(p.base)} → ${fmt(p.other)}`).join("; ");
  return {
    id,
    claim,
    verdict: up.length === 0 ? "holds" : "does not hold",
    evidence: `${up.length === 0 ? `lower in all ${pairs.length} bins` : `not lower in ${up.map((p) => p.label).join(", ")}`} (nats, ${c.base} → ${c.other}: ${list})`,
    rule,
    figures: ["answer-entropy"],
  };
}

function notHigher(
  analysis: Analysis,
  c: Comparison,
  who: string,
  what: "length" | "keywords",
): Finding {
  const id = `${slug(c.other)}-${what}`;
  const claim = what === "length" ? `${who}'s responses are not longer than ${c.base}'s` : `${who}'s responses carry no more reflection keywords than ${c.base}'s`;
  const rule = `holds when the trained model's mean over all graded responses is at most ${Math.round(TEXT_TOLERANCE * 100)}% above the base's`;
  const figure = what === "length" ? "response-length" : "reflection-keywords";
  const pick = (m: ModelAnalysis) => (what === "length" ? m.length?.chars : m.keywords?.per_response);
  const b = pick(analysis.models[c.base]!);
  const o = pick(analysis.models[c.other]!);
  if (!b || !o || b.all === null || o.all === null) {
    const missing = [!b || b.all === null ? c.base : null, !o || o.all === null ? c.other : null].filter(Boolean).join(" and ");
    return { id, claim, verdict: "cannot be judged", evidence: `no response texts stored for ${missing}`, rule, figures: [figure] };
  }
  const digits = what === "length" ? 0 : 2;
  const unit = what === "length" ? " characters" : " keywords per response";
  const ratio = b.all === 0 ? (o.all === 0 ? 1 : Infinity) : o.all / b.all;
  const holds = o.all <= b.all * (1 + TEXT_TOLERANCE);
  const split = `correct ${fmt(b.correct, digits)} → ${fmt(o.correct, digits)}, incorrect ${fmt(b.incorrect, digits)} → ${fmt(o.incorrect, digits)}`;
  return {
    id,
    claim,
    verdict: holds ? "holds" : "does not hold",
    evidence: `mean ${fmt(b.all, digits)} → ${fmt(o.all, digits)}${unit} (${Number.isFinite(ratio) ? `${signed((ratio - 1) * 100, 1)}%` : "from zero"}); ${split}`,
    rule,
    figures: [figure],
  };
}

function rlvrFindings(analysis: Analysis, c: Comparison, who: string): Finding[] {
  return [
    accuracyRises(c, who),
    capabilityFlat(c, who),
    middleGains(c, who),
    hardestLose(c, who),
    entropyFalls(analysis, c, who),
    notHigher(analysis, c, who, "length"),
    notHigher(analysis, c, who, "keywords"),
  ];
}

function selfDistillation(analysis: Analysis, byOther: Map<string, Comparison>): Finding {
  const claim = "Distilling RLVR's correct responses into the base recovers RLVR's accuracy; distilling the base's own does not";
  // one yardstick for both halves of the claim: whether a gain reaches the bottom of RLVR's interval
  const rule = `holds when ${STUDY.baseFromRl}'s accuracy gain over the base reaches the 95% paired interval of ${STUDY.rl}'s gain and ${STUDY.selfBase}'s gain stays below it`;
  const figures = ["pass-at-k", "accuracy-table", "bin-accuracy-delta"];
  const need = [STUDY.rl, STUDY.baseFromRl, STUDY.selfBase];
  const missing = need.filter((m) => !byOther.has(m));
  if (missing.length > 0) return { id: "self-distillation", claim, verdict: "cannot be judged", evidence: `the run has no ${missing.join(", ")} model`, rule, figures };
  const [rl, fromRl, self] = need.map((m) => byOther.get(m)!.significance.accuracy);
  const recovers = fromRl!.delta >= rl!.ci[0];
  const selfShort = self!.delta < rl!.ci[0];
  const gain = (name: string) => {
    const r = byOther.get(name)?.significance.accuracy;
    return r ? `${name} ${signed(r.delta)} ${interval(r.ci)}` : null;
  };
  return {
    id: "self-distillation",
    claim,
    verdict: recovers && selfShort ? "holds" : "does not hold",
    evidence: `accuracy gain over ${analysis.base}: ${[STUDY.rl, STUDY.baseFromRl, STUDY.selfBase, STUDY.selfRl].map(gain).filter(Boolean).join(", ")}`,
    rule,
    figures,
  };
}

function patternsLikeRlvr(patterns: Comparison | undefined): Finding {
  const claim = "Distilling reasoning patterns only (questions the base can already solve) behaves like RLVR: accuracy rises, capability at large k does not";
  const rule = "holds when distill-patterns' accuracy-change interval lies above zero and its pass@N-change interval does not";
  if (!patterns) return { id: "patterns-like-rlvr", claim, verdict: "cannot be judged", evidence: `the run has no ${STUDY.patterns} model`, rule, figures: ["pass-at-k"] };
  const a = accuracyRises(patterns, STUDY.patterns);
  const cap = capabilityFlat(patterns, STUDY.patterns);
  const verdict: Verdict = cap.verdict === "cannot be judged" ? "cannot be judged" : a.verdict === "holds" && cap.verdict === "holds" ? "holds" : "does not hold";
  return { id: "patterns-like-rlvr", claim, verdict, evidence: `${a.evidence}; ${cap.evidence}`, rule, figures: ["pass-at-k", "bin-accuracy-delta", `transition-${slug(STUDY.patterns)}`] };
}

function knowledgeRaisesCapability(patterns: Comparison | undefined, knowledge: Comparison | undefined): Finding {
  const claim = "Capability at large k rises only when new knowledge comes in (distill-knowledge), not with patterns alone (distill-patterns)";
  const rule = "holds when the interval of distill-knowledge's pass@N change lies above zero and distill-patterns' does not";
  const figures = ["pass-at-k", `transition-${slug(STUDY.knowledge)}`];
  if (!knowledge || !patterns) {
    const missing = [!knowledge ? STUDY.knowledge : null, !patterns ? STUDY.patterns : null].filter(Boolean).join(" and ");
    return { id: "knowledge-raises-capability", claim, verdict: "cannot be judged", evidence: `the run has no ${missing} model`, rule, figures };
  }
  const kk = capabilityK(knowledge);
  const kp = capabilityK(patterns);
  if (kk === null || kp === null) return { id: "knowledge-raises-capability", claim, verdict: "cannot be judged", evidence: "no shared questions", rule, figures };
  const rk = knowledge.significance.pass_at_k[kk]!;
  const rp = patterns.significance.pass_at_k[kp]!;
  return {
    id: "knowledge-raises-capability",
    claim,
    verdict: rk.ci[0] > 0 && rp.ci[0] <= 0 ? "holds" : "does not hold",
    evidence: `pass@${kk} change: ${STUDY.knowledge} ${signed(rk.delta)} ${interval(rk.ci)}, ${STUDY.patterns} ${signed(rp.delta)} ${interval(rp.ci)}`,
    rule,
    figures,
  };
}
