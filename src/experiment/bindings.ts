/**
 * Settings bound when a spec runs, without editing its file: `--set STAGE.FIELD=VALUE` (a dotted field path;
 * `STUDY/STAGE.FIELD` reaches a stage of a nested study) and `--endpoint NAME=URL[,URL...]` (the servers of
 * every sample stage whose model is `openai:NAME`, in nested studies too, or of the stage with id NAME).
 * `specGaps` lists what a spec still needs before it can run (unbound endpoints, missing datasets).
 */
import { parse as parseYaml } from "yaml";
import { RlvdError } from "../core/errors.js";
import { parseModelRef } from "./endpoints.js";
import { applyOverrides, type SettingOverride } from "./overrides.js";
import { realSampleGaps } from "./real-sample.js";
import { parseSpec, type ExperimentSpec } from "./spec.js";
import { STAGE_KINDS } from "./stages/index.js";

type RawStage = Record<string, unknown> & { id: string; kind: string };
type RawSpec = Record<string, unknown> & { stages: RawStage[] };

export type RunBindings = { set?: readonly string[]; endpoints?: readonly string[] };

/** The spec with the bindings applied, checked again as a spec (`source` names it in errors). */
export function bindSpec(spec: ExperimentSpec, bindings: RunBindings, source: string): ExperimentSpec {
  if (!bindings.set?.length && !bindings.endpoints?.length) return spec;
  let raw: RawSpec = {
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    stages: spec.stages.map(({ id, kind, needs, settings }) => ({ id, kind, needs, ...structuredClone(settings) })),
  };
  for (const entry of bindings.set ?? []) raw = applySet(raw, entry);
  for (const entry of bindings.endpoints ?? []) bindEndpoint(raw, entry);
  // not the file's name: values given on the command line are paths relative to where rlvd runs
  return parseSpec(raw, `${source} (with --set/--endpoint)`, STAGE_KINDS);
}

function splitAssignment(entry: string, flag: string, shape: string): [string, string] {
  const at = entry.indexOf("=");
  if (at <= 0) throw new RlvdError("USAGE", `${flag} ${entry}: expected ${shape}`);
  return [entry.slice(0, at), entry.slice(at + 1)];
}

function applySet(spec: RawSpec, entry: string): RawSpec {
  const [key, text] = splitAssignment(entry, "--set", "STAGE.FIELD=VALUE (e.g. base.k=64)");
  let value: unknown;
  try {
    value = parseYaml(text); // numbers, booleans, lists and objects as in the spec; anything else a string
  } catch {
    value = text;
  }
  if (value === null && text.trim() !== "null") value = text;
  const path = key.split("/");
  return setIn(spec, path, value, entry);
}

/** Applies `value` at `path` (study ids, then STAGE.FIELD) inside `spec`, nested studies' specs included. */
function setIn(spec: RawSpec, path: string[], value: unknown, entry: string): RawSpec {
  const ids = spec.stages.map((s) => s.id);
  if (path.length > 1) {
    const study = spec.stages.find((s) => s.id === path[0]);
    if (!study || study.kind !== "study" || typeof study.spec !== "object") throw new RlvdError("USAGE", `--set ${entry}: no study stage "${path[0]}" (stages: ${ids.join(", ")})`);
    study.spec = setIn(study.spec as RawSpec, path.slice(1), value, entry);
    return spec;
  }
  const key = path[0]!;
  // stage ids may hold dots: the longest id the key starts with names the stage
  const stage = ids.filter((id) => key.startsWith(`${id}.`)).sort((a, b) => b.length - a.length)[0];
  if (stage === undefined) throw new RlvdError("USAGE", `--set ${entry}: no stage "${key.split(".")[0]}" (stages: ${ids.join(", ")})`);
  return applyOverrides(spec, { set: [{ stage, field: key.slice(stage.length + 1), value }] }, `--set ${entry}`, STAGE_KINDS);
}

function bindEndpoint(spec: RawSpec, entry: string): void {
  const [name, urls] = splitAssignment(entry, "--endpoint", "NAME=URL[,URL...] (NAME: the served model or a sample stage's id)");
  const models: string[] = [];
  let bound = 0;
  const visit = (s: RawSpec) => {
    for (const stage of s.stages) {
      if (stage.kind === "study" && typeof stage.spec === "object" && stage.spec !== null) visit(stage.spec as RawSpec);
      if (stage.kind !== "sample" || typeof stage.model !== "string" || !stage.model.startsWith("openai:")) continue;
      const ref = parseModelRef(stage.model, `stage ${stage.id}`);
      if (ref.kind !== "openai") continue;
      models.push(ref.name);
      if (ref.name !== name && stage.id !== name) continue;
      const model = `openai:${ref.name}@${urls}`;
      parseModelRef(model, `--endpoint ${entry}`);
      stage.model = model;
      bound++;
    }
  };
  visit(spec);
  if (bound === 0) throw new RlvdError("USAGE", `--endpoint ${entry}: no sample stage serves "${name}" (models: ${[...new Set(models)].join(", ") || "none"})`);
}

/** What the spec still needs before it can run: unbound endpoints and missing datasets, nested studies included. */
export function specGaps(spec: ExperimentSpec): string[] {
  const gaps: string[] = [];
  const visit = (stages: ReadonlyArray<{ id: string; kind: string; settings: Record<string, unknown> }>, prefix: string) => {
    for (const st of stages) {
      if ((st.kind === "sample" || st.kind === "export") && "dataset" in st.settings) gaps.push(...realSampleGaps(st.settings, `${prefix}${st.id}`));
      const nested = st.settings.spec as RawSpec | undefined;
      if (st.kind === "study" && typeof nested === "object" && nested !== null && Array.isArray(nested.stages)) {
        // what the study itself sets counts (its `set` may name the dataset)
        const applied = applyOverrides(nested, { set: (st.settings.set as SettingOverride[] | undefined) ?? [] }, `stage ${st.id}`, STAGE_KINDS);
        visit(applied.stages.map(({ id, kind, ...settings }) => ({ id, kind, settings })), `${prefix}${st.id}/`);
      }
    }
  };
  visit(spec.stages, "");
  return gaps;
}
