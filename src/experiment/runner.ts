import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { ensureRunFolder, recordInManifest } from "../core/run-folder.js";
import { VERSION } from "../core/version.js";
import { fromRecord, RECORD_PATHS, toRecord } from "./run-paths.js";
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
  /**
   * What of the settings goes into the cache hash (default: all of them). A real-model sample stage leaves out
   * the endpoints' URLs and client limits, so moving a model to other servers keeps its cached samples.
   */
  hashed?: (settings: z.infer<S>) => unknown;
  /**
   * The stage reads what every stage declared before it left in the run folder (the store, metrics.json), not only
   * what its references name: with jobs > 1 it starts only once all of them are done, as it would in the spec's
   * order (a spec's analyze often names no sample stage at all).
   */
  readsRun?: boolean;
  /** a cached output that says the work is unfinished (e.g. questions a server refused): the stage runs again */
  incomplete?: (output: z.infer<O>) => boolean;
};

/** `paths`: how the output holds its paths (experiment/run-paths.ts); absent in records of older versions */
type StageRecord = { id: string; kind: string; hash: string; output: unknown; paths?: string; seconds: number; finished_at: string; rlvd_version: string };

/** One stage ready to run, as plain JSON, so that it can be handed to another process (experiment/stage-pool.ts). */
export type StageJob = {
  runDir: string;
  stageDir: string;
  stage: StageSpec;
  hash: string;
  forced: boolean;
  /** the outputs of the stages it needs, in the order of `needs` */
  needs: NeededStage[];
};

/**
 * Somewhere else to run stages (a pool of child processes, experiment/stage-pool.ts): `run` runs one job with
 * `executeStage` and resolves with the output it returned; the runner writes the records and the manifest.
 */
export type StageHost = { run: (job: StageJob, log: (message: string) => void) => Promise<unknown> };

export type RunnerOptions = {
  runDir: string;
  kinds: readonly StageKind[];
  log?: (message: string) => void;
  /** rerun these stages (and so everything after them) even if cached */
  force?: string[];
  /**
   * How many stages may run at once (default 1: one after another, in the spec's order). With more, every stage
   * whose needs are done starts while fewer than `jobs` run, earliest in the spec first.
   */
  jobs?: number;
  /** where stages run (it must know the same kinds); without it they run in this process */
  host?: StageHost;
};

export type StageResult = { id: string; cached: boolean; seconds: number; output: StageOutput };

/**
 * Runs stages, each cached by a hash of its kind, settings and the hashes of the stages it needs: rerunning a
 * finished spec skips every stage; changing a setting reruns that stage and what depends on it. A stage's
 * record is written (atomically) only when it finishes, so after a crash the interrupted stage runs again;
 * stages that write incrementally (sampling) resume from what they stored. Stages run as soon as their needs
 * are done, up to `jobs` at once; a stage that fails stops new starts, the running ones finish (and are
 * recorded), and the first failure is thrown. Results come in the spec's order.
 */
export async function runStages(stages: readonly StageSpec[], options: RunnerOptions): Promise<StageResult[]> {
  const log = options.log ?? (() => {});
  const kinds = kindTable(options.kinds);
  const settings = checkStages(stages, options.kinds);
  const hashes = stageHashes(stages, settings, kinds);
  await ensureRunFolder(options.runDir);
  const jobs = Math.max(1, Math.floor(options.jobs ?? 1));
  const outputs = new Map<string, StageOutput>();
  const results = new Map<string, StageResult>();
  const force = new Set(options.force ?? []);
  // stages that ran rather than being found cached: whatever needs one of them runs too (their outputs changed)
  const ran = new Set<string>();
  const running = new Map<string, Promise<void>>();
  let failure: { error: unknown } | null = null;
  const pending = [...stages];

  /** The recorded output of a stage that need not run, or null. */
  const cachedOutput = (stage: StageSpec, forced: boolean): { output: StageOutput; seconds: number } | null => {
    const previous = readRecord(recordFile(options.runDir, stage.id));
    if (!previous || previous.hash !== hashes.get(stage.id) || forced) return null;
    const kind = kinds.get(stage.kind)!;
    const parsed = kind.output.safeParse(previous.output);
    if (!parsed.success || kind.incomplete?.(parsed.data)) return null;
    return { output: fromRecord(kind.output, parsed.data, options.runDir, previous.paths) as StageOutput, seconds: previous.seconds };
  };

  const launch = (stage: StageSpec, forced: boolean): void => {
    const kind = kinds.get(stage.kind)!;
    const hash = hashes.get(stage.id)!;
    const stageDir = join(options.runDir, "stages", stage.id);
    const stageLog = (m: string) => log(`${stage.id}: ${m}`);
    const work = (async () => {
      mkdirSync(stageDir, { recursive: true });
      log(`${stage.id}: running ${stage.kind}`);
      const started = Date.now();
      const needs = stage.needs.map((n) => ({ id: n, kind: stages.find((s) => s.id === n)!.kind, output: outputs.get(n)! }));
      const job: StageJob = { runDir: options.runDir, stageDir, stage, hash, forced, needs };
      const output = kind.output.parse(options.host ? await options.host.run(job, stageLog) : await executeStage(job, options.kinds, stageLog));
      const seconds = (Date.now() - started) / 1000;
      const recorded = toRecord(kind.output, output, options.runDir);
      writeRecord(recordFile(options.runDir, stage.id), { id: stage.id, kind: stage.kind, hash, output: recorded, paths: RECORD_PATHS, seconds, finished_at: new Date().toISOString(), rlvd_version: VERSION });
      await recordInManifest(options.runDir, { command: "stage", stage: stage.id, kind: stage.kind, hash, seconds });
      log(`${stage.id}: done in ${seconds.toFixed(1)} s`);
      outputs.set(stage.id, output);
      ran.add(stage.id);
      results.set(stage.id, { id: stage.id, cached: false, seconds, output });
    })()
      .catch((error: unknown) => {
        if (failure) return; // the first failure is the one reported
        failure = { error };
        const others = [...running.keys()].filter((id) => id !== stage.id);
        if (jobs > 1) log(`${stage.id}: failed; no new stage starts${others.length > 0 ? `, waiting for ${others.join(", ")} to finish` : ""}`);
      })
      .finally(() => running.delete(stage.id));
    running.set(stage.id, work);
  };

  for (;;) {
    // in the spec's order: a ready stage found cached settles at once, one that must run takes a free slot
    for (let i = 0; failure === null && i < pending.length; ) {
      const stage = pending[i]!;
      const waitsFor = kinds.get(stage.kind)!.readsRun ? stages.slice(0, stages.indexOf(stage)).map((s) => s.id) : stage.needs;
      if (!waitsFor.every((n) => results.has(n))) {
        i++;
        continue;
      }
      const forced = force.has(stage.id) || stage.needs.some((n) => ran.has(n));
      const cached = cachedOutput(stage, forced);
      if (cached) {
        log(`${stage.id}: cached (${cached.seconds.toFixed(1)} s when it ran)`);
        outputs.set(stage.id, cached.output);
        results.set(stage.id, { id: stage.id, cached: true, seconds: 0, output: cached.output });
        pending.splice(i, 1);
        i = 0; // stages before it may have been waiting for it
        continue;
      }
      if (running.size >= jobs) break;
      pending.splice(i, 1);
      launch(stage, forced);
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  if (failure) throw (failure as { error: unknown }).error;
  return stages.map((s) => results.get(s.id)!);
}

/**
 * Runs one stage's kind on a job and returns what it returned, checked against the kind's output schema: the
 * same code in this process and in a stage worker (experiment/stage-worker.ts). Settings are parsed again from
 * the spec, as checkStages parsed them.
 */
export async function executeStage(job: StageJob, kindList: readonly StageKind[], log: (message: string) => void): Promise<StageOutput> {
  const kind = kindList.find((k) => k.kind === job.stage.kind);
  if (!kind) throw new RlvdError("BAD_INPUT", `stage ${job.stage.id}: unknown kind "${job.stage.kind}"`);
  const parsed = kind.settings.parse(job.stage.settings);
  const inputs = resolveReferences(job.stage, kind, parsed, job.needs);
  const ctx: StageContext = { runDir: job.runDir, stageDir: job.stageDir, id: job.stage.id, hash: job.hash, forced: job.forced, needs: job.needs, kinds: kindList, log };
  return kind.output.parse(await kind.run(ctx, parsed, inputs));
}

function recordFile(runDir: string, id: string): string {
  return join(runDir, "stages", `${id}.json`);
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
      .update(JSON.stringify({ kind: stage.kind, settings: spelledAsBefore(kind.hashed ? kind.hashed(settings.get(stage.id)) : settings.get(stage.id), kind.renamed), needs: stage.needs.map((n) => [n, hashes.get(n)]) }))
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
        // fields the reference may do without (a world's broad split) are checked when the stage runs
        const missing = Object.entries(needed.shape).filter(([key, field]) => !(key in producer.output.shape) && !field.safeParse(undefined).success).map(([key]) => key);
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
