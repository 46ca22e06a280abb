/**
 * Variations of a nested study (`kind: study`): one seed for every random choice in it, and `set` entries
 * that replace single settings of chosen stages. The full preset runs the quick study at three seeds with
 * k = 1024 this way, and the discoverability sweep varies one world setting.
 */
import { RlvdError } from "../core/errors.js";
import type { StageKind } from "./runner.js";
import { setPath } from "./setting-paths.js";

export type SettingOverride = { stage: string; field: string; value: unknown };

type RawStage = Record<string, unknown> & { id: string; kind: string };
type RawSpec = Record<string, unknown> & { stages: RawStage[] };

/**
 * A copy of the raw spec with the seed and the overrides applied; `where` names the study stage in errors.
 * `seed: N` sets every seed field the stages' kinds declare (`seeds` in experiment/stages/*): the fact table and
 * question draw, corpora, model initialisation, data order, rollouts, sampling and bootstrap.
 */
export function applyOverrides(spec: unknown, options: { seed?: number; set?: readonly SettingOverride[] }, where: string, kinds: readonly StageKind[]): RawSpec {
  const copy = structuredClone(spec) as RawSpec;
  if (options.seed !== undefined) {
    const seeds = new Map(kinds.map((k) => [k.kind, k.seeds ?? []]));
    for (const stage of copy.stages) for (const field of seeds.get(stage.kind) ?? []) setPath(stage, field, options.seed);
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
