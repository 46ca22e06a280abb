// The CLI's value parsers: each turns an option's text into a typed value or raises the one usage error
// (UsageError: exit 2, one line "--option must be ACCEPTED (got "TEXT")"). Commands never call Number() on a flag.
// Path parsers also carry a `prepare` step (does the file exist, create the output's folder) that the CLI runs
// once every flag has parsed and before the command starts, so a typo in a later flag is reported first and
// nothing is created for a command line that is refused.
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { UsageError } from "../core/errors.js";

/** A parser gets the text and the option's name ("--seed"), for the message. */
export type Parse<T> = ((value: string, option: string) => T) & {
  /** the file-system side, run after all flags parsed (see the top of this file) */
  prepare?(value: T, option: string): void;
};

/** A parser with a prepare step. */
function withPrepare<T>(parse: (value: string, option: string) => T, prepare: (value: T, option: string) => void): Parse<T> {
  return Object.assign(parse, { prepare });
}

export function usageError(option: string, accepted: string, value: string): UsageError {
  return new UsageError(`${option} must be ${accepted} (got ${JSON.stringify(value)})`, option);
}

/** Decimal notation only: "1e3" and "0.5" are numbers, "", "0x10", "1,000", "Infinity" and "NaN" are not. */
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function toNumber(value: string): number | undefined {
  const t = value.trim();
  if (!DECIMAL.test(t)) return undefined;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}

/** The seeds the code supports: every random stream takes `seed >>> 0` (core/mulberry32.ts, sample-run's requestSeed). */
export const MAX_SEED = 2 ** 32 - 1;
/** setTimeout's longest delay; a larger one fires at once (Node clamps it to 1 ms). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

function integerWords(min: number, max: number | undefined): string {
  if (max !== undefined) return `an integer from ${min} to ${max}`;
  if (min === 1) return "a positive integer";
  if (min === 0) return "a non-negative integer";
  return `an integer >= ${min}`;
}

/** An integer in [min, max] (max: none when left out). */
export function integer(min: number, max?: number, what?: string): Parse<number> {
  const accepted = what ?? integerWords(min, max);
  return (value, option) => {
    const x = toNumber(value);
    if (x === undefined || !Number.isInteger(x) || x < min || (max !== undefined && x > max)) throw usageError(option, accepted, value);
    return x;
  };
}

export const positiveInt = integer(1);
export const nonNegativeInt = integer(0);
/** A seed: 0 .. 2^32 - 1 (what the random streams use; a larger value would silently wrap). */
export const seed = integer(0, MAX_SEED);
/** A TCP port; 0 asks the system for any free one. */
export const port = integer(0, 65535, "a port from 1 to 65535 (0: any free port)");

type Bounds = { min?: number; max?: number; /** exclude the bounds themselves */ open?: boolean; what?: string };

function numberWords({ min, max, open, what }: Bounds): string {
  const noun = what ?? "a number";
  if (min !== undefined && max !== undefined) return open ? `${noun} between ${min} and ${max} (exclusive)` : `${noun} in [${min}, ${max}]`;
  if (min !== undefined) return `${noun} ${open ? ">" : ">="} ${min}`;
  if (max !== undefined) return `${noun} ${open ? "<" : "<="} ${max}`;
  return `${noun} (decimal, finite)`;
}

/** A finite number within the bounds. */
export function number(bounds: Bounds = {}): Parse<number> {
  const accepted = numberWords(bounds);
  const { min, max, open } = bounds;
  return (value, option) => {
    const x = toNumber(value);
    const ok = x !== undefined
      && (min === undefined || (open ? x > min : x >= min))
      && (max === undefined || (open ? x < max : x <= max));
    if (!ok) throw usageError(option, accepted, value);
    return x!;
  };
}

export const finiteNumber = number();
export const nonNegativeNumber = number({ min: 0 });
export const positiveNumber = number({ min: 0, open: true, what: "a positive number" });
/** A probability or a share: [0, 1]. */
export const probability = number({ min: 0, max: 1 });

/** A comma-separated list of `item`, e.g. "1,4,16". Each item is checked; the message names the bad one. */
export function list<T>(item: Parse<T>, what = "a comma-separated list"): Parse<T[]> {
  return (value, option) => {
    const parts = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
    if (parts.length === 0) throw usageError(option, what, value);
    return parts.map((p) => {
      try {
        return item(p, option);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        // "x" in "1,x" is not ...: the accepted words of the item, from its own message
        const accepted = /must be (.*) \(got /.exec(e.message)?.[1] ?? "valid";
        throw new UsageError(`${option}: ${JSON.stringify(p)} in ${JSON.stringify(value)} is not ${accepted}`, option);
      }
    });
  };
}

/** Comma-separated words, e.g. bin labels "129-192,193-256". */
export const words: Parse<string[]> = (value, option) => {
  const parts = value.split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  if (parts.length === 0) throw usageError(option, "a comma-separated list", value);
  return parts;
};

/** One of `choices` (for options whose help text lists them itself; else prefer commander's .choices()). */
export function oneOf<const C extends string>(choices: readonly C[]): Parse<C> {
  return (value, option) => {
    if (!(choices as readonly string[]).includes(value)) throw usageError(option, `one of ${choices.join(", ")}`, value);
    return value as C;
  };
}

const path = (what: string) => (value: string, option: string): string => {
  if (value.trim() === "") throw usageError(option, what, value);
  return value;
};

/** A file that exists (not a folder). */
export const existingFile = withPrepare(path("a file path"), (value, option) => {
  if (!existsSync(value)) throw new UsageError(`${option} ${value}: no such file`, option);
  if (statSync(value).isDirectory()) throw new UsageError(`${option} ${value}: is a folder, not a file`, option);
});

/**
 * A file to write. Its folder is created when missing (every command that writes a file does this, so
 * `--out results/x.json` works in a fresh checkout); an existing folder at the path, or a file where a parent
 * folder should be, is a usage error.
 */
export const outputFile = withPrepare(path("a file path"), (value, option) => {
  if (existsSync(value) && statSync(value).isDirectory()) throw new UsageError(`${option} ${value}: is a folder; give a file path`, option);
  makeParent(value, option);
});

/** A folder to write into (a checkpoint, a run folder): created by the command, so only a file in the way is refused. */
export const outputDir = withPrepare(path("a folder path"), (value, option) => {
  if (existsSync(value) && !statSync(value).isDirectory()) throw new UsageError(`${option} ${value}: exists and is not a folder`, option);
  makeParent(value, option);
});

function makeParent(path: string, option: string): void {
  const dir = dirname(resolve(path));
  // the nearest ancestor that exists must be a folder
  let probe = dir;
  while (!existsSync(probe)) probe = dirname(probe);
  if (!statSync(probe).isDirectory()) throw new UsageError(`${option} ${path}: ${probe} is a file, not a folder`, option);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UsageError(`${option} ${path}: cannot create the folder ${dir} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, option);
  }
}
