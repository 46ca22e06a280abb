/**
 * Variations of a nested study (`kind: study`): one seed for every random choice in it, and `set` entries
 * that replace single settings of chosen stages. The full preset runs the quick study at three seeds with
 * k = 1024 this way, and the discoverability sweep varies one world setting.
 */
import { RlvdError } from "../core/errors.js";

export type SettingOverride = { stage: string; field: string; value: unknown };

/**
 * Where each stage kind keeps its seeds (dotted paths into the settings). `seed: N` sets all of them: the
 * fact table and question draw, corpora, model initialisation, data order, rollouts, sampling and bootstrap.
 */
export const SEED_FIELDS: Record<string, string[]> = {
  world: ["seed", "world.seed"],
  pretrain: ["seed", "corpusSeed", "train.seed"],
  grpo: ["train.seed"],
  sample: ["seed"],
  series: ["seed"],
  distill: ["seed"],
  sft: ["train.seed"],
  analyze: ["seed"],
};

type RawStage = Record<string, unknown> & { id: string; kind: string };
type RawSpec = Record<string, unknown> & { stages: RawStage[] };

/** A copy of the raw spec with the seed and the overrides applied; `where` names the study stage in errors. */
export function applyOverrides(spec: unknown, options: { seed?: number; set?: readonly SettingOverride[] }, where: string): RawSpec {
  const copy = structuredClone(spec) as RawSpec;
  if (options.seed !== undefined) {
    for (const stage of copy.stages) for (const field of SEED_FIELDS[stage.kind] ?? []) setPath(stage, field, options.seed);
  }
  for (const o of options.set ?? []) {
    const pattern = globRegex(o.stage);
    const hits = copy.stages.filter((st) => pattern.test(st.id));
    if (hits.length === 0) throw new RlvdError("BAD_INPUT", `${where}: set: no stage matches "${o.stage}" (stages: ${copy.stages.map((s) => s.id).join(", ")})`);
    if (o.field === "" || o.field === "id" || o.field === "kind") throw new RlvdError("BAD_INPUT", `${where}: set: field "${o.field}" cannot be set`);
    for (const st of hits) setPath(st, o.field, structuredClone(o.value));
  }
  return copy;
}

/** `*` matches any run of characters; everything else is literal. */
function globRegex(glob: string): RegExp {
  return new RegExp(`^${glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
}

/** Sets a dotted path, creating objects on the way (a setting left to its default gets an explicit value). */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split(".");
  let at = target;
  for (const key of keys.slice(0, -1)) {
    const next = at[key];
    if (next === undefined || next === null) at[key] = {};
    else if (typeof next !== "object" || Array.isArray(next)) throw new RlvdError("BAD_INPUT", `cannot set ${path}: ${key} is not an object`);
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]!] = value;
}
