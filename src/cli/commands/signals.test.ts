import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../../test-helpers/fake-openai.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";
import { importSamplesFile } from "../../store/import-samples.js";
import { withStore } from "../../store/store.js";

const tmp = useTmpDirs();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** The CLI from source in a child process; resolves with its exit code, signal and stderr. */
function cli(args: string[]) {
  const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../../test-helpers/cli-entry.ts"), ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d) => (err += String(d)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; err: string }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal, err })));
  return { child, exited };
}

async function until(cond: () => boolean, done: Promise<unknown>): Promise<boolean> {
  let over = false;
  void done.then(() => (over = true));
  while (!over && !cond()) await new Promise((r) => setTimeout(r, 5));
  return !over;
}

const counts = (run: string) => withStore(run, {}, (s) => s.all<{ question_id: string; n: number; d: number }>(
  "SELECT question_id, count(*)::INTEGER AS n, count(DISTINCT sample_index)::INTEGER AS d FROM samples GROUP BY ALL ORDER BY ALL"));
const total = async (run: string) => (existsSync(join(run, "store")) ? (await counts(run)).reduce((s, r) => s + r.n, 0) : 0);
const tmpFiles = (run: string) => (existsSync(join(run, "store", "tmp")) ? readdirSync(join(run, "store", "tmp")) : []);

describe("signals and kill -9 of writers", () => {
  it("SIGTERM to rlvd sample: what arrived before is stored and said so, and the same command completes exactly k", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const questions = Array.from({ length: 6 }, (_, i) => ({ id: `q${i}`, problem: `What is ${i}+0?`, answer: String(i) }));
    const dataset = writeJsonl(dir, "qs.jsonl", questions);
    const server = await startFakeOpenAI(() => "ok", { latencyMs: () => 30 });
    servers.push(server);
    const args = ["sample", "--model", `openai:m@${server.url}`, "--dataset", dataset, "-k", "32", "--run", run, "--n-per-request", "2", "--concurrency", "2", "--template", "question", "--flush-ms", "50"];
    const first = cli(args);
    expect(await until(() => server.requests.length >= 30, first.exited)).toBe(true);
    first.child.kill("SIGTERM");
    const r = await first.exited;
    expect(r.code).not.toBe(0);
    const kept = Number(/(\d+) new samples were kept/.exec(r.err)?.[1]);
    expect(r.err).toMatch(/interrupted by SIGTERM/);
    // everything acknowledged is stored: the count it printed, no more, each key once
    expect(await total(run)).toBe(kept);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(6 * 32);
    const again = cli(args);
    expect((await again.exited).code).toBe(0);
    expect(await counts(run)).toEqual(questions.map((q) => ({ question_id: q.id, n: 32, d: 32 })));
  }, 300_000);

  for (const signal of ["SIGTERM", "SIGKILL"] as const) {
    it(`${signal} to rlvd import mid-file: all or nothing, no temporary file left after the next open, the rerun completes`, async () => {
      const dir = tmp();
      const run = join(dir, "run");
      const k = 400;
      const lines = Array.from({ length: 250 }, (_, q) => Array.from({ length: k }, (_, i) => ({ model: "m", question: `q${q}`, sample_index: i, response: `response ${i} of ${q} `.repeat(3), correct: i % 2 === 0 }))).flat();
      const file = writeJsonl(dir, "big.jsonl", lines);
      const child = cli(["import", "samples", file, "--run", run]);
      // signalled once it has begun staging the file (DuckDB's scratch folder, or the direct path's segment in tmp/)
      const midway = await until(() => tmpFiles(run).some((f) => f.includes("-scratch-") || f.endsWith(".parquet")), child.exited);
      child.child.kill(signal);
      const r = await child.exited;
      const stored = await total(run);
      if (midway && r.code === null) expect(stored === 0 || stored === lines.length).toBe(true);
      else expect(stored).toBe(lines.length); // it finished before the signal: all of it
      // the rerun opens the run as a writer: what the dead importer left in tmp/ is removed; nothing is doubled
      const again = await importSamplesFile(run, file);
      expect(again.inserted + again.unchanged).toBe(lines.length);
      expect(await counts(run)).toEqual(Array.from({ length: 250 }, (_, q) => ({ question_id: `q${q}`, n: k, d: k })).sort((a, b) => (a.question_id < b.question_id ? -1 : 1)));
      expect(tmpFiles(run)).toEqual([]);
      expect(readdirSync(run).filter((f) => f.startsWith(".staging"))).toEqual([]);
    }, 300_000);
  }
});
