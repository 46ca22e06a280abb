import { createHash } from "node:crypto";

/**
 * sha256 of a metrics.json with every non-integer number rounded to 9 significant digits. The analysis sums
 * rows in the order the store returns them, which varies from run to run, so the same store analysed twice
 * differs in the last bit or two of ~40 of its ~2800 floats (measured: relative differences up to 5e-16 on
 * the smoke preset). Rounding to 9 digits leaves that noise out and keeps every real change in; everything else
 * (strings, integers, keys, their order) is digested as written.
 */
export function metricsDigest(text: string): string {
  const canonical = JSON.stringify(JSON.parse(text), (_key, value: unknown) =>
    typeof value === "number" && !Number.isInteger(value) ? Number(value.toPrecision(9)) : value);
  return createHash("sha256").update(canonical).digest("hex");
}
