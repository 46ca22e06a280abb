import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it, afterEach } from "vitest";
import { OpenAIBackend } from "../backends/openai.js";
import { TEMPLATES } from "../backends/templates.js";
import { STUDY_SAMPLING } from "../backends/types.js";
import { withStore } from "../store/store.js";
import { toLegacyStore } from "../test-helpers/legacy-store.js";
import { startFakeOpenAI } from "../test-helpers/fake-openai.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { requestSeed, sampleRun } from "./sample-run.js";

const tmp = useTmpDirs();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

const questions = Array.from({ length: 6 }, (_, i) => ({ id: `q${i}`, prompt: `What is ${i}+0?`, answer: String(i) }));

async function keyStats(run: string, model: string) {
  return withStore(run, {}, (s) =>
    s.all<{ question_id: string; n: number; distinct_idx: number; max_idx: number }>(
      `SELECT question_id, count(*)::INTEGER AS n, count(DISTINCT sample_index)::INTEGER AS distinct_idx, max(sample_index)::INTEGER AS max_idx
         FROM samples WHERE model = ? GROUP BY question_id ORDER BY question_id`,
      [model],
    ),
  );
}
const exactlyK = (k: number) => questions.map((q) => ({ question_id: q.id, n: k, distinct_idx: k, max_idx: k - 1 }));

describe("sampleRun", () => {
  it("writes k samples per question with request seeds, and a rerun requests nothing", async () => {
    const s = await startFakeOpenAI();
    servers.push(s);
    const run = join(tmp(), "run");
    const backend = new OpenAIBackend({ model: "m", urls: [s.url] });
    const opts = { runDir: run, backend, model: "m", spec: `openai:m@${s.url}`, questions, k: 10, template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest: 4, concurrency: 3, seed: 7 };
    const first = await sampleRun(opts);
    expect(first).toMatchObject({ requested: 60, written: 60, already: 0 });
    expect(s.requests).toHaveLength(18); // 6 questions x (4 + 4 + 2)
    expect(await keyStats(run, "m")).toEqual(exactlyK(10));
    const again = await sampleRun(opts);
    expect(again).toMatchObject({ requested: 0, written: 0, already: 60 });
    expect(s.requests).toHaveLength(18);
    const row = await withStore(run, {}, (st) => st.all<{ text: string; seed: number }>("SELECT text, seed::INTEGER AS seed FROM samples WHERE question_id = 'q2' AND sample_index = 5"));
    const seed = requestSeed(7, "q2", 4); // index 5 is choice 1 of the request that starts at index 4
    expect(row[0]).toEqual({ text: `seed ${seed} choice 1: \\boxed{${(seed + 1) % 7}}`, seed });
    expect(s.requests[0]).toMatchObject({ messages: [{ role: "user", content: expect.stringContaining("\\boxed{}") }] });
  });

  it("with replaceOtherSpec, starts over when the model's spec changed and resumes when it did not", async () => {
    const s = await startFakeOpenAI();
    servers.push(s);
    const run = join(tmp(), "run");
    const backend = new OpenAIBackend({ model: "m", urls: [s.url] });
    const opts = { runDir: run, backend, model: "m", questions, k: 4, template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest: 4, concurrency: 3, replaceOtherSpec: true };
    expect(await sampleRun({ ...opts, spec: "embedded:ckpt#stage-a", seed: 1 })).toMatchObject({ written: 24, already: 0 });
    expect(await sampleRun({ ...opts, spec: "embedded:ckpt#stage-a", seed: 1 })).toMatchObject({ written: 0, already: 24 });
    // another stage hash: the stored samples came from another checkpoint; they are replaced, not reused
    expect(await sampleRun({ ...opts, spec: "embedded:ckpt#stage-b", seed: 2 })).toMatchObject({ written: 24, already: 0 });
    expect(await keyStats(run, "m")).toEqual(exactlyK(4));
    const seeds = await withStore(run, {}, (st) => st.all<{ seed: number }>("SELECT DISTINCT seed::INTEGER AS seed FROM samples WHERE model = 'm'"));
    expect(seeds.map((r) => r.seed).sort()).toEqual(questions.map((q) => requestSeed(2, q.id, 0)).sort());
    const spec = await withStore(run, {}, (st) => st.all<{ spec: string }>("SELECT spec FROM models WHERE name = 'm'"));
    expect(spec).toEqual([{ spec: "embedded:ckpt#stage-b" }]);
    // fresh: everything again, even under the same spec
    expect(await sampleRun({ ...opts, spec: "embedded:ckpt#stage-b", seed: 3, fresh: true })).toMatchObject({ written: 24, already: 0 });
    expect(await keyStats(run, "m")).toEqual(exactlyK(4));
    // without the option the first spec stays and the samples are kept (a resume may list other endpoints)
    expect(await sampleRun({ ...opts, replaceOtherSpec: false, spec: "openai:m@elsewhere", seed: 3 })).toMatchObject({ written: 0, already: 24 });
  });

  it("keeps what arrived when the server dies, and a resume completes exactly k per question", async () => {
    const dying = await startFakeOpenAI((i) => (i < 5 ? "ok" : "500"));
    servers.push(dying);
    const run = join(tmp(), "run");
    const base = { runDir: run, model: "m", questions, k: 8, template: TEMPLATES.question!, params: STUDY_SAMPLING, nPerRequest: 4, concurrency: 1 };
    const backend = new OpenAIBackend({ model: "m", urls: [dying.url], retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    await expect(sampleRun({ ...base, backend, spec: "openai:m@dying" })).rejects.toThrow(/HTTP 500.*20 new samples were kept; run the same command again to resume/);
    const partial = await keyStats(run, "m");
    expect(partial.reduce((s, r) => s + r.n, 0)).toBe(20);
    const healthy = await startFakeOpenAI();
    servers.push(healthy);
    const resumed = await sampleRun({ ...base, backend: new OpenAIBackend({ model: "m", urls: [healthy.url] }), spec: "openai:m@healthy" });
    expect(resumed).toMatchObject({ written: 28, already: 20 });
    expect(await keyStats(run, "m")).toEqual(exactlyK(8));
  });

  it("resumes after the sampling process is killed with -9, without loss or duplicates", async () => {
    // a slow server, so the child is killed mid-run with requests in flight
    const dir = tmp();
    const run = join(dir, "run");
    const dataset = writeJsonl(dir, "qs.jsonl", questions.map((q) => ({ id: q.id, problem: q.prompt, answer: q.answer })));
    const slow = await startFakeOpenAI();
    servers.push(slow);
    const delayed = slow.server.listeners("request")[0] as (...a: unknown[]) => void;
    slow.server.removeAllListeners("request");
    slow.server.on("request", (req, res) => setTimeout(() => delayed(req, res), 30));
    const args = ["sample", "--model", `openai:m@${slow.url}`, "--dataset", dataset, "-k", "32", "--run", run, "--n-per-request", "2", "--concurrency", "2", "--template", "question", "--flush-ms", "50"];
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../test-helpers/cli-entry.ts"), ...args], { stdio: "ignore" });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (slow.requests.length >= 40) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 10);
    });
    await new Promise((resolve) => child.on("exit", resolve));
    const partial = await keyStats(run, "m");
    const kept = partial.reduce((acc, r) => acc + r.n, 0);
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(6 * 32);
    for (const r of partial) expect(r.distinct_idx).toBe(r.n);
    const resumed = await sampleRun({
      runDir: run, backend: new OpenAIBackend({ model: "m", urls: [slow.url] }), model: "m", spec: "x", questions,
      k: 32, template: TEMPLATES.question!, params: STUDY_SAMPLING, nPerRequest: 2, concurrency: 4,
    });
    expect(resumed.already).toBe(kept);
    expect(resumed.written).toBe(6 * 32 - kept);
    expect(await keyStats(run, "m")).toEqual(exactlyK(32));
  }, 60_000);

  it("records the exact sampling fields per model, refuses to mix others under the same name, and reads stores from before the record", async () => {
    const s = await startFakeOpenAI();
    servers.push(s);
    const run = join(tmp(), "run");
    const backend = new OpenAIBackend({ model: "m", urls: [s.url] });
    const opts = { runDir: run, backend, model: "m", spec: "x", questions, k: 2, template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest: 2 };
    await sampleRun(opts);
    const meta = async () => JSON.parse((await withStore(run, {}, (st) => st.all<{ meta: string }>("SELECT meta FROM models WHERE name = 'm'")))[0]!.meta);
    expect((await meta()).sampling).toEqual(backend.samplingRecord(STUDY_SAMPLING));
    await expect(sampleRun({ ...opts, k: 4, params: { ...STUDY_SAMPLING, temperature: 0.6, extra: { min_tokens: 3 } } })).rejects.toThrow(
      /model m: its stored samples were drawn with other settings \(min_tokens unset -> 3, temperature 0.9 -> 0.6\)/,
    );
    await expect(sampleRun({ ...opts, k: 4, template: TEMPLATES.question! })).rejects.toThrow(/template boxed -> question/);
    // a store written before these records: one rlvd.duckdb file, no meta, no sample_failures table
    await toLegacyStore(run);
    await withStore(run, {}, async (st) => {
      await st.run("DETACH legacy");
      await st.run(`ATTACH '${join(run, "rlvd.duckdb")}' AS old`);
      await st.run("UPDATE old.models SET meta = NULL");
      await st.run("DROP TABLE old.sample_failures");
    });
    expect(await sampleRun({ ...opts, k: 3 })).toMatchObject({ written: 6, already: 12, failed: [] });
    expect((await meta()).template).toBe("boxed");
  });

  it("stops, rather than failing every question, when the server refuses every request alike", async () => {
    const s = await startFakeOpenAI(() => "400");
    servers.push(s);
    const run = join(tmp(), "run");
    const backend = new OpenAIBackend({ model: "m", urls: [s.url] });
    await expect(sampleRun({ runDir: run, backend, model: "m", spec: "x", questions, k: 2, template: TEMPLATES.boxed!, params: STUDY_SAMPLING, concurrency: 1 }))
      .rejects.toThrow(/HTTP 400.*0 new samples were kept/);
    expect(s.requests).toHaveLength(3);
  });

  it("names a silent endpoint in the progress line while it waits", async () => {
    const hung = await startFakeOpenAI(() => "hang");
    const up = await startFakeOpenAI(undefined, { latencyMs: () => 150 });
    servers.push(hung, up);
    const run = join(tmp(), "run");
    let printed = "";
    const backend = new OpenAIBackend({ model: "m", urls: [hung.url, up.url], silentAfterMs: 1_500, retry: { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 } });
    const r = await sampleRun({
      runDir: run, backend, model: "m", spec: "x", questions, k: 8, template: TEMPLATES.boxed!, params: STUDY_SAMPLING, nPerRequest: 1,
      progress: { write: (t) => void (printed += t), isTTY: true },
    });
    await backend.close();
    expect(r.written).toBe(48);
    // the line is redrawn every second while nothing arrives, so the silence shows between 1.5 s and the probe's verdict
    expect(printed).toContain(`(${hung.url} no answer for`);
  }, 30_000);
});
