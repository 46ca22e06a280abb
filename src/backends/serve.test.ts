import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCheckpoint } from "../engine/index.js";
import { sampleRun } from "../experiment/sample-run.js";
import { withStore } from "../store/store.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { EmbeddedBackend } from "./embedded.js";
import { OpenAIBackend } from "./openai.js";
import { createOpenAIServer } from "./serve.js";
import { TEMPLATES } from "./templates.js";

const tmp = useTmpDirs();
let checkpoint: string;
let backend: EmbeddedBackend;

beforeAll(async () => {
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  checkpoint = join(mkdtempSync(join(tmpdir(), "rlvd-serve-")), "tiny");
  await initCheckpoint({ out: checkpoint, dim: 32, layers: 1, heads: 2, vocab: 48, context: 64, seed: 3 });
  backend = await EmbeddedBackend.open(checkpoint, { tree: false, lanes: 2 }); // as rlvd serve opens it
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
}
const servers: Server[] = [];
afterAll(() => servers.forEach((s) => s.close()));
async function serve(): Promise<{ url: string; server: Server }> {
  const server = createOpenAIServer(backend, { modelName: "tiny" });
  servers.push(server);
  return { url: await listen(server), server };
}

describe("rlvd serve (OpenAI-compatible)", () => {
  it("answers the official openai client: models, completions with n/seed/logprobs, chat", async () => {
    const { url } = await serve();
    const client = new OpenAI({ baseURL: url, apiKey: "unused" });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(["tiny"]);
    const a = await client.completions.create({ model: "tiny", prompt: "Q A B\n", n: 3, max_tokens: 8, seed: 5, temperature: 1, logprobs: 1 });
    expect(a.choices).toHaveLength(3);
    expect(a.choices.map((c) => c.index)).toEqual([0, 1, 2]);
    for (const c of a.choices) {
      expect(c.logprobs!.token_logprobs!.length).toBeGreaterThan(0);
      expect(c.logprobs!.token_logprobs!.every((x) => x! <= 0)).toBe(true);
      expect(["stop", "length"]).toContain(c.finish_reason);
    }
    const again = await client.completions.create({ model: "tiny", prompt: "Q A B\n", n: 3, max_tokens: 8, seed: 5, temperature: 1 });
    expect(again.choices.map((c) => c.text)).toEqual(a.choices.map((c) => c.text)); // same seed, same samples
    expect(a.usage!.completion_tokens).toBe(a.choices.reduce((s, c) => s + c.logprobs!.token_logprobs!.length, 0));
    const chat = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "hi" }], max_tokens: 5, logprobs: true });
    expect(typeof chat.choices[0]!.message.content).toBe("string");
    expect(chat.choices[0]!.logprobs!.content!.length).toBeGreaterThan(0);
  });

  it("streams, and rejects bad requests with OpenAI-style errors", async () => {
    const { url } = await serve();
    const client = new OpenAI({ baseURL: url, apiKey: "unused", maxRetries: 0 });
    const full = await client.completions.create({ model: "tiny", prompt: "Q C\n", max_tokens: 10, seed: 1 });
    let streamed = "";
    for await (const chunk of await client.completions.create({ model: "tiny", prompt: "Q C\n", max_tokens: 10, seed: 1, stream: true })) streamed += chunk.choices[0]?.text ?? "";
    expect(streamed).toBe(full.choices[0]!.text);
    await expect(client.completions.create({ model: "tiny", prompt: "x", temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(client.completions.create({ model: "other", prompt: "x" })).rejects.toThrow(/model other does not exist/);
  });

  it("carries a sampling run whose server dies mid-run to exactly k per question after resume", async () => {
    const questions = Array.from({ length: 5 }, (_, i) => ({ id: `q${i}`, prompt: `Q ${"ABCDE"[i]}\n`, answer: "A" }));
    const run = join(tmp(), "run");
    const first = await serve();
    let served = 0;
    first.server.on("request", () => {
      if (++served === 4) first.server.closeAllConnections(), first.server.close();
    });
    const params = { temperature: 1, top_p: 1, top_k: 0, max_tokens: 6 };
    const opts = { runDir: run, model: "tiny", spec: "s", questions, k: 12, template: TEMPLATES.question!, params, nPerRequest: 3, concurrency: 1 };
    await expect(sampleRun({ ...opts, backend: new OpenAIBackend({ model: "tiny", urls: [first.url], retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }) })).rejects.toThrow(/were kept/);
    const second = await serve();
    await sampleRun({ ...opts, backend: new OpenAIBackend({ model: "tiny", urls: [second.url] }) });
    const counts = await withStore(run, {}, (s) => s.all<{ n: number; d: number }>("SELECT count(*)::INTEGER AS n, count(DISTINCT sample_index)::INTEGER AS d FROM samples GROUP BY question_id"));
    expect(counts).toEqual(Array(5).fill({ n: 12, d: 12 }));
  });

  it("carries a sampling process killed with -9 to exactly k per question after resume", async () => {
    const { spawn } = await import("node:child_process");
    const { writeJsonl } = await import("../test-helpers/tmp.js");
    const dir = tmp();
    const run = join(dir, "run");
    const questions = Array.from({ length: 4 }, (_, i) => ({ id: `q${i}`, problem: `Q ${"ABCD"[i]}\n`, answer: "A" }));
    const dataset = writeJsonl(dir, "qs.jsonl", questions);
    const { url, server } = await serve();
    let served = 0;
    server.on("request", () => served++);
    const args = ["sample", "--model", `openai:tiny@${url}`, "--dataset", dataset, "-k", "40", "--run", run, "--template", "question",
      "--n-per-request", "2", "--concurrency", "1", "--max-tokens", "6", "--top-k", "0", "--temperature", "1", "--flush-ms", "20"];
    const child = spawn(process.execPath, ["--import", "tsx", join(import.meta.dirname, "../test-helpers/cli-entry.ts"), ...args], { stdio: "ignore" });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (served >= 30) {
          clearInterval(poll);
          child.kill("SIGKILL");
          resolve();
        }
      }, 5);
    });
    await new Promise((resolve) => child.on("exit", resolve));
    const count = () => withStore(run, {}, (s) => s.all<{ n: number; d: number }>("SELECT count(*)::INTEGER AS n, count(DISTINCT (question_id, sample_index))::INTEGER AS d FROM samples"));
    const [partial] = await count();
    expect(partial!.n).toBeGreaterThan(0);
    expect(partial!.n).toBeLessThan(160);
    expect(partial!.d).toBe(partial!.n);
    const resumed = await sampleRun({
      runDir: run, backend: new OpenAIBackend({ model: "tiny", urls: [url] }), model: "tiny", spec: "s",
      questions: questions.map((q) => ({ id: q.id, prompt: q.problem, answer: q.answer })), k: 40, template: TEMPLATES.question!,
      params: { temperature: 1, top_p: 1, top_k: 0, max_tokens: 6 }, nPerRequest: 2,
    });
    expect(resumed.already).toBe(partial!.n);
    expect(await count()).toEqual([{ n: 160, d: 160 }]);
  }, 60_000);
});
