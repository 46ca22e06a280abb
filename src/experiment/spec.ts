import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { TEMPLATES } from "../backends/templates.js";
import { applyOverrides, type SettingOverride } from "./overrides.js";
import { referencedIds, type StageKind, type StageSpec } from "./runner.js";
import { getPath, renameKey } from "./setting-paths.js";

/** Kinds whose `spec` setting is a nested study: a file name there is inlined when the spec loads. */
const NESTING_KINDS = new Set(["study", "survey"]);

/** How deep `kind: study` stages may nest specs in specs (guards against a spec that includes itself). */
const MAX_NESTING = 4;

const StageEntry = z
  .object({ id: z.string().regex(/^[A-Za-z0-9_.<>-]+$/, "ids use letters, digits and _ . < > -"), kind: z.string().min(1), needs: z.array(z.string()).default([]) })
  .catchall(z.unknown());

export const ExperimentSpecSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    stages: z.array(StageEntry).min(1),
  })
  .strict();

export type ExperimentSpec = { name: string; description?: string; stages: StageSpec[] };

/** Where a spec's one-line warnings go (old key spellings); the default is stderr. */
export type SpecWarn = (line: string) => void;
const toStderr: SpecWarn = (line) => void process.stderr.write(`rlvd: warning: ${line}\n`);

/**
 * Reads an experiment spec (YAML or JSON) for the given stage kinds (experiment/stages: STAGE_KINDS); errors
 * name the file and the path of the bad field.
 */
export function loadSpec(file: string, kinds: readonly StageKind[], warn: SpecWarn = toStderr): ExperimentSpec {
  return parseSpec(readSpecFile(file), file, kinds, 0, warn);
}

function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new RlvdError("NOT_FOUND", `${file}: no such file`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RlvdError("BAD_INPUT", `${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  return raw;
}

/**
 * Validates a spec. A `kind: study` stage whose `spec` names a file (relative to `source`'s folder) gets that
 * spec inlined, so its content, not its path, is part of the stage's cache hash. The settings a kind declares as
 * references become needs (before those listed in `needs`), so a spec need not list them twice. Keys a kind
 * has renamed are read under their new names, with one warning line for the spec.
 */
export function parseSpec(raw: unknown, source: string, kinds: readonly StageKind[], depth = 0, warn: SpecWarn = toStderr): ExperimentSpec {
  const parsed = ExperimentSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RlvdError("BAD_INPUT", `${source}: ${issue.path.join(".") || "spec"}: ${issue.message}`);
  }
  const declared = new Map(kinds.map((k) => [k.kind, k]));
  // a spec read from a file may name files relative to itself (a nested study's were resolved when it was inlined)
  const dir = existsSync(source) ? dirname(resolve(source)) : null;
  const respelled = new Map<string, number>();
  const stages = parsed.data.stages.map(({ id, kind, needs, ...settings }) => {
    for (const [old, now] of Object.entries(declared.get(kind)?.renamed ?? {})) {
      if (getPath(settings, old) === undefined) continue;
      if (getPath(settings, now) !== undefined) throw new RlvdError("BAD_INPUT", `${source}: stage ${id}: ${old} and ${now} are one setting (${now} is its name now): give it once`);
      renameKey(settings, old, now);
      const key = `${old} -> ${now}`;
      respelled.set(key, (respelled.get(key) ?? 0) + 1);
    }
    if (dir !== null) resolveFileSettings(settings, dir);
    // an unknown kind has no references; the checker names it
    const refs = Object.keys(declared.get(kind)?.references ?? {}).flatMap((f) => referencedIds(settings, f));
    if (NESTING_KINDS.has(kind) && typeof settings.spec === "string") settings.spec = inlineSpec(settings.spec, source, id, kinds, depth, warn);
    if (kind === "study" && Array.isArray(settings.set) && typeof settings.spec === "object") {
      // a `set` that matches no stage is an error now, not after the stages before it have run
      applyOverrides(settings.spec, { set: settings.set as SettingOverride[] }, `${source}: stage ${id}`, kinds);
    }
    return { id, kind, needs: [...new Set([...refs, ...needs])], settings };
  });
  if (respelled.size > 0) {
    const list = [...respelled].map(([key, n]) => `${key} (${n} stage${n === 1 ? "" : "s"})`).join(", ");
    warn(`${source}: old spellings of spec keys, read under their new names: ${list}; spec keys are camelCase now`);
  }
  return { name: parsed.data.name, description: parsed.data.description, stages };
}

/** Settings that name files: resolved against the spec's folder when it loads, so a spec runs from any folder. */
function resolveFileSettings(settings: Record<string, unknown>, dir: string): void {
  for (const field of ["dataset", "published"]) {
    if (typeof settings[field] === "string") settings[field] = resolve(dir, settings[field] as string);
  }
  if (typeof settings.template === "string" && !(settings.template in TEMPLATES)) settings.template = resolve(dir, settings.template);
  if (typeof settings.model === "string" && settings.model.startsWith("embedded:")) settings.model = `embedded:${resolve(dir, settings.model.slice("embedded:".length))}`;
}

function inlineSpec(file: string, source: string, stage: string, kinds: readonly StageKind[], depth: number, warn: SpecWarn): unknown {
  if (depth >= MAX_NESTING) throw new RlvdError("BAD_INPUT", `${source}: stage ${stage}: studies nest more than ${MAX_NESTING} deep (does a spec include itself?)`);
  const path = resolve(dirname(source), file);
  // validated with the nested file's name in errors, its own studies inlined in turn; back to the raw form
  const spec = parseSpec(readSpecFile(path), path, kinds, depth + 1, warn);
  return {
    name: spec.name,
    ...(spec.description !== undefined ? { description: spec.description } : {}),
    stages: spec.stages.map(({ id, kind, needs, settings }) => ({ id, kind, ...(needs.length > 0 ? { needs } : {}), ...settings })),
  };
}
