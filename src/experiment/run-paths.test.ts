// Stage records name their files relative to the run folder, so a run resumes from another working folder and
// after its folder was moved; records of older versions (paths as given: relative to the cwd of the time, or
// absolute) still read, rebased onto the run folder. --jobs 1 (this process) and --jobs 2 (stage workers) alike.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { withStore } from "../store/store.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { runExperiment } from "./demo.js";
import { fromRecord, RECORD_PATHS, toRecord } from "./run-paths.js";
import { parseSpec } from "./spec.js";
import { StudyRun, TrainedCheckpoint } from "./stages/outputs.js";
import { STAGE_KINDS } from "./stages/index.js";

const tmp = useTmpDirs();

/** The tiniest study graph that reads a cached stage's files: a world, a model trained on it, its test samples. */
const RAW_SPEC = {
  name: "tiny",
  stages: [
    { id: "world", kind: "world", world: { seed: 1, alphabet: 4, chainLengths: [1, 2] }, test: 4, train: 4 },
    { id: "base", kind: "pretrain", world: "world", author: "base", documents: 50, model: { dim: 8, layers: 1, heads: 2, context: 64 }, train: { steps: 3, batch: 8, lr: 0.01, warmup: 1, evalFraction: 0 } },
    { id: "test-base", kind: "sample", world: "world", from: "base", model: "base", split: "test", k: 2, sampling: { maxTokens: 16 } },
  ],
};
const spec = () => parseSpec(RAW_SPEC, "tiny-spec", STAGE_KINDS);
const SAMPLES = 4 * 2;

const record = (run: string, id: string) => JSON.parse(readFileSync(join(run, "stages", `${id}.json`), "utf8")) as { output: Record<string, unknown>; paths?: string };
const countSamples = (run: string) => withStore(run, {}, async (s) => (await s.all<{ n: number }>("SELECT count(*)::INTEGER AS n FROM samples"))[0]!.n);
const modelSpec = (run: string) => withStore(run, {}, async (s) => (await s.all<{ spec: string }>("SELECT spec FROM models WHERE name = 'base'"))[0]!.spec);

// tsx by its file, not its name: a child whose cwd is outside the repository cannot resolve the bare name
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

/** The CLI from source in a child process whose working folder is `cwd`. */
function cli(cwd: string, args: string[]): Promise<{ code: number | null; err: string }> {
  const child = spawn(process.execPath, ["--import", TSX, join(import.meta.dirname, "../test-helpers/cli-entry.ts"), ...args], { cwd, stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, err })));
}

/** Rewrites a run's records as older versions wrote them: paths as the runner was given them, no `paths` field. */
function asOldRecords(run: string, givenRunDir: string): void {
  for (const f of readdirSync(join(run, "stages")).filter((n) => n.endsWith(".json"))) {
    const file = join(run, "stages", f);
    const r = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> & { output: Record<string, unknown> };
    expect(r.paths).toBe("run-folder");
    delete r.paths;
    for (const key of ["config", "test", "train", "checkpoint", "store"]) if (typeof r.output[key] === "string") r.output[key] = join(givenRunDir, r.output[key] as string);
    writeFileSync(file, JSON.stringify(r, null, 2) + "\n");
  }
}

describe("stage records name their files relative to the run folder", () => {
  it("paths the output schema declares, through optional fields and lists; others untouched; outside the run: absolute", () => {
    const run = join("runs", "q");
    const trained = { checkpoint: join(run, "stages/rl/model"), snapshots: [{ step: 2, checkpoint: join(run, "stages/rl/model/step-2") }] };
    const recorded = toRecord(TrainedCheckpoint, trained, run);
    expect(recorded).toEqual({ checkpoint: "stages/rl/model", snapshots: [{ step: 2, checkpoint: "stages/rl/model/step-2" }] });
    expect(fromRecord(TrainedCheckpoint, recorded, join("..", "moved"), RECORD_PATHS)).toEqual({ checkpoint: join("..", "moved", "stages/rl/model"), snapshots: [{ step: 2, checkpoint: join("..", "moved", "stages/rl/model/step-2") }] });
    // the label is a string too, but no path; an unset optional path stays unset; a path outside the run folder is absolute
    const study = { runDir: run, label: "stages", x: null, metrics: join(run, "..", "other", "metrics.json") };
    expect(toRecord(StudyRun, study, run)).toEqual({ runDir: ".", label: "stages", x: null, metrics: join(process.cwd(), "runs", "other", "metrics.json") });
    expect(fromRecord(StudyRun, toRecord(StudyRun, study, run), "elsewhere", RECORD_PATHS)).toEqual({ runDir: "elsewhere", label: "stages", x: null, metrics: join(process.cwd(), "runs", "other", "metrics.json") });
  });

  it("in the record; outputs handed on and returned name them under the run folder as given", async () => {
    const run = join(tmp(), "run");
    const r = await runExperiment(spec(), run, { jobs: 1 });
    expect(record(run, "world").output).toEqual({ config: "stages/world/world.json", test: "stages/world/test.jsonl", train: "stages/world/train.jsonl" });
    expect(record(run, "base").output).toEqual({ checkpoint: "stages/base/model" });
    expect(record(run, "test-base").output).toEqual({ store: ".", model: "base" });
    expect(r.stages.map((s) => s.output)).toEqual([
      { config: join(run, "stages/world/world.json"), test: join(run, "stages/world/test.jsonl"), train: join(run, "stages/world/train.jsonl") },
      { checkpoint: join(run, "stages/base/model") },
      { store: run, model: "base" },
    ]);
    const cached = await runExperiment(spec(), run, { jobs: 1 });
    expect(cached.stages.every((s) => s.cached)).toBe(true);
    expect(cached.stages.map((s) => s.output)).toEqual(r.stages.map((s) => s.output));
    // the model's spec in the store names its checkpoint within the run too, so a moved run keeps its samples
    expect(await modelSpec(run)).toMatch(/^embedded:stages\/base\/model#stage-[0-9a-f]{16}$/);
  });

  for (const jobs of [1, 2]) {
    it(`a moved run folder resumes: cached stages' files are found in it, stored samples are kept (--jobs ${jobs})`, async () => {
      const dir = tmp();
      const run = join(dir, "run"), moved = join(dir, "moved");
      await runExperiment(spec(), run, { jobs });
      renameSync(run, moved);
      // test-base reads the world's test split and base's checkpoint from their records
      const log: string[] = [];
      const forced = await runExperiment(spec(), moved, { jobs, force: ["test-base"], log: (m) => log.push(m) });
      expect(forced.stages.map((s) => s.cached)).toEqual([true, true, false]);
      expect(log).toContain(`test-base: ${SAMPLES} samples of base on 4 test questions (0 already stored)`);
      // interrupted after its samples landed, before its record: the rerun finds them all, none is replaced
      renameSync(moved, run);
      rmSync(join(run, "stages", "test-base.json"));
      const resumed: string[] = [];
      await runExperiment(spec(), run, { jobs, log: (m) => resumed.push(m) });
      expect(resumed).toContain(`test-base: 0 samples of base on 4 test questions (${SAMPLES} already stored)`);
      expect(await countSamples(run)).toBe(SAMPLES);
    }, 120_000);
  }

  for (const jobs of ["1", "2"]) {
    it(`rlvd run resumes from another working folder (--jobs ${jobs})`, async () => {
      const dir = tmp();
      const file = join(dir, "tiny.json"), elsewhere = join(dir, "elsewhere");
      writeFileSync(file, JSON.stringify(RAW_SPEC));
      mkdirSync(elsewhere);
      const first = await cli(dir, ["run", "tiny.json", "--out", "runs/tiny", "--jobs", jobs]);
      expect(first.code, first.err).toBe(0);
      expect(record(join(dir, "runs/tiny"), "base").output).toEqual({ checkpoint: "stages/base/model" });
      const again = await cli(elsewhere, ["run", "../tiny.json", "--out", "../runs/tiny", "--force", "test-base", "--jobs", jobs]);
      expect(again.code, again.err).toBe(0);
      expect(again.err).toMatch(/world: cached/);
      expect(again.err).toMatch(/base: cached/);
      expect(again.err).toContain(`test-base: ${SAMPLES} samples of base on 4 test questions (0 already stored)`);
    }, 120_000);
  }

  it("records of older versions (paths relative to the cwd of the time) still read, from that cwd and from another", async () => {
    const dir = tmp();
    const file = join(dir, "tiny.json"), elsewhere = join(dir, "elsewhere");
    writeFileSync(file, JSON.stringify(RAW_SPEC));
    mkdirSync(elsewhere);
    await runExperiment(spec(), join(dir, "runs/tiny"), { jobs: 1 });
    asOldRecords(join(dir, "runs/tiny"), "runs/tiny");
    expect(record(join(dir, "runs/tiny"), "base").output).toEqual({ checkpoint: "runs/tiny/stages/base/model" });
    // from the cwd they were written in, as before
    const same = await cli(dir, ["run", "tiny.json", "--out", "runs/tiny", "--force", "test-base", "--jobs", "1"]);
    expect(same.code, same.err).toBe(0);
    expect(same.err).toMatch(/base: cached/);
    // from another: rebased onto the run folder, still cached (same hashes)
    const other = await cli(elsewhere, ["run", "../tiny.json", "--out", "../runs/tiny", "--force", "test-base", "--jobs", "2"]);
    expect(other.code, other.err).toBe(0);
    expect(other.err).toMatch(/world: cached/);
    expect(other.err).toMatch(/base: cached/);
    expect(other.err).toContain(`test-base: ${SAMPLES} samples of base on 4 test questions (0 already stored)`);
  }, 120_000);

  it("records of older versions with absolute paths read after the run folder moved", async () => {
    const dir = tmp();
    const run = join(dir, "run"), moved = join(dir, "elsewhere", "moved");
    await runExperiment(spec(), run, { jobs: 1 });
    asOldRecords(run, run);
    expect(record(run, "world").output.test).toBe(join(run, "stages/world/test.jsonl"));
    mkdirSync(join(dir, "elsewhere"));
    renameSync(run, moved);
    const log: string[] = [];
    const r = await runExperiment(spec(), moved, { jobs: 1, force: ["test-base"], log: (m) => log.push(m) });
    expect(r.stages.map((s) => s.cached)).toEqual([true, true, false]);
    expect(r.stages[1]!.output).toEqual({ checkpoint: join(moved, "stages/base/model") });
    expect(relative(moved, String(r.stages[0]!.output.test))).toBe(join("stages", "world", "test.jsonl"));
    expect(log).toContain(`test-base: ${SAMPLES} samples of base on 4 test questions (0 already stored)`);
  }, 120_000);
});
