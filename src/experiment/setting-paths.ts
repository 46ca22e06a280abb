/** Dotted paths into a stage's settings (`train.seed`, `sampling.maxTokens`): read one, set one, or rename its last key. */
import { RlvdError } from "../core/errors.js";

/** Sets a dotted path, creating objects on the way (a setting left to its default gets an explicit value). */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
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

/** The value at a dotted path, or undefined where any step is missing or not an object. */
export function getPath(target: unknown, path: string): unknown {
  let at = target;
  for (const key of path.split(".")) at = at !== null && typeof at === "object" && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined;
  return at;
}

/**
 * Renames the last key of `from` to the last key of `to` (both paths share their parent), in place and in the
 * same position among its siblings: key order is part of a JSON hash. Returns whether `from` was there.
 */
export function renameKey(target: Record<string, unknown>, from: string, to: string): boolean {
  const keys = from.split(".");
  let at: unknown = target;
  for (const key of keys.slice(0, -1)) at = at !== null && typeof at === "object" && !Array.isArray(at) ? (at as Record<string, unknown>)[key] : undefined;
  const last = keys[keys.length - 1]!;
  if (at === null || typeof at !== "object" || Array.isArray(at) || !(last in at)) return false;
  const parent = at as Record<string, unknown>;
  const newKey = to.split(".").at(-1)!;
  const entries = Object.entries(parent);
  for (const [k] of entries) delete parent[k];
  for (const [k, v] of entries) {
    // an entry already under the new name gives way to the renamed one
    if (k === newKey && k !== last) continue;
    parent[k === last ? newKey : k] = v;
  }
  return true;
}

/** Whether two dotted paths differ only in their last key (a rename, not a move). */
export function sameParent(a: string, b: string): boolean {
  return a.split(".").slice(0, -1).join(".") === b.split(".").slice(0, -1).join(".");
}
