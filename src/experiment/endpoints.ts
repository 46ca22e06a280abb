/**
 * Model references of real-model stages and their endpoints. A spec names a served model as `openai:NAME`
 * (its servers bound at run time: `--endpoint NAME=URL[,URL...]` or `--set STAGE.model=openai:NAME@URL`) or
 * with its servers written in (`openai:NAME@URL[,URL...]`), or a checkpoint as `embedded:DIR`. The URLs say
 * where a model runs, not what it is: they stay out of every cache hash.
 */
import { RlvdError } from "../core/errors.js";
import type { ModelSpec } from "../backends/spec.js";

export type ModelRef = { kind: "openai"; name: string; urls: string[] } | { kind: "embedded"; checkpoint: string };

const OPENAI = /^openai:([^@]+?)(?:@(.*))?$/;

/** Parses `openai:NAME[@URL,...]` or `embedded:DIR`; `where` names the stage in errors. */
export function parseModelRef(model: string, where: string): ModelRef {
  if (model.startsWith("embedded:")) {
    const checkpoint = model.slice("embedded:".length);
    if (!checkpoint) throw new RlvdError("BAD_INPUT", `${where}: model "${model}": embedded:DIR needs a checkpoint folder`);
    return { kind: "embedded", checkpoint };
  }
  const m = OPENAI.exec(model);
  if (!m) throw new RlvdError("BAD_INPUT", `${where}: model "${model}": expected openai:NAME, openai:NAME@URL[,URL...] or embedded:DIR`);
  const urls = (m[2] ?? "").split(",").map((u) => u.trim()).filter(Boolean);
  const bad = urls.find((u) => !/^https?:\/\/[^/\s]+/.test(u));
  if (bad !== undefined) throw new RlvdError("BAD_INPUT", `${where}: model "${model}": "${bad}" is not an http(s) URL`);
  return { kind: "openai", name: m[1]!, urls };
}

/** The reference without its servers: what the cache hash and the store's spec column see. */
export function withoutEndpoints(ref: ModelRef): string {
  return ref.kind === "openai" ? `openai:${ref.name}` : `embedded:${ref.checkpoint}`;
}

/** The backends layer's spec for a reference whose servers are bound. */
export function backendSpec(ref: ModelRef, where: string): ModelSpec {
  if (ref.kind === "embedded") return { kind: "embedded", checkpoint: ref.checkpoint };
  if (ref.urls.length === 0) throw new RlvdError("BAD_INPUT", `${where}: model openai:${ref.name} has no endpoint (run with --endpoint ${ref.name}=http://HOST:8000/v1, or --set ${where.replace(/^stage /, "")}.model=openai:${ref.name}@URL)`);
  return { kind: "openai", model: ref.name, urls: ref.urls };
}

/**
 * A raw spec with every sample stage's servers left out (nested studies and `set` values included): a study
 * stage's cache key, so binding its models to other servers does not rerun it.
 */
export function specWithoutEndpoints(spec: unknown): unknown {
  if (typeof spec !== "object" || spec === null || !Array.isArray((spec as { stages?: unknown }).stages)) return spec;
  const strip = (model: unknown) => (typeof model === "string" && model.startsWith("openai:") ? model.replace(/@.*$/, "") : model);
  const stages = ((spec as { stages: Array<Record<string, unknown>> }).stages).map((st) => {
    const copy: Record<string, unknown> = { ...st };
    if (st.kind === "sample") copy.model = strip(st.model);
    if (st.kind === "study") {
      copy.spec = specWithoutEndpoints(st.spec);
      if (Array.isArray(st.set)) copy.set = st.set.map((o: Record<string, unknown>) => (o.field === "model" ? { ...o, value: strip(o.value) } : o));
    }
    return copy;
  });
  return { ...(spec as object), stages };
}
