import { InvalidArgumentError } from "commander";

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
