import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { ensureRunFolder, recordInManifest } from "../core/run-folder.js";
import { VERSION } from "../core/version.js";

/** A stage as declared in a spec: its kind, the stages whose outputs it reads, and its settings. */
export type StageSpec = { id: string; kind: string; needs: string[]; settings: Record<string, unknown> };

/** What a finished stage leaves for the stages after it (JSON: paths, model names, counts). */
export type StageOutput = Record<string, unknown>;

export type StageContext = {
  runDir: string;
  /** a folder of the stage's own under the run folder (checkpoints, logs) */
  stageDir: string;
  id: string;
  /** the stage's cache hash (settings and inputs): what it writes can be tagged with it */
  hash: string;
  /** named in --force (or downstream of a forced stage): a stage with cached work of its own should redo it */
  forced: boolean;
  log: (message: string) => void;
};

/** How one kind of stage runs. `settings` validates (and defaults) the spec's settings for it. */
export type StageKind<S extends z.ZodType = z.ZodType> = {
  kind: string;
  settings: S;
  run: (ctx: StageContext, settings: z.infer<S>, inputs: Record<string, StageOutput>) => Promise<StageOutput>;
  /** checks beyond the schema, before any stage of the spec runs (a study checks the spec it nests) */
  check?: (settings: z.infer<S>, id: string) => void;
  /**
   * What of the settings goes into the cache hash (default: all of them). A real-model sample stage leaves out
   * the endpoints' URLs and client limits, so moving a model to other servers keeps its cached samples.
   */
  hashed?: (settings: z.infer<S>) => unknown;
  /** a cached output that says the work is unfinished (e.g. questions a server refused): the stage runs again */
  incomplete?: (output: StageOutput) => boolean;
};

type StageRecord = { id: string; kind: string; hash: string; output: StageOutput; seconds: number; finished_at: string; rlvd_version: string };

export type RunnerOptions = {
  runDir: string;
  kinds: ReadonlyArray<StageKind>;
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
  const kinds = new Map(options.kinds.map((k) => [k.kind, k]));
  const settings = checkStages(stages, options.kinds);
  await ensureRunFolder(options.runDir);
  const hashes = new Map<string, string>();
  const outputs = new Map<string, StageOutput>();
  const results: StageResult[] = [];
  const forced = new Set(options.force ?? []);
  for (const stage of stages) {
    const kind = kinds.get(stage.kind)!;
    const parsed = settings.get(stage.id);
    const hash = createHash("sha256")
      .update(JSON.stringify({ kind: stage.kind, settings: kind.hashed ? kind.hashed(parsed) : parsed, needs: stage.needs.map((n) => [n, hashes.get(n)]) }))
      .digest("hex")
      .slice(0, 16);
    hashes.set(stage.id, hash);
    const stageDir = join(options.runDir, "stages", stage.id);
    const recordFile = join(options.runDir, "stages", `${stage.id}.json`);
    const previous = readRecord(recordFile);
    if (previous && previous.hash === hash && !forced.has(stage.id) && !kind.incomplete?.(previous.output)) {
      log(`${stage.id}: cached (${previous.seconds.toFixed(1)} s when it ran)`);
      outputs.set(stage.id, previous.output);
      results.push({ id: stage.id, cached: true, seconds: 0, output: previous.output });
      continue;
    }
    for (const later of stages.slice(stages.indexOf(stage) + 1)) if (later.needs.includes(stage.id)) forced.add(later.id);
    mkdirSync(stageDir, { recursive: true });
    log(`${stage.id}: running ${stage.kind}`);
    const started = Date.now();
    const inputs = Object.fromEntries(stage.needs.map((n) => [n, outputs.get(n)!]));
    const output = await kind.run({ runDir: options.runDir, stageDir, id: stage.id, hash, forced: forced.has(stage.id), log: (m) => log(`${stage.id}: ${m}`) }, parsed, inputs);
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
 * Checks the whole spec before any stage runs — the graph, then every stage's settings — so a mistake in the
 * last stage fails at once, not after hours of the stages before it. Returns each stage's parsed settings.
 */
export function checkStages(stages: readonly StageSpec[], kindList: ReadonlyArray<StageKind>): Map<string, unknown> {
  const kinds = new Map(kindList.map((k) => [k.kind, k]));
  validateGraph(stages, kinds);
  const settings = new Map<string, unknown>();
  for (const stage of stages) {
    const kind = kinds.get(stage.kind)!;
    const parsed = kind.settings.safeParse(stage.settings);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new RlvdError("BAD_INPUT", `stage ${stage.id}: settings.${issue.path.join(".")}: ${issue.message}`);
    }
    kind.check?.(parsed.data, stage.id);
    settings.set(stage.id, parsed.data);
  }
  return settings;
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

/** Declares a stage kind with its settings type inferred from the schema. */
export function defineStageKind<S extends z.ZodType>(kind: StageKind<S>): StageKind {
  return kind as unknown as StageKind;
}
