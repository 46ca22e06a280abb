import { InvalidArgumentError, Option, type Command } from "commander";
import { RlvdError } from "../core/errors.js";
import { EXTRACT_CONVENTIONS, EXTRACT_NAMES, parseExtractConvention, type ExtractConvention, type Grading } from "../verify/conventions.js";

/** Commander argument parsers: each turns a string into a typed value or rejects it with a message. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`expected a non-negative integer, got "${value}"`);
  return n;
}

/** A comma-separated list of non-negative integers, e.g. "1,2,4,8". */
export function intList(value: string): number[] {
  const parts = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw new InvalidArgumentError(`expected a comma-separated list of integers, got "${value}"`);
  return parts.map((p) => {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`"${p}" in "${value}" is not a non-negative integer`);
    return n;
  });
}

export function finiteNumber(value: string): number {
  const x = Number(value);
  if (value.trim() === "" || !Number.isFinite(x)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
  return x;
}

/** An integer option of at least `min`, named in the error (model shapes: --dim, --layers, ...). */
export function parseIntArg(name: string, min: number) {
  return (v: string): number => {
    if (!/^-?\d+$/.test(v.trim()) || Number(v) < min) throw new RlvdError("BAD_ARGUMENT", `--${name} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
    return Number(v);
  };
}

/** The options among `keys` that the user set, to spread over a preset's defaults. */
export function definedOptions(opts: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
}

/** --extract's parser: a convention name from verify/conventions.ts, else a one-line usage error (exit 2). */
export function extractConvention(value: string): ExtractConvention {
  try {
    return parseExtractConvention(value);
  } catch {
    throw new InvalidArgumentError(`expected one of ${EXTRACT_NAMES.join(", ")} (got "${value}")`);
  }
}

/**
 * The grading flags of every command that makes verdicts: `--extract CONVENTION` and `--strict` (default) /
 * `--no-strict` (math-verify's `strict=False`: variables matched by position, so `x + 1` = `y + 1`).
 */
export function addGradingOptions(cmd: Command): Command {
  const names = EXTRACT_NAMES.map((n) => `${n}: ${EXTRACT_CONVENTIONS[n]}`).join("; ");
  return cmd
    .addOption(new Option("--extract <convention>", `where the graded answer may sit (${names})`).argParser(extractConvention).default("any"))
    .option("--strict", "math-verify's strict=True (default): variable names must match")
    .option("--no-strict", "math-verify's strict=False: variables are matched by position (x + 1 = y + 1)");
}

/** The grading the flags of addGradingOptions ask for. */
export function gradingFrom(opts: { extract?: ExtractConvention; strict?: boolean }): Grading {
  return { extract: opts.extract ?? "any", strict: opts.strict !== false };
}

/** A number in the open interval (lo, hi), e.g. --alpha. */
export function numberIn(lo: number, hi: number) {
  return (value: string): number => {
    const x = finiteNumber(value);
    if (!(x > lo && x < hi)) throw new InvalidArgumentError(`expected a number between ${lo} and ${hi} (exclusive), got "${value}"`);
    return x;
  };
}

/** A non-negative number, e.g. --margin. */
export function nonNegativeNumber(value: string): number {
  const x = finiteNumber(value);
  if (x < 0) throw new InvalidArgumentError(`expected a number >= 0, got "${value}"`);
  return x;
}
