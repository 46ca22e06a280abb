import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { readFileSync } from "node:fs";
import { analyzeRun } from "../../report/analyze-run.js";
import { adaptiveTable } from "../../report/tables.js";
import { withStore } from "../../store/store.js";
import { fakeTokens, startFakeOpenAI } from "../../test-helpers/fake-openai.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe("rlvd sample", () => {
  it("samples a dataset through an OpenAI-compatible server", async () => {
    const s = await startFakeOpenAI();
    servers.push(s);
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }, { problem: "2+2?", answer: "4" }]);
    const r = await runCli("sample", "--model", `openai:tiny@${s.url}`, "--dataset", data, "-k", "5", "--run", join(dir, "run"), "--json");
    expect(r.err).not.toMatch(/rlvd:/);
    expect(JSON.parse(r.out)).toMatchObject({ model: "tiny", questions: 2, written: 10 });
    expect(s.requests.map((q) => q.n)).toEqual([5, 5]);
  });

  it("rejects bad settings with one-line errors", async () => {
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }]);
    const run = join(dir, "run");
    const base = ["sample", "--dataset", data, "-k", "2", "--run", run];
    expect((await runCli(...base, "--model", "openai:m@http://127.0.0.1:1", "--template", "nope")).err).toMatch(/unknown template "nope": not one of question, boxed, r1/);
    expect((await runCli(...base, "--model", "openai:m@http://127.0.0.1:1", "--temperature", "-1")).err).toMatch(/--temperature must be a number in \[0, 5\]/);
    expect((await runCli(...base, "--model", "gpt"))).toMatchObject({ code: 1 });
    const missing = writeJsonl(dir, "m.jsonl", [{ problem: "1+1?" }]);
    expect((await runCli("sample", "--dataset", missing, "-k", "2", "--run", run, "--model", "openai:m@http://127.0.0.1:1")).err).toMatch(/m\.jsonl:1: no answer field/);
  });

  it("reports an unreachable server by its URL", async () => {
    const s = await startFakeOpenAI();
    await s.close();
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }]);
    const r = await runCli("sample", "--model", `openai:m@${s.url}`, "--dataset", data, "-k", "1", "--run", join(dir, "run"), "--timeout", "1", "--max-attempts", "2");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${s.url.replace(/[/.]/g, "\\$&")}: ECONNREFUSED.*0 new samples were kept`));
  }, 60_000);

  it("finishes a run against a vLLM that answers with null content, reasoning fields, usage summed over n, and a 400 for one long prompt", async () => {
    // per question, what the server does: vLLM v0.10 with --reasoning-parser deepseek_r1 (reasoning_content), a later
    // vLLM (reasoning), a <think> cut off at max_tokens (content null, finish length), a prompt over the context (400)
    const plan: Record<string, "ok" | "reasoning" | "reasoning-new" | "think-cut" | "context"> = {
      plain: "ok", r1: "reasoning", r1new: "reasoning-new", cut: "think-cut", long: "context",
    };
    const s = await startFakeOpenAI((_i, body) => {
      const content = (body.messages as Array<{ content: string }>)[0]!.content;
      return plan[Object.keys(plan).find((id) => content.startsWith(`[${id}]`))!]!;
    });
    servers.push(s);
    const dir = tmp();
    const rows = Object.keys(plan).map((id) => ({ id, problem: `[${id}] ${"what is 6*7? ".repeat(id === "long" ? 50 : 1)}`, answer: "42" }));
    const data = writeJsonl(dir, "d.jsonl", rows);
    const run = join(dir, "run");
    const args = ["sample", "--model", `openai:m@${s.url}`, "--dataset", data, "-k", "8", "--n-per-request", "4", "--run", run, "--json"];
    const r = await runCli(...args);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result).toMatchObject({ questions: 5, requested: 40, written: 32, already: 0 });
    expect(result.failed).toEqual([{ question_id: "long", missing: 8, error: expect.stringMatching(/HTTP 400: .*maximum context length is 4096 tokens/) }]);
    expect(r.err).toMatch(/1 question could not be sampled[^]*long: .*HTTP 400/);
    expect(s.requests.filter((q) => q.behavior === "context")).toHaveLength(2); // each of its two requests once, no retries

    const stored = await withStore(run, {}, (st) => st.all<{ question_id: string; sample_index: number; text: string; finish_reason: string; n_tokens: number; verify_status: string; correct: boolean }>(
      "SELECT question_id, sample_index, text, finish_reason, n_tokens, verify_status, correct FROM samples ORDER BY question_id, sample_index"));
    const byQ = (id: string) => stored.filter((x) => x.question_id === id);
    for (const id of ["plain", "r1", "r1new", "cut"]) expect(byQ(id).map((x) => x.sample_index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    // every sample has its own token count although usage sums over the 4 choices of a request
    expect(stored.map((x) => x.n_tokens)).toEqual(stored.map((x) => fakeTokens(x.sample_index % 4)));
    expect(byQ("cut").every((x) => x.finish_reason === "length" && x.text.startsWith("<think>thinking about") && x.correct === false)).toBe(true);
    expect(byQ("r1").every((x) => /^<think>thinking about \d<\/think>seed \d+ choice \d: \\boxed\{\d\}$/.test(x.text) && x.verify_status === "ok")).toBe(true);
    expect(byQ("r1new").every((x) => x.text.includes("</think>") && x.finish_reason === "stop")).toBe(true);
    const failures = await withStore(run, {}, (st) => st.all<{ question_id: string; missing: number; status: number }>("SELECT question_id, missing::INTEGER AS missing, status::INTEGER AS status FROM sample_failures"));
    expect(failures).toEqual([{ question_id: "long", missing: 8, status: 400 }]);
    const meta = await withStore(run, {}, (st) => st.all<{ meta: string }>("SELECT meta FROM models WHERE name = 'm'"));
    expect(JSON.parse(meta[0]!.meta)).toMatchObject({ template: "boxed", sampling: { temperature: 0.9, top_p: 1, top_k: 50, min_p: 0, repetition_penalty: 1, max_tokens: 1024 } });

    // analyze names the question in its warnings; the generation summary shows the truncation: 8 of 32
    const analysis = await analyzeRun(run);
    expect(analysis.warnings).toContainEqual(expect.stringMatching(/^model m: 1 question could not be sampled and is left out: long \(.*HTTP 400/));
    expect(analysis.models.m!.questions).toBe(4);
    const tokens = stored.reduce((acc, x) => acc + x.n_tokens, 0) / stored.length;
    expect(analysis.models.m!.generation).toMatchObject({ truncated: 8, with_finish: 32, truncation_rate: 0.25, mean_tokens: tokens, failed_questions: ["long"] });

    // a rerun tries the failed question again only; with --require-all its failure is the exit status
    const again = await runCli(...args, "--require-all");
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/--require-all: 1 of 5 questions failed/);
    expect(s.requests.filter((q) => q.behavior !== "context")).toHaveLength(8);
  });

  it("--adaptive samples in rounds, keeps sample_index contiguous, and prints what it saved", async () => {
    const s = await startFakeOpenAI();
    servers.push(s);
    const dir = tmp();
    // the fake answers \boxed{(seed + choice) % 7}: right about one time in seven, the same for every question
    const data = writeJsonl(dir, "d.jsonl", Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, problem: `[q${i}] which digit?`, answer: String(i % 7) })));
    const run = join(dir, "run");
    const args = ["sample", "--model", `openai:m@${s.url}`, "--dataset", data, "-k", "16", "--n-per-request", "4", "--run", run, "--adaptive", "--adaptive-schedule", "4,8,16"];
    const r = await runCli(...args);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/adaptive: \d+ of 192 samples \(\d+\.\d%\) in 3 rounds; saved \d+ samples, ~[\d,]+ generated tokens; accuracy 0\.\d{4}, pass@16 /);
    const rows = await withStore(run, {}, (st) => st.all<{ n: number; max_idx: number }>(
      "SELECT count(*)::INTEGER AS n, max(sample_index)::INTEGER AS max_idx FROM samples GROUP BY question_id"));
    expect(rows).toHaveLength(12);
    for (const row of rows) {
      expect([4, 8, 16]).toContain(row.n);
      expect(row.max_idx).toBe(row.n - 1);
    }
    const spent = rows.reduce((a, row) => a + row.n, 0);
    expect(r.out).toContain(`adaptive: ${spent} of 192 samples`);
    // a rerun replays the decisions from the store and requests nothing
    const before = s.requests.length;
    expect((await runCli(...args)).out).toMatch(/m: 0 new samples/);
    expect(s.requests.length).toBe(before);

    // analyze carries the record; the report's table splits the spend by bin and adds up to what was stored
    const analysis = await analyzeRun(run);
    const adaptive = analysis.models.m!.generation!.adaptive!;
    expect(adaptive.estimates.samples).toBe(spent);
    const table = adaptiveTable(analysis, ["m"])!;
    const binRows = table.rows.filter((row) => row[1] !== "all");
    expect(binRows.reduce((a, row) => a + Number(row[3]), 0)).toBe(spent);
    expect(binRows.reduce((a, row) => a + Number(row[2]), 0)).toBe(12);
    expect(table.rows.at(-1)!.slice(0, 4)).toEqual(["m", "all", "12", String(spent)]);
    // the note says which rule ran, from the stored settings: the default, the budget rule at 2.5% misses
    expect(adaptive.settings).toMatchObject({ rule: "budget", misses: 0.025 });
    expect(table.note).toMatch(/by the budget rule: .* stayed at 2\.5%/);
    const out = join(dir, "rep", "r.html");
    expect((await runCli("report", run, "--base", "m", "--out", out)).code).toBe(0);
    expect(readFileSync(out, "utf8")).toContain("Adaptive sampling: samples spent per bin");
    expect(readFileSync(join(dir, "rep", "summary.md"), "utf8")).toContain("Adaptive sampling: samples spent per bin");
  }, 120_000);

  it("--adaptive's settings are checked with one-line usage errors", async () => {
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }]);
    const base = ["sample", "--model", "openai:m@http://127.0.0.1:1", "--dataset", data, "-k", "16", "--run", join(dir, "run")];
    expect(await runCli(...base, "--adaptive", "--grade", "none")).toMatchObject({ code: 2, err: expect.stringMatching(/--adaptive decides from the verdicts: it needs --grade math/) });
    expect(await runCli(...base, "--adaptive", "--adaptive-schedule", "4,8")).toMatchObject({ code: 2, err: expect.stringMatching(/--adaptive-schedule must end at -k 16 \(got 4,8\)/) });
    expect(await runCli(...base, "--adaptive-schedule", "4,16")).toMatchObject({ code: 2, err: expect.stringMatching(/--adaptive-schedule needs --adaptive/) });
    expect(await runCli(...base, "--adaptive", "--adaptive-schedule", "8,4,16")).toMatchObject({ code: 2, err: expect.stringMatching(/adaptive sampling: the adaptive schedule must be increasing/) });
    expect((await runCli(...base, "--adaptive", "--adaptive-keep", "0")).err).toMatch(/--adaptive-keep must be a number in \[0.001, 1\]/);
  });

  it("--series: 5 OpenAI-compatible endpoints, one checkpoint each, land as one series with their steps", async () => {
    const fakes = await Promise.all([0, 1, 2, 3, 4].map(() => startFakeOpenAI()));
    servers.push(...fakes);
    const dir = tmp();
    const run = join(dir, "run");
    const data = writeJsonl(dir, "d.jsonl", [0, 1, 2, 3, 4, 5].map((i) => ({ id: `q${i}`, problem: `${i}+1?`, answer: String(i % 7) })));
    const common = ["--dataset", data, "-k", "4", "--run", run, "--n-per-request", "4"];
    expect((await runCli("sample", "--model", `openai:base@${fakes[0]!.url}`, ...common)).code).toBe(0);
    const steps = [0, 50, 100, 150, 200];
    // given out of order: the series is by step
    const snapshots = [...steps].reverse().flatMap((step, i) => ["--snapshot", `${step}=openai:grpo-step-${step}@${fakes[4 - i]!.url}`]);
    const r = await runCli("sample", "--series", "grpo", ...snapshots, ...common);
    expect(r.err).not.toMatch(/rlvd:/);
    expect(r.out.trim().split("\n").map((l) => l.split(":")[0])).toEqual(steps.map((s) => `grpo@step-${s}`));
    // each endpoint served its own checkpoint (the request's model: a vLLM LoRA adapter name works the same way)
    fakes.forEach((f, i) => expect(new Set(f.requests.slice(i === 0 ? 6 : 0).map((q) => q.model))).toEqual(new Set([`grpo-step-${steps[i]}`])));

    const a = await analyzeRun(run, { base: "base" });
    expect(Object.keys(a.models)).toEqual(["base"]);
    expect(a.comparisons).toEqual([]);
    const series = a.series!.grpo!;
    expect(series.map((e) => [e.model, e.step, e.questions])).toEqual(steps.map((s) => [`grpo@step-${s}`, s, 6]));
    // the fake answers depend only on the request's seed, the same for every endpoint: every snapshot answers as
    // the base does, so nothing is won or lost and accuracy is the base's
    for (const e of series) expect(e).toMatchObject({ accuracy: a.models.base!.accuracy, won: 0, lost: 0, won_from_base: 0, lost_from_base: 0 });
  }, 60_000);

  it("--series refuses --model, a missing --snapshot and a bad STEP=SPEC with one-line usage errors", async () => {
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }]);
    const base = ["sample", "--dataset", data, "-k", "2", "--run", join(dir, "run")];
    expect(await runCli(...base, "--series", "g", "--model", "openai:m@http://127.0.0.1:1")).toMatchObject({ code: 2, err: expect.stringMatching(/leave out --model and --name/) });
    expect(await runCli(...base, "--series", "g")).toMatchObject({ code: 2, err: expect.stringMatching(/--snapshot STEP=SPEC/) });
    expect(await runCli(...base, "--series", "g", "--snapshot", "fifty=openai:m@http://127.0.0.1:1")).toMatchObject({ code: 2, err: expect.stringMatching(/--snapshot fifty=.*expected STEP=SPEC/) });
    expect(await runCli(...base, "--series", "g", "--snapshot", "5=openai:a@http://127.0.0.1:1", "5=openai:b@http://127.0.0.1:1")).toMatchObject({ code: 2, err: expect.stringMatching(/step 5 is given twice/) });
    expect(await runCli(...base)).toMatchObject({ code: 2, err: expect.stringMatching(/needs --model SPEC/) });
  });
});
