/**
 * One study repeated at several seeds, and one study repeated along a knob (the discoverability sweep):
 * the numbers the full preset reports. Across seeds every figure is a mean with a Student-t interval over the
 * seeds (a seed reruns everything: world, corpora, initialisation, training and sampling), and every change
 * against the base is paired within a seed before it is averaged. Along the sweep each level is one study,
 * judged with that study's own paired bootstrap interval.
 */
import { seedInterval, type SeedInterval } from "../metrics/seeds.js";
import type { PairedResult } from "../metrics/paired-test.js";
import type { Analysis } from "./analyze-run.js";
import { judgeFindings, type Verdict } from "./findings.js";
import { STUDY_MODELS, type StudyModels } from "./study-models.js";

export type SeedRun = { id: string; analysis: Analysis };

export type ModelAcrossSeeds = {
  accuracy: SeedInterval;
  pass_at_k: Record<string, SeedInterval>;
  /** share of questions never solved in the samples */
  unsolved: SeedInterval;
  /** mean response length in characters, and reflection keywords per response, when texts are stored */
  length_chars?: SeedInterval;
  keywords_per_response?: SeedInterval;
};

export type DeltaAcrossSeeds = {
  accuracy: SeedInterval;
  pass_at_k: Record<string, SeedInterval>;
  /** accuracy change per base bin (bins of each seed's own base), over the seeds where the bin has questions */
  bins: Array<{ label: string; delta: SeedInterval | null }>;
};

export type FindingAcrossSeeds = {
  id: string; claim: string; rule: string; verdicts: Record<string, Verdict>; evidence: Record<string, string>;
  /** seeds where it holds; `judged`: seeds with a verdict other than "cannot be judged"; `inconclusive` among those */
  holds: number; judged: number; inconclusive: number;
};

export type AcrossSeeds = {
  seeds: string[];
  base: string;
  /** the k values reported: powers of two up to the smallest sample count, and that count */
  ks: number[];
  level: number;
  models: Record<string, ModelAcrossSeeds>;
  /** other model minus base, paired within each seed */
  deltas: Record<string, DeltaAcrossSeeds>;
  findings: FindingAcrossSeeds[];
};

function reportedKs(n: number): number[] {
  const ks: number[] = [];
  for (let k = 1; k <= n; k *= 2) ks.push(k);
  if (ks[ks.length - 1] !== n) ks.push(n);
  return ks;
}

/** Models present in every seed, in the order of the first. */
function commonModels(runs: readonly SeedRun[]): string[] {
  return Object.keys(runs[0]!.analysis.models).filter((m) => runs.every((r) => r.analysis.models[m] !== undefined));
}

function optionalInterval(values: Array<number | null | undefined>, level: number): SeedInterval | undefined {
  return values.every((v): v is number => typeof v === "number") ? seedInterval(values, level) : undefined;
}

/** `study`: the model names the findings look for (default: the embedded study's). */
export function aggregateSeeds(runs: readonly SeedRun[], level = 0.95, study: StudyModels = STUDY_MODELS): AcrossSeeds {
  if (runs.length === 0) throw new RangeError("aggregateSeeds needs at least one run");
  const base = runs[0]!.analysis.base;
  if (base === null || runs.some((r) => r.analysis.base !== base)) throw new RangeError(`every seed needs the same base model (got ${runs.map((r) => r.analysis.base).join(", ")})`);
  const names = commonModels(runs);
  const n = Math.min(...runs.flatMap((r) => names.map((m) => r.analysis.models[m]!.samples_per_question)));
  const ks = reportedKs(n);
  // accuracy, pass@k and shares are rates: their intervals are cut to [0, 1]
  const across = (f: (a: Analysis) => number) => seedInterval(runs.map((r) => f(r.analysis)), level, [0, 1]);

  const models: Record<string, ModelAcrossSeeds> = {};
  for (const m of names) {
    const model = (a: Analysis) => a.models[m]!;
    const lengthChars = optionalInterval(runs.map((r) => model(r.analysis).length?.chars.all), level);
    const keywords = optionalInterval(runs.map((r) => model(r.analysis).keywords?.per_response.all), level);
    models[m] = {
      accuracy: across((a) => model(a).accuracy),
      pass_at_k: Object.fromEntries(ks.map((k) => [String(k), across((a) => model(a).pass_at_k[String(k)]!)])),
      unsolved: across((a) => model(a).unsolved / model(a).questions),
      ...(lengthChars ? { length_chars: lengthChars } : {}),
      ...(keywords ? { keywords_per_response: keywords } : {}),
    };
  }

  const deltas: Record<string, DeltaAcrossSeeds> = {};
  for (const m of names) {
    if (m === base) continue;
    const comparisons = runs.map((r) => r.analysis.comparisons.find((c) => c.other === m));
    if (comparisons.some((c) => c === undefined)) continue;
    const cs = comparisons as NonNullable<(typeof comparisons)[number]>[];
    const labels = cs[0]!.bin_accuracy_delta.map((b) => b.label);
    deltas[m] = {
      accuracy: seedInterval(cs.map((c) => c.significance.accuracy.delta), level),
      pass_at_k: Object.fromEntries(ks.map((k) => [String(k), seedInterval(runs.map((r) => r.analysis.models[m]!.pass_at_k[String(k)]! - r.analysis.models[base]!.pass_at_k[String(k)]!), level)])),
      bins: labels.map((label) => {
        const values = cs.map((c) => c.bin_accuracy_delta.find((b) => b.label === label)?.delta).filter((d): d is number => typeof d === "number");
        return { label, delta: values.length > 0 ? seedInterval(values, level) : null };
      }),
    };
  }

  const findings: FindingAcrossSeeds[] = [];
  for (const run of runs) {
    for (const f of judgeFindings(run.analysis, study)) {
      let row = findings.find((x) => x.id === f.id);
      if (!row) findings.push((row = { id: f.id, claim: f.claim, rule: f.rule, verdicts: {}, evidence: {}, holds: 0, judged: 0, inconclusive: 0 }));
      row.verdicts[run.id] = f.verdict;
      row.evidence[run.id] = f.evidence;
      if (f.verdict !== "cannot be judged") row.judged++;
      if (f.verdict === "holds") row.holds++;
      if (f.verdict === "inconclusive") row.inconclusive++;
    }
  }
  return { seeds: runs.map((r) => r.id), base, ks, level, models, deltas, findings };
}

export type SweepLevel = { id: string; label: string; x: number; analysis: Analysis };

export type SweepRow = {
  id: string;
  label: string;
  x: number;
  /** the largest k both models have */
  k: number;
  base: { accuracy: number; pass_at_k: number; unsolved: number };
  trained: { accuracy: number; pass_at_k: number; unsolved: number };
  accuracy: PairedResult;
  pass_at_k: PairedResult;
  /** expands: pass@k's interval lies above zero; narrows: below zero; flat: it includes zero */
  capability: "expands" | "narrows" | "flat";
};

/** One row per knob level: the trained model against the base of the same level. */
export function sweepRows(levels: readonly SweepLevel[], trained = "rlvr"): SweepRow[] {
  return levels.map((level) => {
    const a = level.analysis;
    const base = a.base;
    const c = a.comparisons.find((x) => x.other === trained);
    if (base === null || !c) throw new RangeError(`sweep level ${level.id}: no comparison of ${trained} with a base`);
    const ks = Object.keys(c.significance.pass_at_k).map(Number).sort((x, y) => x - y);
    const k = ks[ks.length - 1]!;
    const pass = c.significance.pass_at_k[String(k)]!;
    const side = (m: string) => ({ accuracy: a.models[m]!.accuracy, pass_at_k: a.models[m]!.pass_at_k[String(k)]!, unsolved: a.models[m]!.unsolved / a.models[m]!.questions });
    return {
      id: level.id, label: level.label, x: level.x, k, base: side(base), trained: side(trained), accuracy: c.significance.accuracy, pass_at_k: pass,
      capability: pass.ci[0] > 0 ? "expands" : pass.ci[1] < 0 ? "narrows" : "flat",
    };
  });
}
