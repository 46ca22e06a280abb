import { afterEach, describe, expect, it } from "vitest";
import { startFakeOpenAI } from "../test-helpers/fake-openai.js";
import { EndpointPool } from "./endpoints.js";
import { normalizeBaseUrl, OpenAIBackend } from "./openai.js";
import { backoffDelay, DEFAULT_RETRY } from "./retry.js";
import { parseModelSpec } from "./spec.js";
import { STUDY_SAMPLING } from "./types.js";

const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function fake(...args: Parameters<typeof startFakeOpenAI>) {
  const s = await startFakeOpenAI(...args);
  servers.push(s);
  return s;
}
const fastRetry = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const textPrompt = { kind: "text" as const, text: "1+1=" };

describe("backoff", () => {
  it("grows exponentially up to the cap, with full jitter", () => {
    const policy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy, () => 0.999999))).toEqual([100, 200, 400, 800, 1000, 1000].map((x) => x * 0.999999));
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(0, policy, () => 0.5)).toBe(50);
    expect(backoffDelay(0, policy, () => 0, 700)).toBe(700); // a longer Retry-After wins
    expect(backoffDelay(0, DEFAULT_RETRY, () => 0, 10 ** 9)).toBe(DEFAULT_RETRY.maxDelayMs);
  });
});

describe("endpoint pool", () => {
  it("goes round-robin, skips a failed endpoint during its cooldown, and takes it back after", () => {
    let now = 0;
    const pool = new EndpointPool(["a", "b", "c"], 100, 1000, () => now);
    expect([pool.pick(), pool.pick(), pool.pick(), pool.pick()]).toEqual([0, 1, 2, 0]);
    pool.failed(1);
    expect([pool.pick(), pool.pick(), pool.pick()]).toEqual([2, 0, 2]);
    now = 100;
    expect(pool.healthy(1)).toBe(true);
    pool.failed(1);
    pool.failed(1); // third consecutive failure: 400 ms
    now = 450;
    expect(pool.healthy(1)).toBe(false);
    now = 1000;
    expect(pool.healthy(1)).toBe(true);
  });
  it("picks the endpoint that recovers first when all are cooling down", () => {
    let now = 0;
    const pool = new EndpointPool(["a", "b"], 100, 1000, () => now);
    pool.failed(0);
    pool.failed(0);
    pool.failed(1);
    expect(pool.pick()).toBe(1);
  });
});

describe("OpenAI backend", () => {
  it("sends completions and chat requests with the sampling fields and returns n completions in order", async () => {
    const s = await fake();
    const b = new OpenAIBackend({ model: "m", urls: [s.url] });
    const out = await b.generate({ prompt: textPrompt, n: 3, params: { ...STUDY_SAMPLING, seed: 10, stop: ["</s>"] } });
    expect(out.map((c) => c.text)).toEqual([0, 1, 2].map((i) => `seed 10 choice ${i}: \\boxed{${(10 + i) % 7}}`));
    expect(s.requests[0]).toMatchObject({ path: "/v1/completions", model: "m", n: 3, temperature: 0.9, top_p: 1, top_k: 50, seed: 10, prompt: "1+1=", stop: ["</s>"] });
    const chat = await b.generate({ prompt: { kind: "chat", messages: [{ role: "user", content: "hi" }] }, n: 1, params: { ...STUDY_SAMPLING, top_k: 0 } });
    expect(chat[0]!.n_tokens).toBe(5);
    expect(s.requests[1]).toMatchObject({ path: "/v1/chat/completions", messages: [{ role: "user", content: "hi" }] });
    expect(s.requests[1]).toMatchObject({ top_k: -1 }); // "no cut" said explicitly, or vLLM takes generation_config's
  });

  it("retries 500, 429, dropped connections and garbage, then succeeds", async () => {
    const s = await fake((i) => (["500", "429", "drop", "garbage"] as const)[i] ?? "ok");
    const b = new OpenAIBackend({ model: "m", urls: [s.url], retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 } });
    const out = await b.generate({ prompt: textPrompt, n: 2, params: STUDY_SAMPLING });
    expect(out).toHaveLength(2);
    expect(s.requests.map((r) => r.behavior)).toEqual(["500", "429", "drop", "garbage", "ok"]);
  });

  it("fails over to a healthy endpoint", async () => {
    const down = await fake(() => "500");
    const up = await fake();
    const b = new OpenAIBackend({ model: "m", urls: [down.url, up.url], retry: fastRetry });
    for (let i = 0; i < 4; i++) await b.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING });
    expect(up.requests).toHaveLength(4);
    expect(down.requests.length).toBeLessThanOrEqual(1); // tried once, then cooled down
  });

  it("gives up with a clear error naming the endpoint when it stays down", async () => {
    const s = await fake(() => "500");
    const b = new OpenAIBackend({ model: "m", urls: [s.url], retry: fastRetry });
    await expect(b.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING })).rejects.toThrow(
      new RegExp(`gave up after 4 attempts; last error from ${s.url.replace(/[/.]/g, "\\$&")}: HTTP 500: internal error`),
    );
    const closed = await fake();
    await closed.close(); // nothing listens on its port any more
    const dead = new OpenAIBackend({ model: "m", urls: [closed.url], retry: fastRetry });
    await expect(dead.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING })).rejects.toThrow(/\/v1: ECONNREFUSED/);
  });

  it("does not retry a request the server rejects as bad", async () => {
    const s = await fake(() => "400");
    const b = new OpenAIBackend({ model: "m", urls: [s.url], retry: fastRetry });
    await expect(b.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING })).rejects.toThrow(/HTTP 400/);
    expect(s.requests).toHaveLength(1);
  });

  it("times out a hanging server", async () => {
    const s = await fake((i) => (i === 0 ? "hang" : "ok"));
    const b = new OpenAIBackend({ model: "m", urls: [s.url], retry: fastRetry, timeoutMs: 200 });
    expect(await b.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING })).toHaveLength(1);
  });
});

describe("model specs and URLs", () => {
  it("parse both kinds and reject others", () => {
    expect(parseModelSpec("openai:Qwen/Qwen2.5-Math-1.5B@http://a:8000/v1,http://b:8000")).toEqual({
      kind: "openai", model: "Qwen/Qwen2.5-Math-1.5B", urls: ["http://a:8000/v1", "http://b:8000"],
    });
    expect(parseModelSpec("embedded:runs/x/base")).toEqual({ kind: "embedded", checkpoint: "runs/x/base" });
    expect(() => parseModelSpec("hf:foo")).toThrow(/expected embedded:PATH or openai:MODEL@URL/);
    expect(() => parseModelSpec("openai:foo")).toThrow(/openai:MODEL@URL/);
  });
  it("add /v1 to bare server URLs", () => {
    expect(normalizeBaseUrl("http://a:8000")).toBe("http://a:8000/v1");
    expect(normalizeBaseUrl("http://a:8000/")).toBe("http://a:8000/v1");
    expect(normalizeBaseUrl("https://api.example.com/v1/")).toBe("https://api.example.com/v1");
    expect(() => normalizeBaseUrl("ftp://x")).toThrow(/not an http/);
  });
});
