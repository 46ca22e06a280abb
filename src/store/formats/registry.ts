import { evalchemy } from "./evalchemy.js";
import { lighteval, lightevalOld } from "./lighteval.js";
import { lmEval } from "./lm-eval.js";
import { openrlhf } from "./openrlhf.js";
import { qwen } from "./qwen.js";
import { skythought } from "./skythought.js";
import type { HarnessFormat } from "./types.js";
import { verlDump, verlGeneration } from "./verl.js";

/**
 * Every harness format, in detection order: a format whose signature is a superset of another's comes first
 * (verl-dump before openrlhf: both have input/output; verl-generation before skythought: both have responses).
 */
export const HARNESS_FORMATS: readonly HarnessFormat[] = [
  qwen, lmEval, lightevalOld, lighteval, verlDump, verlGeneration, skythought, evalchemy, openrlhf,
];

/** The generic sample schema's signature (that format is read by import-samples itself). */
export const GENERIC_SIGNATURE = ["question", "response"] as const;

export const FORMAT_NAMES = ["generic", ...HARNESS_FORMATS.map((f) => f.name)] as const;

export function formatByName(name: string): HarnessFormat | undefined {
  return HARNESS_FORMATS.find((f) => f.name === name);
}

export type Detection =
  | { format: string }
  /** nothing matched: the format with the most signature fields present, and the first field it lacks */
  | { format: null; closest: string; missing: string };

/** Which format a record belongs to, judged from its top-level fields. */
export function detectFormat(first: Record<string, unknown>): Detection {
  const present = (f: string) => first[f] !== undefined;
  for (const format of HARNESS_FORMATS) if (format.signatures.some((sig) => sig.every(present))) return { format: format.name };
  if (GENERIC_SIGNATURE.every(present)) return { format: "generic" };
  let best: { closest: string; missing: string; score: number } = { closest: "generic", missing: GENERIC_SIGNATURE.find((f) => !present(f))!, score: GENERIC_SIGNATURE.filter(present).length / GENERIC_SIGNATURE.length };
  for (const format of HARNESS_FORMATS) {
    for (const sig of format.signatures) {
      const score = sig.filter(present).length / sig.length;
      if (score > best.score) best = { closest: format.name, missing: sig.find((f) => !present(f))!, score };
    }
  }
  return { format: null, closest: best.closest, missing: best.missing };
}
