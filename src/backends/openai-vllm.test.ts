// The OpenAI backend against vLLM's real answer shapes (vllm/entrypoints/openai/chat_completion/protocol.py and
// completion/protocol.py at v0.10-v0.11; reasoning fields as the deepseek_r1 reasoning parser fills them).
import { afterEach, describe, expect, it } from "vitest";
import { fakeText, fakeTokens, startFakeOpenAI, type FakeBehavior, type FakeOptions } from "../test-helpers/fake-openai.js";
import { EndpointPool } from "./endpoints.js";
import { RequestRejected } from "./errors.js";
import { OpenAIBackend, parseCompletions } from "./openai.js";
import { STUDY_SAMPLING } from "./types.js";

const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});
async function fake(behavior?: FakeBehavior, options?: FakeOptions) {
  const s = await startFakeOpenAI(behavior, options);
  servers.push(s);
  return s;
}
const fastRetry = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 5 };
const chatPrompt = { kind: "chat" as const, messages: [{ role: "user" as const, content: "1+1?" }] };
const textPrompt = { kind: "text" as const, text: "1+1=" };

describe("sampling parameters", () => {
  it("pins every field vLLM would fill from generation_config, adds --sampling-extra, and records what it sends", async () => {
    const s = await fake();
    const b = new OpenAIBackend({ model: "m", urls: [s.url] });
    const params = { temperature: 0.6, top_p: 0.95, top_k: 0, max_tokens: 64, extra: { min_tokens: 2, repetition_penalty: 1.05 } };
    await b.generate({ prompt: chatPrompt, n: 1, params: { ...params, seed: 3 } });
    // the seven fields of ChatCompletionRequest._DEFAULT_SAMPLING_PARAMS, each given explicitly
    const pinned = { temperature: 0.6, top_p: 0.95, top_k: -1, min_p: 0, presence_penalty: 0, frequency_penalty: 0, max_tokens: 64 };
    expect(s.requests[0]).toMatchObject({ ...pinned, repetition_penalty: 1.05, min_tokens: 2, seed: 3 });
    expect(b.samplingRecord(params)).toEqual({ ...pinned, repetition_penalty: 1.05, min_tokens: 2 });
    expect(b.samplingRecord(STUDY_SAMPLING)).toMatchObject({ top_k: 50, repetition_penalty: 1, min_p: 0 });
    // hosted APIs reject vLLM's fields: only the OpenAI ones go out
    const hosted = new OpenAIBackend({ model: "m", urls: [s.url], vllmExtras: false });
    await hosted.generate({ prompt: chatPrompt, n: 1, params: STUDY_SAMPLING });
    for (const f of ["top_k", "min_p", "repetition_penalty", "return_token_ids"]) expect(s.requests[1]).not.toHaveProperty(f);
    expect(s.requests[1]).toMatchObject({ presence_penalty: 0, frequency_penalty: 0 });
  });

  it("sends the API key as a bearer token", async () => {
    const s = await fake();
    await new OpenAIBackend({ model: "m", urls: [s.url], apiKey: "k123" }).generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING });
    expect(s.requests[0]!.authorization).toBe("Bearer k123");
  });
});

describe("answers with reasoning", () => {
  it("stores content null and reasoning fields as the model's whole output, with the finish reason", async () => {
    for (const [what, reasoning] of [["reasoning", "reasoning_content"], ["reasoning-new", "reasoning"]] as const) {
      const s = await fake(() => what);
      const out = await new OpenAIBackend({ model: "m", urls: [s.url] }).generate({ prompt: chatPrompt, n: 2, params: { ...STUDY_SAMPLING, seed: 4 } });
      expect(out.map((c) => c.text), reasoning).toEqual([0, 1].map((i) => `<think>thinking about ${i}</think>${fakeText(4, i)}`));
      expect(out.map((c) => c.finish_reason)).toEqual(["stop", "stop"]);
    }
    const cut = await fake(() => "think-cut");
    const out = await new OpenAIBackend({ model: "m", urls: [cut.url], retry: fastRetry }).generate({ prompt: chatPrompt, n: 2, params: STUDY_SAMPLING });
    expect(out).toEqual([0, 1].map((i) => ({ text: `<think>thinking about ${i} and still`, finish_reason: "length", n_tokens: fakeTokens(i) })));
    expect(cut.requests).toHaveLength(1); // stored, not retried
  });

  it("reads a vLLM chat answer replayed field for field", () => {
    // a DeepSeek-R1-Distill answer from vLLM v0.8 with --reasoning-parser deepseek_r1, cut off in <think>
    const answer = {
      id: "chatcmpl-1", object: "chat.completion", created: 1, model: "r1",
      choices: [
        { index: 1, message: { role: "assistant", reasoning_content: "Let me", content: null, tool_calls: [] }, logprobs: null, finish_reason: "length", stop_reason: null },
        { index: 0, message: { role: "assistant", reasoning_content: "2", content: "\\boxed{2}", tool_calls: [] }, logprobs: null, finish_reason: "stop", stop_reason: null },
      ],
      usage: { prompt_tokens: 9, total_tokens: 21, completion_tokens: 12, prompt_tokens_details: null },
      prompt_logprobs: null,
    };
    const out = parseCompletions(JSON.stringify(answer), 2, true);
    expect(out.map((c) => [c.text, c.finish_reason])).toEqual([["<think>2</think>\\boxed{2}", "stop"], ["<think>Let me", "length"]]);
    expect(out.map((c) => c.n_tokens)).toEqual([null, null]); // usage alone cannot split 12 tokens over two choices
    // with one choice counted, the other is exact: usage minus the counted
    const counted = { ...answer, choices: [{ ...answer.choices[0]!, token_ids: [1, 2, 3, 4, 5] }, answer.choices[1]!] };
    expect(parseCompletions(JSON.stringify(counted), 2, true).map((c) => c.n_tokens)).toEqual([7, 5]);
  });
});

describe("token counts when n > 1", () => {
  it("asks for token ids, and falls back to the sampled tokens' log-probs on a vLLM that ignores them", async () => {
    const expected = [0, 1, 2, 3].map(fakeTokens);
    for (const tokenIds of [true, false]) {
      const s = await fake(undefined, { tokenIds });
      const b = new OpenAIBackend({ model: "m", urls: [s.url] });
      for (const prompt of [chatPrompt, textPrompt, chatPrompt]) {
        const out = await b.generate({ prompt, n: 4, params: STUDY_SAMPLING });
        expect(out.map((c) => c.n_tokens)).toEqual(expected);
        expect(out.every((c) => c.logprobs === undefined)).toBe(true); // not asked for by the caller
      }
      // first request asks both ways; later ones only the way the server honours
      expect(s.requests.map((r) => [r.return_token_ids ?? false, r.logprobs ?? false])).toEqual(
        tokenIds ? [[true, true], [true, false], [true, false]] : [[true, true], [false, 0], [false, true]],
      );
    }
  });
});

describe("per-question rejections", () => {
  it("a context-length 400 is a RequestRejected at once, naming the endpoint", async () => {
    const s = await fake(() => "context");
    const b = new OpenAIBackend({ model: "m", urls: [s.url], retry: fastRetry });
    const err = await b.generate({ prompt: textPrompt, n: 2, params: STUDY_SAMPLING }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RequestRejected);
    expect(err).toMatchObject({ status: 400, reason: "context_length" });
    expect((err as Error).message).toContain(`${s.url}: HTTP 400`);
    expect((err as Error).message).toContain("maximum context length is 4096 tokens");
    expect(s.requests).toHaveLength(1);
  });
});

describe("requests in flight per endpoint", () => {
  it("keeps each endpoint at its own limit and queues the rest", async () => {
    const live = new Map<string, { now: number; max: number }>();
    const endpoints = await Promise.all([0, 1, 2].map(async () => {
      const s = await fake(undefined, { latencyMs: () => 30 });
      const counter = { now: 0, max: 0 };
      live.set(s.url, counter);
      s.server.prependListener("request", (_req, res) => {
        counter.max = Math.max(counter.max, ++counter.now);
        res.on("finish", () => counter.now--);
      });
      return s;
    }));
    const b = new OpenAIBackend({ model: "m", urls: endpoints.map((s) => s.url), concurrency: 2 });
    expect(b.capacity).toBe(6);
    await Promise.all(Array.from({ length: 30 }, () => b.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING })));
    expect([...live.values()].map((c) => c.max)).toEqual([2, 2, 2]);
    expect(endpoints.map((s) => s.requests.length)).toEqual([10, 10, 10]);
  });

  it("a pool hands out slots up to the limit and wakes a waiter on release", async () => {
    const pool = new EndpointPool(["a", "b"], 100, 1000, () => 0, 1);
    expect([await pool.acquire(), await pool.acquire()].sort()).toEqual([0, 1]);
    expect(pool.pick()).toBeNull();
    const third = pool.acquire();
    pool.release(1, true);
    expect(await third).toBe(1);
  });
});

describe("hung endpoints", () => {
  it("separates the first-byte limit from the total", async () => {
    const s = await fake(() => "hang");
    const b = new OpenAIBackend({ model: "m", urls: [s.url], retry: { maxAttempts: 1 }, timeoutMs: 60_000, firstByteTimeoutMs: 100 });
    const t0 = Date.now();
    await expect(b.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING })).rejects.toThrow(/timed out \(first byte/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("abandons a silent endpoint whose health check fails too, names it meanwhile, and finishes elsewhere", async () => {
    const hung = await fake(() => "hang");
    const up = await fake(undefined, { latencyMs: () => 20 });
    const b = new OpenAIBackend({ model: "m", urls: [hung.url, up.url], retry: fastRetry, silentAfterMs: 300 });
    const named: string[] = [];
    const poll = setInterval(() => named.push(...b.silentEndpoints()), 50);
    const t0 = Date.now();
    const out = await Promise.all(Array.from({ length: 6 }, () => b.generate({ prompt: textPrompt, n: 1, params: STUDY_SAMPLING })));
    clearInterval(poll);
    expect(out).toHaveLength(6);
    expect(Date.now() - t0).toBeLessThan(5_000); // not the 600 s total limit
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((x) => x.startsWith(`${hung.url} no answer for`))).toBe(true);
    expect(hung.requests.some((r) => r.path === "/v1/models")).toBe(true);
    await b.close();
  });
});
