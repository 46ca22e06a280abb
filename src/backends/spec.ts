import { RlvdError } from "../core/errors.js";

/** A parsed model SPEC: `embedded:PATH_TO_CHECKPOINT` or `openai:MODEL@URL[,URL...]`. */
export type ModelSpec = { kind: "embedded"; checkpoint: string } | { kind: "openai"; model: string; urls: string[] };

export function parseModelSpec(spec: string): ModelSpec {
  if (spec.startsWith("embedded:")) {
    const checkpoint = spec.slice("embedded:".length);
    if (!checkpoint) throw new RlvdError("BAD_ARGUMENT", `model spec "${spec}": embedded:PATH needs a checkpoint folder`);
    return { kind: "embedded", checkpoint };
  }
  if (spec.startsWith("openai:")) {
    const m = /^openai:(.+?)@(https?:\/\/.+)$/.exec(spec);
    if (!m) throw new RlvdError("BAD_ARGUMENT", `model spec "${spec}": expected openai:MODEL@URL[,URL...]`);
    const urls = m[2]!.split(",").map((u) => u.trim()).filter(Boolean);
    return { kind: "openai", model: m[1]!, urls };
  }
  throw new RlvdError("BAD_ARGUMENT", `model spec "${spec}": expected embedded:PATH or openai:MODEL@URL[,URL...]`);
}

/** The name samples are stored under when the user gives none. */
export function defaultModelName(spec: ModelSpec): string {
  if (spec.kind === "openai") return spec.model;
  return spec.checkpoint.replace(/\/+$/, "").split("/").pop() || spec.checkpoint;
}
