// The real-model path of `rlvd run` end to end on a CPU: two tiny embedded checkpoints behind the server
// `rlvd serve` runs (createOpenAIServer over an EmbeddedBackend opened as serve opens it), a small dataset, a
// spec with two sample stages graded under `extract: boxed`, an export, analyze and report.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EmbeddedBackend } from "../backends/embedded.js";
import { createOpenAIServer } from "../backends/serve.js";
import type { GenerateRequest } from "../backends/types.js";
import { initCheckpoint } from "../engine/index.js";
import { withStore } from "../store/store.js";
import { runCli } from "../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { verify } from "../verify/verify.js";

const tmp = useTmpDirs();
const K = 8;
const QUESTIONS = [
  { unique_id: "q1", problem: "1+1=?", answer: "2" },
  { unique_id: "q2", problem: "2+3=?", answer: "5" },
  { unique_id: "q3", problem: "4+4=?", answer: "8" },
];

type Endpoint = { url: string; requests: () => number };
const servers: Server[] = [];
const backends: EmbeddedBackend[] = [];
let base: EmbeddedBackend;
let rl: EmbeddedBackend;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), "rlvd-real-"));
  const open = async (name: string, seed: number) => {
    await initCheckpoint({ out: join(dir, name), dim: 32, layers: 1, heads: 2, vocab: 48, context: 64, seed });
    const b = await EmbeddedBackend.open(join(dir, name), { tree: false, lanes: 2 }); // as `rlvd serve` opens it
    backends.push(b);
    return b;
  };
  base = await open("base", 1);
  rl = await open("rl", 2);
});
afterAll(() => {
  for (const s of servers) s.close();
  for (const b of backends) b.model.dispose();
});

/** One `rlvd serve` endpoint; `delayMs` plays a slower GPU so a run can be killed mid-stage. */
async function serve(backend: EmbeddedBackend, name: string, delayMs = 0): Promise<Endpoint> {
  const slow = Object.assign(Object.create(backend) as EmbeddedBackend, {
    generate: async (r: GenerateRequest) => {
      if (delayMs > 0) await new Promise((res) => setTimeout(res, delayMs));
      return backend.generate(r);
    },
  });
  const server = createOpenAIServer(delayMs > 0 ? slow : backend, { modelName: name });
  servers.push(server);
  let n = 0;
  server.on("request", (req) => void (req.url?.includes("completions") && n++));
  await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, requests: () => n };
}

function writeSpec(dir: string, options: { k?: number; typo?: boolean } = {}): string {
  writeJsonl(dir, "questions.jsonl", QUESTIONS);
  const sample = (id: string) => [
    `  - id: ${id}`,
    `    kind: sample`,
    `    model: openai:${id}`,
    `    dataset: questions.jsonl`,
    `    template: question`,
    `    k: ${options.k ?? K}`,
    `    sampling: { ${options.typo && id === "rl" ? "temprature" : "temperature"}: 1, topK: 0, maxTokens: 6 }`,
    `    grade: { extract: boxed }`,
    `    nPerRequest: 2`,
    `    endpoint: { concurrency: 1 }`,
  ];
  const spec = [
    "name: real-e2e",
    "stages:",
    ...sample("base"),
    ...sample("rl"),
    "  - { id: rl-prompts, kind: export, format: openrlhf, dataset: questions.jsonl, template: boxed }",
    "  - { id: analyze, kind: analyze, base: base }",
    "  - { id: report, kind: report, base: base, formats: none }",
  ];
  const file = join(dir, "spec.yaml");
  writeFileSync(file, spec.join("\n") + "\n");
  return file;
}

type Row = { model: string; question_id: string; sample_index: number; text: string; correct: boolean; grading: string | null };
const samples = (run: string) =>
  withStore(run, {}, (s) => s.all<Row>("SELECT model, question_id, sample_index, text, correct, grading FROM samples ORDER BY model, question_id, sample_index"));

describe("rlvd run over OpenAI-compatible endpoints", () => {
  it("runs two sample stages, export, analyze and report; reruns from cache, also on other servers", async () => {
    const dir = tmp();
    const spec = writeSpec(dir);
    const run = join(dir, "run");
    const [b1, b2, r1] = [await serve(base, "base"), await serve(base, "base"), await serve(rl, "rl")];
    const first = await runCli("run", spec, "--out", run, "--endpoint", `base=${b1.url},${b2.url}`, "--endpoint", `rl=${r1.url}`);
    expect(first.err).not.toMatch(/internal error/);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/5 stages \(5 ran, 0 cached\)/);
    const rows = await samples(run);
    for (const model of ["base", "rl"]) {
      for (const q of QUESTIONS) {
        const mine = rows.filter((r) => r.model === model && r.question_id === q.unique_id);
        expect(mine.map((r) => r.sample_index)).toEqual([...Array(K).keys()]);
      }
    }
    // graded under the study's convention, each verdict the verifier's own on the stored text
    for (const r of rows) {
      expect(r.grading).toBe("boxed");
      expect(r.correct).toBe(verify(QUESTIONS.find((q) => q.unique_id === r.question_id)!.answer, r.text, { extract: "boxed" }).correct);
    }
    // the base model's two endpoints both took work
    expect(b1.requests()).toBeGreaterThan(0);
    expect(b2.requests()).toBeGreaterThan(0);
    expect(b1.requests() + b2.requests()).toBe(QUESTIONS.length * (K / 2));
    const metrics = JSON.parse(readFileSync(join(run, "metrics.json"), "utf8")) as { base: string; models: Record<string, { questions: number }> };
    expect(metrics.base).toBe("base");
    expect(Object.keys(metrics.models).sort()).toEqual(["base", "rl"]);
    expect(existsSync(join(run, "report.html"))).toBe(true);
    const exported = readFileSync(join(run, "stages", "rl-prompts", "rl-prompts.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(exported.map((e) => e.label)).toEqual(QUESTIONS.map((q) => q.answer));
    expect(exported[0].input).toEqual([{ role: "user", content: expect.stringContaining(QUESTIONS[0]!.problem) }]);

    // a rerun is all cache: no request reaches a server
    const before = b1.requests() + b2.requests() + r1.requests();
    const again = await runCli("run", spec, "--out", run, "--endpoint", `base=${b1.url},${b2.url}`, "--endpoint", `rl=${r1.url}`);
    expect(again.out).toMatch(/\(0 ran, 5 cached\)/);
    // the same models moved to other servers: the cache key holds no URL
    const [b3, r2] = [await serve(base, "base"), await serve(rl, "rl")];
    const moved = await runCli("run", spec, "--out", run, "--endpoint", `base=${b3.url}`, "--set", `rl.model=openai:rl@${r2.url}`);
    expect(moved.out).toMatch(/\(0 ran, 5 cached\)/);
    expect(b1.requests() + b2.requests() + r1.requests() + b3.requests() + r2.requests()).toBe(before);
    expect(await samples(run)).toEqual(rows);
  }, 120_000);

  it("fails at load time on a typo, naming the stage, with nothing run and no run folder", async () => {
    const dir = tmp();
    const spec = writeSpec(dir, { typo: true });
    const run = join(dir, "run");
    const [b, r] = [await serve(base, "base"), await serve(rl, "rl")];
    const res = await runCli("run", spec, "--out", run, "--endpoint", `base=${b.url}`, "--endpoint", `rl=${r.url}`);
    expect(res.code).toBe(1);
    expect(res.err).toMatch(/^rlvd: stage rl: settings\.sampling.*temprature/);
    expect(b.requests() + r.requests()).toBe(0);
    expect(existsSync(run)).toBe(false);
    // a --set typo is named too
    const set = await runCli("run", writeSpec(dir), "--out", run, "--endpoint", `base=${b.url}`, "--endpoint", `rl=${r.url}`, "--set", "rl.sampling.temprature=1");
    expect(set.err).toMatch(/stage rl: settings\.sampling.*temprature/);
    const unknown = await runCli("run", writeSpec(dir), "--check", "--set", "nope.k=3");
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--set nope\.k=3: no stage "nope" \(stages: base, rl,/);
    expect(existsSync(run)).toBe(false);
  }, 60_000);

  it("--check loads a spec without endpoints and lists them; running it without them fails before anything starts", async () => {
    const dir = tmp();
    const spec = writeSpec(dir);
    const check = await runCli("run", spec, "--check");
    expect(check.code).toBe(0);
    expect(check.out).toMatch(/stage base: model openai:base has no endpoint/);
    expect(check.out).toMatch(/stage rl: model openai:rl has no endpoint/);
    const run = await runCli("run", spec, "--out", join(dir, "run"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/cannot run yet: stage base: model openai:base has no endpoint/);
    expect(existsSync(join(dir, "run"))).toBe(false);
  });

  it("resumes after kill -9 without sampling again what was stored", async () => {
    const dir = tmp();
    const k = 40;
    const spec = writeSpec(dir, { k });
    const run = join(dir, "run");
    const [b, r] = [await serve(base, "base", 25), await serve(rl, "rl", 25)];
    // --jobs 1: the stages in this one process, one after another, so the kill lands inside the first stage
    // (killing a runner of parallel stages is parallel-stages.test.ts's)
    const args = ["run", spec, "--out", run, "--endpoint", `base=${b.url}`, "--endpoint", `rl=${r.url}`, "--jobs", "1"];
    const child = spawn(process.execPath, ["--import", "tsx", resolve(import.meta.dirname, "../test-helpers/cli-entry.ts"), ...args], { stdio: "ignore" });
    // well into the first stage (60 of its 60 requests' worth: 3 questions x 40 / 2), past its first flush
    await new Promise<void>((res) => {
      const poll = setInterval(() => {
        if (b.requests() >= 45) {
          clearInterval(poll);
          child.kill("SIGKILL");
          res();
        }
      }, 5);
    });
    await new Promise((res) => child.on("exit", res));
    const partial = await samples(run);
    expect(partial.length).toBeGreaterThan(0);
    expect(partial.length).toBeLessThan(QUESTIONS.length * k);
    // what the resume must still ask for: per model and question, the missing indices two to a request
    const expected = (model: string) =>
      QUESTIONS.reduce((sum, q) => sum + Math.ceil((k - partial.filter((p) => p.model === model && p.question_id === q.unique_id).length) / 2), 0);
    const [wantBase, wantRl] = [expected("base"), expected("rl")];
    const [b0, r0] = [b.requests(), r.requests()];
    const resumed = await runCli(...args);
    expect(resumed.code).toBe(0);
    expect(b.requests() - b0).toBe(wantBase);
    expect(r.requests() - r0).toBe(wantRl);
    const all = await samples(run);
    expect(all).toHaveLength(2 * QUESTIONS.length * k);
    const key = (x: Row) => `${x.model}/${x.question_id}/${x.sample_index}`;
    const now = new Map(all.map((x) => [key(x), x.text]));
    for (const p of partial) expect(now.get(key(p))).toBe(p.text); // stored samples kept as they were
  }, 120_000);

  it("the shipped real preset checks without endpoints or datasets", async () => {
    const res = await runCli("run", resolve(import.meta.dirname, "../../presets/real/math500.yaml"), "--check");
    expect(res.err).toBe("");
    expect(res.code).toBe(0);
    expect(res.out).toMatch(/openai:Qwen\/Qwen2\.5-Math-1\.5B has no endpoint/);
    expect(res.out).toMatch(/openai:sail\/Qwen2\.5-Math-1\.5B-Oat-Zero has no endpoint/);
  });
});
