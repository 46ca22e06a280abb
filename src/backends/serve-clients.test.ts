// rlvd serve against the requests real clients send: lm-eval's local-completions / local-chat-completions
// (lm_eval/models/openai_completions.py, _create_payload, v0.4.x: token-id or string prompt lists, max_tokens,
// temperature 0, stop, seed 1234), the openai client (openai-node v4/v5: content parts, developer role,
// max_completion_tokens, stream_options.include_usage), and vLLM's sampling extras.
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCheckpoint } from "../engine/index.js";
import { EmbeddedBackend } from "./embedded.js";
import { RequestRejected } from "./errors.js";
import { createOpenAIServer } from "./serve.js";
import type { Backend, GenerateRequest } from "./types.js";

let backend: EmbeddedBackend;
const CONTEXT = 64;
beforeAll(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const checkpoint = join(mkdtempSync(join(tmpdir(), "rlvd-serve-")), "tiny");
  await initCheckpoint({ out: checkpoint, dim: 32, layers: 1, heads: 2, vocab: 48, context: CONTEXT, seed: 3 });
  backend = await EmbeddedBackend.open(checkpoint, { tree: false, lanes: 2 }); // as rlvd serve opens it
});
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => (s.closeAllConnections(), s.close())));
async function serve(b: Backend = backend): Promise<string> {
  const server = createOpenAIServer(b, { modelName: "tiny" });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}
async function post(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const r = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}

describe("what lm-eval's local-completions sends", () => {
  it("a list of token-id prompts and a list of string prompts, one choice each, in order", async () => {
    const url = await serve();
    const ids = backend.model.tokenizer!.encode("Q A B\n", { bos: true });
    const base = { model: "tiny", max_tokens: 6, temperature: 0, stop: ["\n\n"], seed: 1234 };
    const byIds = await post(`${url}/completions`, { ...base, prompt: [ids, ids.slice(0, 3)] });
    expect(byIds.status).toBe(200);
    expect(byIds.json.choices.map((c: { index: number }) => c.index)).toEqual([0, 1]);
    const byText = await post(`${url}/completions`, { ...base, prompt: ["Q A B\n"] });
    // greedy, so the token-id prompt and its text give the same completion
    expect(byText.json.choices[0].text).toBe(byIds.json.choices[0].text);
    expect(byIds.json.usage.prompt_tokens).toBe(ids.length + 3);
    const single = await post(`${url}/completions`, { ...base, prompt: ids });
    expect(single.json.choices[0].text).toBe(byText.json.choices[0].text);
  });

  it("refuses what it cannot do, naming the field: loglikelihood's echo, unknown fields, non-neutral penalties", async () => {
    const url = await serve();
    const echo = await post(`${url}/completions`, { model: "tiny", prompt: "Q", temperature: 0, max_tokens: 1, logprobs: 1, seed: 1234, echo: true });
    expect(echo).toMatchObject({ status: 400, json: { error: { param: "echo" } } });
    expect(await post(`${url}/completions`, { prompt: "Q", logit_bias: { "5": 100 } })).toMatchObject({ status: 400, json: { error: { param: "logit_bias", message: expect.stringContaining("logit_bias") } } });
    for (const [field, value] of [["min_p", 0.05], ["repetition_penalty", 1.1], ["presence_penalty", 0.5], ["frequency_penalty", 0.5]] as const) {
      expect(await post(`${url}/chat/completions`, { messages: [{ role: "user", content: "hi" }], max_tokens: 3, [field]: value })).toMatchObject({ status: 400, json: { error: { param: field } } });
    }
    const neutral = await post(`${url}/chat/completions`, { messages: [{ role: "user", content: "hi" }], max_tokens: 3, min_p: 0, repetition_penalty: 1, top_k: -1, presence_penalty: 0, frequency_penalty: 0, user: "x", logit_bias: null });
    expect(neutral.status).toBe(200);
    expect(await post(`${url}/completions`, { prompt: [[1, 2, 999]], max_tokens: 2 })).toMatchObject({ status: 400, json: { error: { message: expect.stringContaining("999") } } });
  });
});

describe("what the openai client sends", () => {
  it("content parts, the developer role, max_completion_tokens and stream_options.include_usage", async () => {
    const url = await serve();
    const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0 });
    const asParts = await client.chat.completions.create({
      model: "tiny", seed: 2, max_completion_tokens: 5,
      messages: [{ role: "developer", content: "be brief" }, { role: "user", content: [{ type: "text", text: "h" }, { type: "text", text: "i" }] }],
    });
    const asText = await client.chat.completions.create({ model: "tiny", seed: 2, max_tokens: 5, messages: [{ role: "system", content: "be brief" }, { role: "user", content: "hi" }] });
    expect(asParts.choices[0]!.message.content).toBe(asText.choices[0]!.message.content);
    expect(asParts.usage!.completion_tokens).toBeLessThanOrEqual(5);
    await expect(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "http://x/y.png" } }] }] }))
      .rejects.toMatchObject({ status: 400, param: "messages.0.content.0.type" });

    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of await client.chat.completions.create({ model: "tiny", seed: 2, max_completion_tokens: 5, n: 2, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] })) chunks.push(c);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    const texts = [0, 1].map((i) => chunks.flatMap((c) => c.choices.filter((x) => x.index === i).map((x) => x.delta.content ?? "")).join(""));
    expect(last.usage!.completion_tokens).toBeGreaterThanOrEqual(texts[0]!.length + texts[1]!.length); // tokens, stop token included
    expect(chunks.slice(0, -1).every((c) => !c.usage)).toBe(true);
  });

  it("an over-long prompt gets 400 context_length_exceeded, as vLLM answers, not 500", async () => {
    const url = await serve();
    const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0 });
    const long = "A".repeat(CONTEXT + 10);
    await expect(client.completions.create({ model: "tiny", prompt: long, max_tokens: 4 })).rejects.toMatchObject({
      status: 400, code: "context_length_exceeded", param: "prompt", message: expect.stringContaining(`maximum context length is ${CONTEXT} tokens`),
    });
    // prompt + max_tokens over the context is refused as vLLM refuses it; without max_tokens the rest of the context is used
    await expect(client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "A".repeat(20) }], max_tokens: 60 })).rejects.toMatchObject({ status: 400, code: "context_length_exceeded" });
    const fits = await client.completions.create({ model: "tiny", prompt: "A".repeat(20), temperature: 1, seed: 1 });
    expect(fits.usage!.prompt_tokens + fits.usage!.completion_tokens).toBeLessThanOrEqual(CONTEXT);
  });
});

describe("the embedded engine under load", () => {
  it("refuses one over-long prompt among ten sent together, and answers the other nine", async () => {
    const prompts = Array.from({ length: 10 }, (_, i) => (i === 6 ? "B".repeat(CONTEXT + 5) : `Q ${"ABCDEFGHIJ"[i]}\n`));
    const settled = await Promise.allSettled(prompts.map((text, i) => backend.generate({ prompt: { kind: "text", text }, n: 2, params: { temperature: 1, top_p: 1, top_k: 0, max_tokens: 5, seed: i } })));
    expect(settled.map((s) => s.status)).toEqual(prompts.map((_, i) => (i === 6 ? "rejected" : "fulfilled")));
    const err = (settled[6] as PromiseRejectedResult).reason;
    expect(err).toBeInstanceOf(RequestRejected);
    expect(err).toMatchObject({ reason: "context_length" });
  });

  it("answers /health during a big request, and cancels the work of a client that hangs up", async () => {
    const seen: GenerateRequest[] = [];
    const outcomes: Array<Promise<unknown>> = [];
    let settledCount = 0;
    const spy: Backend = Object.assign(Object.create(backend) as Backend, {
      generate: (r: GenerateRequest) => {
        seen.push(r);
        const p = backend.generate(r);
        outcomes.push(p.then(() => "done", (e: Error) => e.message).finally(() => settledCount++));
        return p;
      },
    });
    const url = await serve(spy);
    const big = { model: "tiny", prompt: Array.from({ length: 200 }, (_, i) => `Q ${i}\n`), n: 8, max_tokens: 50, temperature: 1.5, seed: 1 };
    const client = new AbortController();
    const t0 = Date.now();
    const bigRequest = fetch(`${url}/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(big), signal: client.signal }).catch((e: Error) => e.name);
    while (seen.length < 200) await new Promise((r) => setTimeout(r, 5));
    const h0 = Date.now();
    const health = await fetch(`${url.replace(/\/v1$/, "")}/health`);
    const healthMs = Date.now() - h0;
    expect(health.status).toBe(200);
    expect(settledCount).toBe(0); // answered while the big request was still decoding
    client.abort();
    expect(await bigRequest).toBe("AbortError");
    const results = await Promise.all(outcomes);
    const cancelledAfter = Date.now() - t0;
    expect(seen.every((r) => r.signal?.aborted)).toBe(true);
    expect(results.every((x) => x === "client disconnected")).toBe(true);
    // the same request run to the end, for scale
    const t1 = Date.now();
    await post(`${url}/completions`, big);
    const fullMs = Date.now() - t1;
    console.log(`health answered in ${healthMs} ms during a request that takes ${fullMs} ms; cancelled after ${cancelledAfter} ms`);
  }, 120_000);

  it("streams text as it is decoded, before the request is done, and stop strings still cut it right", async () => {
    let doneAt = 0;
    const spy: Backend = Object.assign(Object.create(backend) as Backend, {
      generate: (r: GenerateRequest) => backend.generate(r).finally(() => (doneAt = Date.now())),
    });
    const url = await serve(spy);
    // enough work that decoding spans several turns of the event loop
    const body = { model: "tiny", prompt: Array.from({ length: 80 }, (_, i) => `Q ${i}\n`), n: 3, max_tokens: 50, temperature: 1.5, seed: 9, stop: ["AB", "5"] };
    const whole = await post(`${url}/completions`, body);
    const r = await fetch(`${url}/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
    const texts = new Array<string>(240).fill("");
    let firstTextAt = 0, pieces = 0, buffer = "";
    const decoder = new TextDecoder();
    for await (const bytes of r.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(bytes, { stream: true });
      for (;;) {
        const end = buffer.indexOf("\n\n");
        if (end < 0) break;
        const line = buffer.slice(0, end).replace(/^data: /, "");
        buffer = buffer.slice(end + 2);
        if (line === "[DONE]") continue;
        for (const c of JSON.parse(line).choices as Array<{ index: number; text: string }>) {
          if (!c.text) continue;
          firstTextAt ||= Date.now();
          pieces++;
          texts[c.index] += c.text;
        }
      }
    }
    expect(texts).toEqual(whole.json.choices.map((c: { text: string }) => c.text)); // same samples, stop strings cut alike
    expect(pieces).toBeGreaterThan(240); // in pieces, not one chunk per choice
    expect(firstTextAt).toBeLessThan(doneAt);
  });
});
