import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { ensureRunFolder, recordInManifest } from "../core/run-folder.js";
import { VERSION } from "../core/version.js";
import { renameKey } from "./setting-paths.js";

/** A stage as declared in a spec: its kind, the stages whose outputs it reads, and its settings. */
export type StageSpec = { id: string; kind: string; needs: string[]; settings: Record<string, unknown> };

/** What a finished stage leaves for the stages after it, with its type erased (JSON: paths, model names, counts). */
export type StageOutput = Readonly<Record<string, unknown>>;

/** A stage this one needs, with its output as recorded (read it through a reference schema, or `parse` it). */
export type NeededStage = { id: string; kind: string; output: StageOutput };

export type StageContext = {
  runDir: string;
  /** a folder of the stage's own under the run folder (checkpoints, logs) */
  stageDir: string;
  id: string;
  /** the stage's cache hash (settings and inputs): what it writes can be tagged with it */
  hash: string;
  /** named in --force (or downstream of a forced stage): a stage with cached work of its own should redo it */
  forced: boolean;
  /** every stage it needs, in the order of `needs` (references included) */
  needs: readonly NeededStage[];
  /** the kinds this runner knows: a stage that runs a nested spec runs it with the same kinds */
  kinds: readonly StageKind[];
  log: (message: string) => void;
};

/** Dotted paths into a settings object (`train.seed`), for the seed fields a kind declares (any string once erased). */
export type SettingPath<T> = unknown extends T
  ? string
  : T extends readonly unknown[]
    ? never
    : T extends object
      ? { [K in keyof T & string]-?: K | (NonNullable<T[K]> extends readonly unknown[] ? never : NonNullable<T[K]> extends object ? `${K}.${SettingPath<NonNullable<T[K]>>}` : never) }[keyof T & string]
      : never;

/** Output schemas are objects, so a reference can check at spec time that the stage it names leaves the fields it reads. */
type OutputSchema = z.ZodObject;

/** What a reference hands to `run`: the output for one id, `{ id, output }` per id for a list, nothing for an unset optional one. */
type Resolved<V, O> = V extends string ? O : V extends readonly string[] ? Array<{ id: string; output: O }> : V extends undefined | null ? undefined : never;

/** The resolved references of a stage, typed by its settings and by the reference schemas of its kind. */
export type StageInputs<S, R> = { [K in keyof R]: Resolved<K extends keyof S ? S[K] : never, R[K] extends OutputSchema ? z.infer<R[K]> : never> };

/**
 * Everything about one kind of stage, declared in one place (one file under stages/ per kind, one line in
 * stages/index.ts): the spec checker, the seed overrides of nested studies and the cache read it from here.
 */
export type StageKind<S extends z.ZodType = z.ZodType, R extends Partial<Record<keyof z.infer<S>, OutputSchema>> = Partial<Record<keyof z.infer<S>, OutputSchema>>, O extends OutputSchema = OutputSchema> = {
  kind: string;
  /** validates (and defaults) the spec's settings for the kind */
  settings: S;
  /**
   * Settings that name earlier stages (one id, or a list of ids), each with the part of their output it reads.
   * The named stages become needs when the spec loads, the checker makes sure they leave those fields, and
   * `run` gets their outputs typed. Declare them in the order they should appear in `needs` (part of the hash).
   */
  references?: R;
  /** where the kind keeps its seeds: `seed: N` on a study sets all of them in its nested spec */
  seeds?: ReadonlyArray<SettingPath<z.input<S>>>;
  /**
   * Spec keys spelled differently before (old dotted path -> new). A spec with the old spelling still loads,
   * with a one-line warning; the cache hash spells them the old way so earlier run folders stay cached.
   */
  renamed?: Readonly<Record<string, SettingPath<z.input<S>>>>;
  /** what the stage leaves for later stages; a cached record that does not match it runs the stage again */
  output: O;
  run: (ctx: StageContext, settings: z.infer<S>, inputs: StageInputs<z.infer<S>, R>) => Promise<z.input<O>>;
  /** checks beyond the schema, before any stage of the spec runs (a study checks the spec it nests) */
  check?: (settings: z.infer<S>, id: string, kinds: readonly StageKind[]) => void;
};

type StageRecord = { id: string; kind: string; hash: string; output: unknown; seconds: number; finished_at: string; rlvd_version: string };

export type RunnerOptions = {
  runDir: string;
  kinds: readonly StageKind[];
  log?: (message: string) => void;
  /** rerun these stages (and so everything after them) even if cached */
  force?: string[];
};

export type StageResult = { id: string; cached: boolean; seconds: number; output: StageOutput };

/**
 * Runs stages in order, each cached by a hash of its kind, settings and the hashes of the stages it needs:
 * rerunning a finished spec skips every stage; changing a setting reruns that stage and what depends on it.
 * A stage's record is written (atomically) only when it finishes, so after a crash the interrupted stage runs
 * again; stages that write incrementally (sampling) resume from what they stored.
 */
export async function runStages(stages: readonly StageSpec[], options: RunnerOptions): Promise<StageResult[]> {
  const log = options.log ?? (() => {});
  const kinds = kindTable(options.kinds);
  const settings = checkStages(stages, options.kinds);
  const hashes = stageHashes(stages, settings, kinds);
  await ensureRunFolder(options.runDir);
  const outputs = new Map<string, StageOutput>();
  const results: StageResult[] = [];
  const forced = new Set(options.force ?? []);
  for (const stage of stages) {
    const kind = kinds.get(stage.kind)!;
    const parsed = settings.get(stage.id);
    const hash = hashes.get(stage.id)!;
    const stageDir = join(options.runDir, "stages", stage.id);
    const recordFile = join(options.runDir, "stages", `${stage.id}.json`);
    const previous = readRecord(recordFile);
    const cachedOutput = previous && previous.hash === hash && !forced.has(stage.id) ? kind.output.safeParse(previous.output) : null;
    if (previous && cachedOutput?.success) {
      log(`${stage.id}: cached (${previous.seconds.toFixed(1)} s when it ran)`);
      outputs.set(stage.id, cachedOutput.data);
      results.push({ id: stage.id, cached: true, seconds: 0, output: cachedOutput.data });
      continue;
    }
    for (const later of stages.slice(stages.indexOf(stage) + 1)) if (later.needs.includes(stage.id)) forced.add(later.id);
    mkdirSync(stageDir, { recursive: true });
    log(`${stage.id}: running ${stage.kind}`);
    const started = Date.now();
    const needs = stage.needs.map((n) => ({ id: n, kind: stages.find((s) => s.id === n)!.kind, output: outputs.get(n)! }));
    const inputs = resolveReferences(stage, kind, parsed, needs);
    const ctx: StageContext = { runDir: options.runDir, stageDir, id: stage.id, hash, forced: forced.has(stage.id), needs, kinds: options.kinds, log: (m) => log(`${stage.id}: ${m}`) };
    const output = kind.output.parse(await kind.run(ctx, parsed, inputs));
    const seconds = (Date.now() - started) / 1000;
    writeRecord(recordFile, { id: stage.id, kind: stage.kind, hash, output, seconds, finished_at: new Date().toISOString(), rlvd_version: VERSION });
    await recordInManifest(options.runDir, { command: "stage", stage: stage.id, kind: stage.kind, hash, seconds });
    log(`${stage.id}: done in ${seconds.toFixed(1)} s`);
    outputs.set(stage.id, output);
    results.push({ id: stage.id, cached: false, seconds, output });
  }
  return results;
}

/**
 * Each stage's cache hash: its kind, its settings as parsed (renamed keys spelled the old way) and the hashes of
 * the stages it needs, in the order of `needs`. Settings must come from `checkStages`.
 */
export function stageHashes(stages: readonly StageSpec[], settings: ReadonlyMap<string, unknown>, kinds: ReadonlyMap<string, StageKind>): Map<string, string> {
  const hashes = new Map<string, string>();
  for (const stage of stages) {
    const kind = kinds.get(stage.kind)!;
    const hash = createHash("sha256")
      .update(JSON.stringify({ kind: stage.kind, settings: spelledAsBefore(settings.get(stage.id), kind.renamed), needs: stage.needs.map((n) => [n, hashes.get(n)]) }))
      .digest("hex")
      .slice(0, 16);
    hashes.set(stage.id, hash);
  }
  return hashes;
}

/**
 * Checks the whole spec before any stage runs — the graph, then every stage's settings and what its references
 * name — so a mistake in the last stage fails at once, not after hours of the stages before it. Returns each
 * stage's parsed settings.
 */
export function checkStages(stages: readonly StageSpec[], kindList: readonly StageKind[]): Map<string, unknown> {
  const kinds = kindTable(kindList);
  validateGraph(stages, kinds);
  const settings = new Map<string, unknown>();
  const kindOf = new Map(stages.map((s) => [s.id, kinds.get(s.kind)!]));
  for (const stage of stages) {
    const kind = kinds.get(stage.kind)!;
    const parsed = kind.settings.safeParse(stage.settings);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RlvdError("BAD_INPUT", `stage ${stage.id}: settings.${issue.path.join(".")}: ${issue.message}`);
    }
    for (const [field, needed] of Object.entries(kind.references ?? {}) as [string, OutputSchema][]) {
      for (const ref of referencedIds(parsed.data, field)) {
        if (!stage.needs.includes(ref)) throw new RlvdError("BAD_INPUT", `stage ${stage.id}: ${field} names stage "${ref}", which is not in its needs`);
        const producer = kindOf.get(ref)!;
        const missing = Object.keys(needed.shape).filter((key) => !(key in producer.output.shape));
        if (missing.length > 0) throw new RlvdError("BAD_INPUT", `stage ${stage.id}: ${field} names stage "${ref}", a ${producer.kind} stage, which leaves no ${missing.join(", ")}`);
      }
    }
    kind.check?.(parsed.data, stage.id, kindList);
    settings.set(stage.id, parsed.data);
  }
  return settings;
}

/** The stage ids a reference setting names: one id, a list of ids, or none when an optional one is unset. */
export function referencedIds(settings: unknown, field: string): string[] {
  const v = (settings as Record<string, unknown> | null)?.[field];
  return typeof v === "string" ? [v] : Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

/** Each reference's outputs, read through the schema of the fields it needs. */
function resolveReferences(stage: StageSpec, kind: StageKind, settings: unknown, needs: readonly NeededStage[]): StageInputs<unknown, Record<string, OutputSchema>> {
  const read = (field: string, schema: OutputSchema, id: string) => {
    const needed = needs.find((n) => n.id === id)!;
    const r = schema.safeParse(needed.output);
    if (!r.success) throw new RlvdError("BAD_INPUT", `stage ${stage.id}: ${field}: stage "${id}" (${needed.kind}) has no ${r.error.issues[0]!.path.join(".")}`);
    return r.data;
  };
  const inputs: Record<string, unknown> = {};
  for (const [field, schema] of Object.entries(kind.references ?? {}) as [string, OutputSchema][]) {
    const v = (settings as Record<string, unknown>)[field];
    inputs[field] = typeof v === "string" ? read(field, schema, v) : Array.isArray(v) ? referencedIds(settings, field).map((id) => ({ id, output: read(field, schema, id) })) : undefined;
  }
  return inputs as StageInputs<unknown, Record<string, OutputSchema>>;
}

/** A copy of parsed settings with renamed keys put back under their old names (for the hash only). */
function spelledAsBefore(settings: unknown, renamed: Readonly<Record<string, string>> | undefined): unknown {
  if (!renamed || Object.keys(renamed).length === 0) return settings;
  const copy = structuredClone(settings) as Record<string, unknown>;
  for (const [old, now] of Object.entries(renamed)) renameKey(copy, now, old);
  return copy;
}

function kindTable(kinds: readonly StageKind[]): Map<string, StageKind> {
  return new Map(kinds.map((k) => [k.kind, k]));
}

function validateGraph(stages: readonly StageSpec[], kinds: ReadonlyMap<string, StageKind>): void {
  const seen = new Set<string>();
  for (const s of stages) {
    if (seen.has(s.id)) throw new RlvdError("BAD_INPUT", `stage ${s.id}: declared twice`);
    if (!kinds.has(s.kind)) throw new RlvdError("BAD_INPUT", `stage ${s.id}: unknown kind "${s.kind}" (known: ${[...kinds.keys()].join(", ")})`);
    for (const n of s.needs) {
      if (!seen.has(n)) throw new RlvdError("BAD_INPUT", `stage ${s.id}: needs "${n}", which is not declared before it`);
    }
    seen.add(s.id);
  }
}

function readRecord(file: string): StageRecord | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as StageRecord;
  } catch {
    return null; // a damaged record only means the stage runs again
  }
}

function writeRecord(file: string, record: StageRecord): void {
  mkdirSync(join(file, ".."), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(record, null, 2) + "\n");
  renameSync(tmp, file);
}

/**
 * Declares a stage kind: the settings, reference and output types are inferred from the schemas, so `run`
 * reads its references' outputs typed. The result is the kind with its types erased, for the registry.
 */
export function defineStageKind<S extends z.ZodType, R extends Partial<Record<keyof z.infer<S>, OutputSchema>> = Record<never, OutputSchema>, O extends OutputSchema = OutputSchema>(
  kind: StageKind<S, R, O>,
): StageKind {
  return kind as unknown as StageKind;
}
