// Stages side by side in stage worker processes (--jobs 2) against one after another in this process
// (--jobs 1): the same outputs, hashes and store rows; a stage failing in a worker; signals and kill -9 of the
// runner, then a rerun that resumes from the records.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isRlvdError } from "../core/errors.js";
import { withStore } from "../store/store.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { runExperiment } from "./demo.js";
import { parseSpec } from "./spec.js";
import { STAGE_KINDS } from "./stages/index.js";

const tmp = useTmpDirs();

const MODEL = { dim: 16, layers: 1, heads: 2, context: 64 };
const PRETRAIN = { steps: 60, batch: 16, lr: 0.01, warmup: 5, evalFraction: 0 }; // enough to answer some training questions
const SAMPLING = { maxTokens: 40 };
/** The study's graph at toy size: two independent pretrainings, RL with snapshots, distillation, samples. */
const RAW_SPEC = {
  name: "tiny",
  stages: [
    { id: "world", kind: "world", world: { seed: 1, alphabet: 4, chainLengths: [1, 2] }, test: 6, train: 8 },
    { id: "base", kind: "pretrain", world: "world", author: "base", documents: 300, model: MODEL, train: PRETRAIN },
    { id: "teacher", kind: "pretrain", world: "world", author: "teacher", documents: 300, model: MODEL, train: PRETRAIN },
    { id: "rlvr", kind: "grpo", world: "world", from: "base", snapshotEvery: 1, train: { steps: 2, questions: 4, group: 4, maxTokens: 40, lr: 0.0003, warmup: 1 } },
    { id: "train-base", kind: "sample", world: "world", from: "base", model: "base", split: "train", k: 8, sampling: SAMPLING },
    { id: "data-base", kind: "distill", samples: "train-base", perQuestion: 2 },
    { id: "base<-base", kind: "sft", from: "base", data: "data-base", train: { steps: 3, batch: 8, lr: 0.0005, warmup: 1, evalFraction: 0 } },
    { id: "test-base", kind: "sample", world: "world", from: "base", model: "base", split: "test", k: 8, sampling: SAMPLING },
    { id: "test-teacher", kind: "sample", world: "world", from: "teacher", model: "teacher", split: "test", k: 8, sampling: SAMPLING },
    { id: "test-rlvr", kind: "sample", world: "world", from: "rlvr", model: "rlvr", split: "test", k: 8, sampling: SAMPLING },
    { id: "test-base<-base", kind: "sample", world: "world", from: "base<-base", model: "base<-base", split: "test", k: 8, sampling: SAMPLING },
    { id: "series-rlvr", kind: "series", world: "world", from: "rlvr", name: "rlvr", k: 4, sampling: SAMPLING },
  ],
};
const spec = (raw: unknown = RAW_SPEC) => parseSpec(raw, "tiny-spec", STAGE_KINDS);

/** What a run folder holds, with its own path taken out: every stage's output and hash, and every store row. */
async function contents(run: string) {
  const records = Object.fromEntries(readdirSync(join(run, "stages")).filter((f) => f.endsWith(".json")).sort().map((f) => {
    const r = JSON.parse(readFileSync(join(run, "stages", f), "utf8")) as { id: string; hash: string; output: unknown };
    return [r.id, { hash: r.hash, output: r.output }];
  }));
  // the test samples in the run's store, the training samples in its train/ store
  const rows = Object.fromEntries(await Promise.all(["", "train"].map(async (part) => [part || "test", await withStore(join(run, part), {}, async (s) => ({
    // every field but the request's latency, a clock reading
    samples: await s.all<Record<string, unknown>>("SELECT * EXCLUDE (latency_ms) FROM samples ORDER BY model, question_id, sample_index"),
    latencies: (await s.all<{ n: number }>("SELECT count(latency_ms)::INTEGER AS n FROM samples"))[0]!.n,
    models: await s.all("SELECT * FROM models ORDER BY ALL"),
    questions: await s.all("SELECT * FROM questions ORDER BY ALL"),
  }))])));
  return JSON.parse(JSON.stringify({ records, ...rows }, (_k, v) => (typeof v === "bigint" ? String(v) : v)).split(run).join("RUN"));
}

/** The CLI from source in a child process, as a user runs it. */
function cli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../test-helpers/cli-entry.ts"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: () => string }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, err: () => err })));
  return { child, exited };
}

/** The processes whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc").filter((d) => /^\d+$/.test(d)).flatMap((d) => {
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid ? [Number(d)] : [];
    } catch {
      return []; // gone meanwhile
    }
  });
}
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const until = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
  return cond();
};

let reference: unknown;

describe("--jobs 2: stages in stage worker processes", () => {
  it("give the same stage outputs, hashes and store rows as --jobs 1, and overlap", async () => {
    const one = join(tmp(), "run"), two = join(tmp(), "run");
    const logOne: string[] = [], logTwo: string[] = [];
    const a = await runExperiment(spec(), one, { jobs: 1, log: (m) => logOne.push(m) });
    const b = await runExperiment(spec(), two, { jobs: 2, log: (m) => logTwo.push(m) });
    reference = await contents(one);
    const got = await contents(two);
    const ref = reference as Record<"test" | "train", { samples: unknown[] }>;
    expect([ref.test.samples.length, ref.train.samples.length]).toEqual([6 * 8 * 4 + 2 * 6 * 4, 8 * 8]); // 4 tested models and 2 snapshots; train-base
    expect(got).toEqual(reference);
    expect(b.stages.map((s) => s.id)).toEqual(a.stages.map((s) => s.id));
    // --jobs 1 keeps the spec's order; --jobs 2 starts teacher while base still runs
    expect(logOne.indexOf("teacher: running pretrain")).toBeGreaterThan(logOne.findIndex((l) => l.startsWith("base: done in")));
    const started = logTwo.indexOf("teacher: running pretrain"), baseDone = logTwo.findIndex((l) => l.startsWith("base: done in"));
    expect(started).toBeGreaterThan(-1);
    expect(started).toBeLessThan(baseDone);
    // every line comes from one stage and says so
    expect(logTwo.every((l) => /^[a-z<-]+: /.test(l))).toBe(true);
    // the manifest has one entry per stage, whichever process ran it
    const history = readdirSync(join(two, "history")).map((f) => JSON.parse(readFileSync(join(two, "history", f), "utf8")) as { command: string; stage?: string });
    expect(history.filter((h) => h.command === "stage").map((h) => h.stage).sort()).toEqual(RAW_SPEC.stages.map((s) => s.id).sort());
    const again = await runExperiment(spec(), two, { jobs: 2 });
    expect(again.stages.every((s) => s.cached)).toBe(true);
  }, 300_000);

  it("a stage failing in a worker: no new stage starts, the running one finishes and is recorded, the error is the stage's", async () => {
    const run = join(tmp(), "run");
    // the teacher's corpus does not fit its context: it fails as soon as it starts, while base trains
    const bad = { ...RAW_SPEC, stages: RAW_SPEC.stages.map((s) => (s.id === "teacher" ? { ...s, model: { ...MODEL, context: 8 } } : s)) };
    const log: string[] = [];
    const error = await runExperiment(spec(bad), run, { jobs: 2, log: (m) => log.push(m) }).then(() => null, (e: unknown) => e);
    // whatever else ran meanwhile (a worker's start-up decides that): nothing starts after the failure, and
    // every other stage that started finished and was recorded
    const failedAt = log.findIndex((l) => l.startsWith("teacher: failed; no new stage starts"));
    expect(failedAt).toBeGreaterThan(-1);
    expect(log.slice(failedAt).filter((l) => / running [a-z]+$/.test(l))).toEqual([]);
    const started = log.filter((l) => / running [a-z]+$/.test(l)).map((l) => l.split(":")[0]!).filter((id) => id !== "teacher");
    expect(started).toContain("base");
    for (const id of started) expect(existsSync(join(run, "stages", `${id}.json`)), id).toBe(true);
    expect(isRlvdError(error)).toBe(true);
    expect((error as Error).message).toMatch(/^stage teacher: the corpus has a document of \d+ tokens, more than model\.context 8 holds/);
    expect(existsSync(join(run, "stages", "teacher.json"))).toBe(false);
  }, 300_000);

  it("SIGTERM to the runner stops its workers with one line; kill -9 of the runner ends them; a rerun resumes and completes", async () => {
    const dir = tmp();
    const run = join(dir, "run"), file = join(dir, "tiny.json");
    writeFileSync(file, JSON.stringify(RAW_SPEC));
    const args = ["run", file, "--out", run, "--jobs", "2"];
    const first = cli(args);
    expect(await until(() => existsSync(join(run, "stages", "world.json")) && childrenOf(first.child.pid!).length > 0, 120_000)).toBe(true);
    const workers = childrenOf(first.child.pid!);
    first.child.kill("SIGTERM");
    const r = await first.exited;
    expect(r.code).not.toBe(0);
    const lines = r.err().trim().split("\n");
    expect(lines.at(-1)).toMatch(/^rlvd: stage [a-z]+: interrupted by SIGTERM/);
    expect(lines.filter((l) => l.startsWith("rlvd:"))).toHaveLength(1);
    expect(await until(() => workers.every((p) => !alive(p)), 20_000)).toBe(true);

    const second = cli(args);
    expect(await until(() => existsSync(join(run, "stages", "base.json")) && childrenOf(second.child.pid!).length > 0, 120_000)).toBe(true);
    const running = childrenOf(second.child.pid!);
    second.child.kill("SIGKILL");
    await second.exited;
    // a worker whose runner is gone stops by itself (the end of its input)
    expect(await until(() => running.every((p) => !alive(p)), 30_000)).toBe(true);

    const log: string[] = [];
    const done = await runExperiment(spec(), run, { jobs: 2, log: (m) => log.push(m) });
    expect(log.some((l) => l.startsWith("world: cached"))).toBe(true);
    expect(log.some((l) => l.startsWith("base: cached"))).toBe(true);
    expect(done.stages.filter((s) => s.cached).length).toBeGreaterThanOrEqual(2);
    expect(await contents(run)).toEqual(reference);
  }, 300_000);
});
