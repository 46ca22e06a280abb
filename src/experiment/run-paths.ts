/**
 * Paths in stage outputs, and how a stage record holds them. Stages hand each other paths as this process reaches
 * them (under the run folder as the runner was given it: `runs/q/stages/base/model`); a record holds them
 * relative to the run folder (`stages/base/model`), so the run resumes from another working folder or after
 * its folder was moved. Records of older versions hold them as given then (relative to that cwd, or absolute)
 * and are rebased on read where the file is found in the run folder.
 */
import { existsSync } from "node:fs";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { z } from "zod";

/** Every schema that is a path: found by identity, so wrappers (`.optional()`, `.extend`) keep it one. */
const PATH_SCHEMAS = new WeakSet<z.ZodType>();

/** A file or folder a stage leaves (in an output schema): recorded relative to the run folder. */
export const runFile = z.string();
PATH_SCHEMAS.add(runFile);

/** How a record written by this version holds its paths (older records have no `paths` field). */
export const RECORD_PATHS = "run-folder";

/**
 * A copy of `value` with `f` applied to every string the schema declares a `runFile`: objects by their shape,
 * arrays by their element, and through optional/nullable/default wrappers.
 */
function mapPaths(schema: z.ZodType, value: unknown, f: (path: string) => string): unknown {
  if (value === undefined || value === null) return value;
  if (PATH_SCHEMAS.has(schema)) return typeof value === "string" ? f(value) : value;
  if (schema instanceof z.ZodObject && typeof value === "object") {
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [key, field] of Object.entries(schema.shape as Record<string, z.ZodType>)) if (key in out) out[key] = mapPaths(field, out[key], f);
    return out;
  }
  if (schema instanceof z.ZodArray && Array.isArray(value)) return value.map((v) => mapPaths(schema.element as z.ZodType, v, f));
  const inner = (schema._zod.def as { innerType?: z.ZodType }).innerType;
  return inner ? mapPaths(inner, value, f) : value;
}

/** A path as a record holds it: relative to the run folder (`.` for the folder itself), absolute outside it. */
export function recordedPath(runDir: string, path: string): string {
  const rel = relative(resolve(runDir), resolve(path));
  return rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel) ? resolve(path) : rel === "" ? "." : rel;
}

/** An output as its record holds it (see recordedPath). */
export function toRecord(schema: z.ZodType, output: unknown, runDir: string): unknown {
  return mapPaths(schema, output, (p) => recordedPath(runDir, p));
}

/** A recorded output with its paths under the run folder as this process reaches it. */
export function fromRecord(schema: z.ZodType, output: unknown, runDir: string, paths: unknown): unknown {
  return mapPaths(schema, output, paths === RECORD_PATHS ? (p) => (isAbsolute(p) ? p : join(runDir, p)) : (p) => rebased(runDir, p));
}

/**
 * A path from a record of an older version, which held it as given then (`runs/q/stages/world/test.jsonl`,
 * relative to the cwd of the time, or absolute): the longest tail of it found in the run folder, so a run read
 * from another cwd or moved still finds its files; otherwise as it was (right from the cwd it was written in).
 * A tail of nothing (the run folder itself, a test-split sample stage's store) cannot be told apart from a
 * missing file, so such a path stays as it was.
 */
function rebased(runDir: string, path: string): string {
  const parts = path.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  for (let i = 0; i < parts.length; i++) {
    // a tail never climbs out of the run folder
    if (parts.slice(i).includes("..")) continue;
    const candidate = join(runDir, ...parts.slice(i));
    if (existsSync(candidate)) return candidate;
  }
  return path;
}
