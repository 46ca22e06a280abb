/**
 * The knobs a survey of worlds (issue 18 part 2) draws from its prior, and how each one lands in a world's
 * study: as `set` overrides of the nested spec (experiment/overrides.ts), so a drawn world is an ordinary study
 * with some settings replaced. Every knob is declared once here, typed; a prior names knobs from this table and
 * nothing else. docs/world.md describes the prior the survey preset uses.
 */
import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { mulberry32 } from "../core/mulberry32.js";
import type { SettingOverride } from "./overrides.js";
import { getPath } from "./setting-paths.js";

/** A knob's distribution: uniform or log-uniform on [lo, hi] (optionally rounded to integers), or a choice. */
export const KnobPriorSchema = z.union([
  z.object({ uniform: z.tuple([z.number(), z.number()]), integer: z.boolean().optional() }).strict(),
  z.object({ logUniform: z.tuple([z.number().positive(), z.number().positive()]), integer: z.boolean().optional() }).strict(),
  z.object({ choice: z.array(z.number()).min(1) }).strict(),
]);
export type KnobPrior = z.infer<typeof KnobPriorSchema>;

type RawStage = Record<string, unknown> & { id: string; kind: string };
type RawSpec = { stages: RawStage[] };

/** Where the knobs land in the per-world study: its world stage and its RLVR stage. */
export type SurveyTargets = { world: string; rl: string };

type Knob = {
  /** what it is, for the report */
  label: string;
  /** the range a value must lie in */
  range: [number, number];
  /** the overrides that set it, given the values of every knob drawn for this world and the template spec */
  apply: (value: number, drawn: Readonly<Record<string, number>>, spec: RawSpec, t: SurveyTargets) => SettingOverride[];
};

const FACT_KNOBS = ["shaky", "weak", "absent"] as const;

/** The world's fact shares with the drawn ones replaced and `known` taking what is left. */
function factShares(_value: number, drawn: Readonly<Record<string, number>>, spec: RawSpec, t: SurveyTargets): SettingOverride[] {
  const template = (getPath(stage(spec, t.world), "world.facts") ?? { known: 0.45, shaky: 0.25, weak: 0.15, absent: 0.15 }) as Record<string, number>;
  const shares: Record<string, number> = {};
  for (const k of FACT_KNOBS) shares[k] = drawn[k] ?? template[k] ?? 0;
  const known = 1 - FACT_KNOBS.reduce((s, k) => s + shares[k]!, 0);
  if (known < -1e-9) throw new RlvdError("BAD_INPUT", `survey prior: the shaky, weak and absent shares drawn sum above 1 (${FACT_KNOBS.map((k) => `${k} ${shares[k]!.toFixed(3)}`).join(", ")}): narrow their ranges`);
  // rounded so the shares sum to 1 within the world's tolerance and the hash does not carry float noise
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  const value = { known: r(1 - FACT_KNOBS.reduce((s, k) => s + r(shares[k]!), 0)), shaky: r(shares.shaky!), weak: r(shares.weak!), absent: r(shares.absent!) };
  return [{ stage: t.world, field: "world.facts", value }];
}

const worldField = (field: string) => (value: number, _d: Readonly<Record<string, number>>, _s: RawSpec, t: SurveyTargets): SettingOverride[] => [{ stage: t.world, field: `world.${field}`, value }];

/** The share of base-corpus solutions written by the shortcut rule; the other formats keep their proportions. */
function shortcutShare(value: number, _d: Readonly<Record<string, number>>, spec: RawSpec, t: SurveyTargets): SettingOverride[] {
  const f = (getPath(stage(spec, t.world), "world.formats") ?? { direct: 0.7, steps: 0.2, check: 0.1, shortcut: 0 }) as Record<string, number>;
  // the reflect format (world option of issue 18 part 1) is kept only where the template has it, so a world without it hashes as before
  const others = (["direct", "steps", "check", "reflect"] as const).filter((k) => f[k] !== undefined);
  const rest = others.reduce((sum, k) => sum + f[k]!, 0);
  if (rest <= 0) throw new RlvdError("BAD_INPUT", "survey prior: shortcutShare needs a template world with some direct, steps, check or reflect solutions");
  const r = (x: number) => Math.round(x * 1e6) / 1e6;
  const value_: Record<string, number> = {};
  for (const k of others.slice(0, -1)) value_[k] = r((f[k]! / rest) * (1 - value));
  // the last one takes what rounding left, so the shares sum to 1 exactly enough for the world's check
  value_[others[others.length - 1]!] = r(1 - value - others.slice(0, -1).reduce((sum, k) => sum + value_[k]!, 0));
  return [{ stage: t.world, field: "world.formats", value: { ...value_, shortcut: r(value) } }];
}

/** Every knob a survey prior may name, in the order the report lists them. */
export const KNOBS = {
  shaky: { label: "share of shaky facts", range: [0, 1], apply: factShares },
  weak: { label: "share of weak facts (rarely right in the base corpus)", range: [0, 1], apply: factShares },
  absent: { label: "share of absent facts (never in the base corpus)", range: [0, 1], apply: factShares },
  weakAccuracy: { label: "how often the base corpus shows a weak fact right", range: [0, 1], apply: worldField("weakAccuracy") },
  heldOut: { label: "share of absent facts no training question uses", range: [0, 1], apply: worldField("heldOut") },
  absentLeak: { label: "discoverability: chance an absent fact still appears (with a random result)", range: [0, 1], apply: worldField("absentLeak") },
  misconception: { label: "chance a wrong showing is the fact's fixed decoy", range: [0, 1], apply: worldField("misconception") },
  shortcutShare: { label: "share of base solutions written by the shortcut rule", range: [0, 1], apply: shortcutShare },
  shortcutAgreement: { label: "share of facts the shortcut rule gets right", range: [0, 1], apply: worldField("shortcutAgreement") },
  reflectionValue: { label: "what a reflect step's second route is worth (0: as noisy as the step)", range: [0, 1], apply: worldField("reflectionValue") },
  rlSteps: { label: "RLVR steps", range: [1, 100_000], apply: (v, _d, _s, t) => [{ stage: t.rl, field: "train.steps", value: v }] },
  rlLr: { label: "RLVR learning rate", range: [1e-7, 1], apply: (v, _d, _s, t) => [{ stage: t.rl, field: "train.lr", value: v }] },
} satisfies Record<string, Knob>;

export type KnobName = keyof typeof KNOBS;
export const KNOB_NAMES = Object.keys(KNOBS) as KnobName[];

/** A prior: some knobs of the table, each with its distribution; an unknown knob is an error naming the known ones. */
export const SurveyPriorSchema = z.record(z.string(), KnobPriorSchema).superRefine((prior, ctx) => {
  for (const [name, p] of Object.entries(prior)) {
    if (!(name in KNOBS)) {
      ctx.addIssue({ code: "custom", path: [name], message: `unknown knob "${name}" (knobs: ${KNOB_NAMES.join(", ")})` });
      continue;
    }
    const [lo, hi] = KNOBS[name as KnobName].range;
    const values = "choice" in p ? p.choice : "uniform" in p ? p.uniform : p.logUniform;
    if (!("choice" in p) && values[0] > values[1]) ctx.addIssue({ code: "custom", path: [name], message: `range [${values.join(", ")}] runs backwards` });
    if (values.some((v) => v < lo || v > hi)) ctx.addIssue({ code: "custom", path: [name], message: `values must lie in [${lo}, ${hi}] (got ${values.join(", ")})` });
  }
  const maxShares = FACT_KNOBS.reduce((s, k) => s + (prior[k] ? maxOf(prior[k]!) : 0), 0);
  if (maxShares > 1) ctx.addIssue({ code: "custom", path: [], message: `the shaky, weak and absent ranges can sum to ${maxShares} > 1: narrow them` });
});
export type SurveyPrior = z.infer<typeof SurveyPriorSchema>;

function maxOf(p: KnobPrior): number {
  return "choice" in p ? Math.max(...p.choice) : "uniform" in p ? p.uniform[1] : p.logUniform[1];
}

function stage(spec: RawSpec, id: string): RawStage {
  const s = spec.stages.find((st) => st.id === id);
  if (!s) throw new RlvdError("BAD_INPUT", `survey: the per-world study has no stage "${id}" (stages: ${spec.stages.map((st) => st.id).join(", ")})`);
  return s;
}

/** One value from a knob's distribution, given a uniform u in [0, 1). */
export function drawKnob(p: KnobPrior, u: number): number {
  if ("choice" in p) return p.choice[Math.min(p.choice.length - 1, Math.floor(u * p.choice.length))]!;
  const v = "uniform" in p ? p.uniform[0] + u * (p.uniform[1] - p.uniform[0]) : Math.exp(Math.log(p.logUniform[0]) + u * (Math.log(p.logUniform[1]) - Math.log(p.logUniform[0])));
  // a fixed number of significant digits keeps the nested spec (and its hash) free of float noise
  return p.integer ? Math.round(v) : Number(v.toPrecision(6));
}

export type DrawnWorld = { index: number; seed: number; knobs: Record<string, number>; set: SettingOverride[] };

/**
 * World `index` (0-based) of a survey with stage seed `seed`: its own study seed and knob values, each from a
 * stream of its own (so world i is the same whatever the number of worlds), and the overrides that make it.
 */
export function drawWorld(prior: SurveyPrior, spec: RawSpec, seed: number, index: number, targets: SurveyTargets): DrawnWorld {
  // distinct, well-mixed streams per (seed, index): mulberry32's first output of a combined seed
  const mix = mulberry32(Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca77));
  const worldSeed = 1 + Math.floor(mix() * 1_000_000);
  const rng = mulberry32(worldSeed * 31 + 7);
  const knobs: Record<string, number> = {};
  // knobs in the table's order, so the draw does not depend on the order the prior was written in
  for (const name of KNOB_NAMES) if (prior[name]) knobs[name] = drawKnob(prior[name]!, rng());
  const set: SettingOverride[] = [];
  let facts = false;
  for (const name of KNOB_NAMES) {
    if (knobs[name] === undefined) continue;
    if ((FACT_KNOBS as readonly string[]).includes(name)) {
      if (facts) continue;
      facts = true;
    }
    set.push(...(KNOBS[name] as Knob).apply(knobs[name]!, knobs, spec, targets));
  }
  return { index, seed: worldSeed, knobs, set };
}
