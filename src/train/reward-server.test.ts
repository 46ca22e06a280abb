import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifierPool } from "../verify/pool.js";
import { chatml, fewShot, openrlhfVariants, r1 } from "./openrlhf-fixtures.js";
import { findResponse } from "./response-span.js";
import { createRewardServer, labelAnswers } from "./reward-server.js";

let pool: VerifierPool;
const servers: Server[] = [];

async function start(options: Parameters<typeof createRewardServer>[1] = {}): Promise<string> {
  const server = createRewardServer(pool, options);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

let url: string;
beforeAll(async () => {
  pool = new VerifierPool({ workers: 2, timeoutMs: 1000 });
  url = await start();
});
afterAll(async () => {
  for (const s of servers) s.close();
  await pool.close();
});

const post = async (base: string, path: string, body: unknown, headers: Record<string, string> = {}) => {
  const r = await fetch(base + path, { method: "POST", body: JSON.stringify(body), headers });
  return { status: r.status, json: (await r.json()) as any };
};

describe("reward server, OpenRLHF payloads", () => {
  for (const { name, payload, correct } of openrlhfVariants()) {
    it(`grades only the response: ${name}`, async () => {
      const { status, json } = await post(url, "/get_reward", payload);
      expect(status, JSON.stringify(json)).toBe(200);
      expect(json.scores).toEqual(correct);
      expect(json.rewards).toEqual(correct.map((c) => (c ? 1 : -1)));
      expect(json.extra_logs.correct).toEqual(correct);
    });
  }

  it("names the item with an empty label in a 400 (OpenRLHF sends \"\" without a label key), grading nothing", async () => {
    const p = chatml("2+2?");
    const r = await post(url, "/get_reward", { query: [p + "\\boxed{4}", p + "\\boxed{4}", p + "\\boxed{4}"], prompts: [p, p, p], labels: ["4", "", "4"] });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/^labels\[1\]: empty label .*--data\.label_key/);
    for (const [label, why] of [[null, /empty label/], [[], /empty list/], [[["4"]], /answer 0 of the list/], [{ a: 1 }, /not an answer/], [true, /not an answer/]] as const) {
      const e = await post(url, "/get_reward", { query: [p + "\\boxed{4}"], prompts: [p], labels: [label] });
      expect([e.status, e.json.error]).toEqual([400, expect.stringMatching(new RegExp(`^labels\\[0\\]: .*${why.source}`))]);
    }
  });

  it("refuses (400, naming the item) a query whose prompt cannot be located, rather than grading the prompt", async () => {
    const r = await post(url, "/get_reward", { query: ["Problem: 5-3? answer \\boxed{2}", "unrelated text \\boxed{2}"], prompts: ["Problem: 5-3? answer", fewShot("What is 5 - 3 ?")], labels: ["2", "2"] });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatch(/^query\[1\]: cannot find where the response starts/);
  });

  it("gives OpenRLHF's dynamic filtering scores it can use: a half-solved group is kept, as +1/-1 rewards would not be", async () => {
    // openrlhf/trainer/ppo_utils/samples_generator.py (v0.11.0): one request per sample, e.scores[0] per sample,
    // the group kept when min_r < mean < max_r with --algo.dynamic_filtering_range 0 1 by default
    const p = chatml("2+2?");
    const group = await Promise.all(["\\boxed{4}", "\\boxed{5}", "4, so \\boxed{4}", "no idea"].map((resp) => post(url, "/get_reward", { query: [p + resp + "<|im_end|>"], prompts: [p], labels: ["4"] })));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const keep = (xs: number[]) => 0 < mean(xs) && mean(xs) < 1;
    expect(keep(group.map((g) => g.json.scores[0]))).toBe(true);
    expect(keep(group.map((g) => g.json.rewards[0]))).toBe(false);
    const solved = await Promise.all([0, 1].map(() => post(url, "/get_reward", { query: [p + "\\boxed{4}"], prompts: [p], labels: [4] })));
    expect(keep(solved.map((g) => g.json.scores[0]))).toBe(false);
  });

  it("keeps scores in [0, 1] whatever --reward-values says", async () => {
    const base = await start({ rewards: { correct: 1, wrong: 0 } });
    const p = chatml("2+2?");
    const r = await post(base, "/get_reward", { query: [p + "\\boxed{4}", p + "\\boxed{5}"], prompts: [p, p], labels: [4, 4] });
    expect(r.json).toMatchObject({ rewards: [1, 0], scores: [1, 0] });
    const custom = await start({ rewards: { correct: 2.5, wrong: -0.5 } });
    const c = await post(custom, "/get_reward", { query: [p + "\\boxed{4}", p + "\\boxed{5}"], prompts: [p, p], labels: [4, 4] });
    expect(c.json).toMatchObject({ rewards: [2.5, -0.5], scores: [1, 0] });
  });

  it("verifies single pairs and rejects malformed payloads", async () => {
    expect((await post(url, "/verify", { gold: "\\sqrt{2}", pred: "\\boxed{1.41}" })).json).toMatchObject({ correct: false, status: "ok" });
    expect((await post(url, "/get_reward", { query: ["a"], labels: [] })).status).toBe(400);
    expect((await post(url, "/get_reward", { query: [], labels: [] })).status).toBe(400);
    expect((await post(url, "/nope", {})).status).toBe(404);
    const small = await start({ maxBatch: 2 });
    const big = await post(small, "/get_reward", { query: ["a", "b", "c"], labels: ["1", "2", "3"] });
    expect([big.status, big.json.error]).toEqual([400, expect.stringMatching(/limit of 2/)]);
    const tiny = await start({ maxBodyBytes: 100 });
    const huge = await post(tiny, "/get_reward", { query: ["x".repeat(200)], labels: ["1"] });
    expect([huge.status, huge.json.error]).toEqual([413, "request body too large"]);
  });

  it("asks for the API key as vLLM does: Authorization: Bearer KEY, 401 otherwise, /health open", async () => {
    const base = await start({ apiKey: "s3cret" });
    const body = { query: ["\\boxed{4}"], labels: ["4"] };
    expect((await post(base, "/get_reward", body)).status).toBe(401);
    expect((await post(base, "/get_reward", body, { authorization: "Bearer wrong" })).status).toBe(401);
    expect((await post(base, "/get_reward", body, { authorization: "s3cret" })).status).toBe(401);
    expect((await post(base, "/verify", { gold: "1", pred: "1" })).status).toBe(401);
    const ok = await post(base, "/get_reward", body, { authorization: "Bearer s3cret" });
    expect([ok.status, ok.json.rewards]).toEqual([200, [1]]);
    expect((await fetch(base + "/health")).status).toBe(200);
  });

  it("holds 200 concurrent requests with a pathological answer among them", async () => {
    const evil = "\\boxed{" + "{".repeat(5000) + "10^{10^{10^{10}}}" + "}".repeat(5000) + "}";
    const requests = Array.from({ length: 200 }, (_, i) => post(url, "/get_reward", { query: [i === 7 ? evil : `\\boxed{${i}}`], labels: [String(i)] }).then((r) => ({ i, r })));
    const results = await Promise.all(requests);
    expect(results.every(({ r }) => r.status === 200)).toBe(true);
    expect(results.filter(({ i }) => i !== 7).every(({ r }) => r.json.rewards[0] === 1)).toBe(true);
    expect(results.find(({ i }) => i === 7)!.r.json.rewards[0]).toBe(-1);
  }, 60_000);
});

describe("finding the response", () => {
  it("says how it found it, and cuts trailing end-of-turn and pad tokens", () => {
    const p = chatml("Q?");
    expect(findResponse(p + "A<|im_end|><|endoftext|>", p)).toEqual({ response: "A", how: "prefix" });
    expect(findResponse("<|endoftext|>" + p + "A", p)).toEqual({ response: "A", how: "contained" });
    expect(findResponse(p.slice(30) + "A", p)).toEqual({ response: "A", how: "truncated" });
    expect(findResponse("just text", undefined)).toEqual({ response: "just text", how: "whole" });
    expect(findResponse(p + "A", undefined)).toEqual({ response: "A", how: "marker" });
  });

  it("after the generation's own marker, even when the response invents a further turn", () => {
    // the prompt given has a placeholder the processor replaced, so only the template's markers locate the response
    const prompt = r1("Look: <image> Q?"), query = r1("Look: <|image|> Q?") + "x</think> \\boxed{1}<｜User｜>more?<｜Assistant｜>\\boxed{2}";
    const span = findResponse(query, prompt);
    expect(span).toEqual({ response: "x</think> \\boxed{1}<｜User｜>more?<｜Assistant｜>\\boxed{2}", how: "marker" });
    // a multi-turn prompt: the response follows the prompt's last (third) assistant marker
    const turns = chatml("a") + "one<|im_end|>\n<|im_start|>user\nb<|im_end|>\n<|im_start|>assistant\n";
    expect(findResponse(turns.replace("a<|im_end|>", "<|image|>a<|im_end|>") + "two", turns.replace("a<|im_end|>", "<image>a<|im_end|>"))).toEqual({ response: "two", how: "marker" });
  });

  it("after the query's last marker when the prompt given is the bare question, outside any template", () => {
    expect(findResponse(chatml("What is 2+2?") + "\\boxed{4}", "What is 2+2 ?!")).toEqual({ response: "\\boxed{4}", how: "marker" });
  });

  it("folds whitespace and Unicode compatibility forms, as decoding changes them", () => {
    expect(findResponse("Ｑ：what is ２ ?A: 2", "Q: what is 2 ? A:")).toEqual({ response: "2", how: "contained" });
  });
});

describe("labels", () => {
  it("coerces any JSON answer to the gold answers it accepts", () => {
    expect(labelAnswers("\\frac12")).toEqual(["\\frac12"]);
    expect(labelAnswers(0.5)).toEqual(["0.5"]);
    expect(labelAnswers(72)).toEqual(["72"]);
    expect(labelAnswers(["3", 3.5])).toEqual(["3", "3.5"]);
    expect(labelAnswers("Natalia sold 48/2 = 24 clips in May.\n#### 72")).toEqual(["72"]);
    expect(labelAnswers("#### ")).toMatch(/not an answer/);
    expect(labelAnswers("  ")).toMatch(/empty label/);
    expect(labelAnswers(Number.NaN)).toMatch(/not an answer/);
  });
});
