/**
 * A survey of worlds, analysed (issue 18 part 2): each world is one small study whose findings were judged by
 * the single-run rules (findings.ts); here, per finding, the share of worlds where it holds with a Wilson
 * interval, and which knobs predict it: a logistic regression on the standardised knobs and the two knobs whose
 * best single split separates the worlds best. Two outcomes made of findings sit beside the ten: the headline
 * ("RLVR raises accuracy but not capability": the accuracy and the capability findings both hold) and its
 * opposite case ("RLVR expands capability": the capability finding does not hold, i.e. pass@N rose beyond the
 * margin). Pure: world records in, the survey's numbers out; survey-report.ts words and draws them.
 */
import { fitLogistic, rankSplits, standardise, wilsonShare, type Share } from "../metrics/survey-stats.js";
import type { Verdict } from "./findings.js";

/** One world of a survey: its knob values and each finding's verdict (findings.json's records, by id). */
export type SurveyWorld = {
  id: string; seed: number; knobs: Record<string, number>; verdicts: Record<string, Verdict>; claims: Record<string, string>; seconds: number;
  /** why the world's study stopped (its findings then count as "cannot be judged") */
  failed?: string;
};

export type KnobSummary = { name: string; label: string; mean: number; sd: number; min: number; max: number };

export type KnobEffect = { knob: string; beta: number; se: number };
export type KnobSplit = { knob: string; threshold: number; errors: number; baseline: number; below: { n: number; holds: number }; above: { n: number; holds: number } };

export type SurveyOutcome = {
  id: string;
  claim: string;
  /** worlds where the claim held, did not hold (the opposite test rejected), was inconclusive, could not be judged */
  counts: { holds: number; does_not_hold: number; inconclusive: number; cannot_be_judged: number };
  /** holds / judged (every verdict but "cannot be judged") with a 95% Wilson interval */
  share: Share;
  /** logistic regression of "holds" on the standardised knobs over the judged worlds; null when every judged world agrees */
  model: { intercept: number; effects: KnobEffect[]; ridge: number; converged: boolean } | null;
  /** the knobs whose best single split misclassifies the fewest judged worlds, best first (at most two) */
  splits: KnobSplit[];
};

export type PhasePoint = { x: number; y: number; holds: boolean; world: string };
export type PhaseCell = { x0: number; x1: number; y0: number; y1: number; p: number };
export type PhaseDiagram = { outcome: string; x: string; y: string; points: PhasePoint[]; cells: PhaseCell[] };

export type SurveyResult = {
  worlds: SurveyWorld[];
  knobs: KnobSummary[];
  findings: SurveyOutcome[];
  headline: SurveyOutcome;
  expands: SurveyOutcome;
  /** the headline over its two strongest knobs (null with fewer than two knobs that vary) */
  phase: PhaseDiagram | null;
  ridge: number;
};

export const HEADLINE_ID = "accuracy-not-capability";
export const EXPANDS_ID = "rlvr-expands-capability";
const ACCURACY = "rlvr-accuracy", CAPABILITY = "rlvr-capability";
/** the penalty on the standardised slopes: enough to keep a separable handful of worlds finite, small beside 40 worlds' information */
export const SURVEY_RIDGE = 1;

/** The headline's verdict in one world: holds when both findings hold, does not hold when either fails, else as they are. */
export function headlineVerdict(v: Record<string, Verdict>): Verdict {
  const a = v[ACCURACY] ?? "cannot be judged", c = v[CAPABILITY] ?? "cannot be judged";
  if (a === "cannot be judged" || c === "cannot be judged") return "cannot be judged";
  if (a === "holds" && c === "holds") return "holds";
  if (a === "does not hold" || c === "does not hold") return "does not hold";
  return "inconclusive";
}

/** RLVR expanded capability: its capability finding was refuted (pass@N rose beyond the margin, significantly). */
export function expandsVerdict(v: Record<string, Verdict>): Verdict {
  const c = v[CAPABILITY] ?? "cannot be judged";
  return c === "cannot be judged" ? c : c === "does not hold" ? "holds" : c === "holds" ? "does not hold" : "inconclusive";
}

function outcome(id: string, claim: string, verdicts: Verdict[], worlds: readonly SurveyWorld[], knobs: readonly string[], ridge: number): SurveyOutcome {
  const counts = { holds: 0, does_not_hold: 0, inconclusive: 0, cannot_be_judged: 0 };
  for (const v of verdicts) counts[v === "holds" ? "holds" : v === "does not hold" ? "does_not_hold" : v === "inconclusive" ? "inconclusive" : "cannot_be_judged"]++;
  const judged = verdicts.map((v, i) => ({ v, i })).filter(({ v }) => v !== "cannot be judged");
  const share = wilsonShare(counts.holds, judged.length);
  const y = judged.map(({ v }) => (v === "holds" ? 1 : 0));
  const raw = judged.map(({ i }) => knobs.map((k) => worlds[i]!.knobs[k]!));
  const varying = knobs.map((_, j) => new Set(raw.map((r) => r[j])).size > 1);
  const both = y.includes(0) && y.includes(1);
  let model: SurveyOutcome["model"] = null;
  let tiebreak: number[] = [];
  if (both && varying.some(Boolean)) {
    const { columns } = standardise(raw);
    const fit = fitLogistic(columns, y, { ridge });
    tiebreak = fit.beta.slice(1);
    model = { intercept: fit.beta[0]!, effects: knobs.map((k, j) => ({ knob: k, beta: fit.beta[j + 1]!, se: fit.se[j + 1]! })).filter((_, j) => varying[j]), ridge, converged: fit.converged };
  }
  const splits = both ? rankSplits(raw, y, tiebreak).slice(0, 2).map((s) => ({ knob: knobs[s.knob]!, threshold: s.threshold, errors: s.errors, baseline: s.baseline, below: s.left, above: s.right })) : [];
  return { id, claim, counts, share, model, splits };
}

/** The survey's numbers from its worlds; `labels` names the knobs in words. */
export function analyseSurvey(worlds: readonly SurveyWorld[], labels: Readonly<Record<string, string>>, ridge = SURVEY_RIDGE): SurveyResult {
  const names = Object.keys(worlds[0]?.knobs ?? {});
  const knobs = names.map((name) => {
    const v = worlds.map((w) => w.knobs[name]!);
    const mean = v.reduce((s, x) => s + x, 0) / v.length;
    return { name, label: labels[name] ?? name, mean, sd: Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length), min: Math.min(...v), max: Math.max(...v) };
  });
  // findings in the order the first world judged them; a world that lacks one counts it as "cannot be judged"
  const ids = [...new Set(worlds.flatMap((w) => Object.keys(w.verdicts)))];
  const claimOf = (id: string) => worlds.find((w) => w.claims[id])?.claims[id] ?? id;
  const findings = ids.map((id) => outcome(id, claimOf(id), worlds.map((w) => w.verdicts[id] ?? "cannot be judged"), worlds, names, ridge));
  const headline = outcome(HEADLINE_ID, "RLVR raises accuracy but not capability (its accuracy and capability findings both hold)", worlds.map((w) => headlineVerdict(w.verdicts)), worlds, names, ridge);
  const expands = outcome(EXPANDS_ID, "RLVR expands capability (pass@N rises beyond the margin: the capability finding is refuted)", worlds.map((w) => expandsVerdict(w.verdicts)), worlds, names, ridge);
  return { worlds: [...worlds], knobs, findings, headline, expands, phase: phaseDiagram(headline, worlds, knobs), ridge };
}

/**
 * The headline over its two strongest knobs: the knobs of its best splits (or of its largest coefficients, or
 * the first two that vary), each world a point, and the logistic model's probability on a 12 x 12 grid with
 * every other knob at its mean.
 */
export function phaseDiagram(o: SurveyOutcome, worlds: readonly SurveyWorld[], knobs: readonly KnobSummary[]): PhaseDiagram | null {
  const varying = knobs.filter((k) => k.sd > 0).map((k) => k.name);
  const byEffect = o.model ? [...o.model.effects].sort((a, b) => Math.abs(b.beta) - Math.abs(a.beta)).map((e) => e.knob) : [];
  const pick = [...new Set([...o.splits.map((s) => s.knob), ...byEffect, ...varying])].slice(0, 2);
  if (pick.length < 2) return null;
  const [x, y] = pick as [string, string];
  const verdicts = worlds.map((w) => (o.id === HEADLINE_ID ? headlineVerdict(w.verdicts) : o.id === EXPANDS_ID ? expandsVerdict(w.verdicts) : w.verdicts[o.id] ?? "cannot be judged"));
  const points = worlds.flatMap((w, i) => (verdicts[i] === "cannot be judged" ? [] : [{ x: w.knobs[x]!, y: w.knobs[y]!, holds: verdicts[i] === "holds", world: w.id }]));
  const cells: PhaseCell[] = [];
  const kx = knobs.find((k) => k.name === x)!, ky = knobs.find((k) => k.name === y)!;
  const bx = o.model?.effects.find((e) => e.knob === x)?.beta, by = o.model?.effects.find((e) => e.knob === y)?.beta;
  if (o.model && bx !== undefined && by !== undefined) {
    const G = 12;
    for (let i = 0; i < G; i++) for (let j = 0; j < G; j++) {
      const x0 = kx.min + ((kx.max - kx.min) * i) / G, x1 = kx.min + ((kx.max - kx.min) * (i + 1)) / G;
      const y0 = ky.min + ((ky.max - ky.min) * j) / G, y1 = ky.min + ((ky.max - ky.min) * (j + 1)) / G;
      const eta = o.model.intercept + bx * ((x0 + x1) / 2 - kx.mean) / kx.sd + by * ((y0 + y1) / 2 - ky.mean) / ky.sd;
      cells.push({ x0, x1, y0, y1, p: 1 / (1 + Math.exp(-eta)) });
    }
  }
  return { outcome: o.id, x, y, points, cells };
}
