// `rlvd serve --api-key`: the official openai client and rlvd's own sampling client (what `rlvd sample
// --api-key-env VAR` builds) send the key as vLLM expects it; without it, 401 in OpenAI's error shape.
import { mkdtempSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCheckpoint } from "../engine/index.js";
import { createBackend } from "./create.js";
import { EmbeddedBackend } from "./embedded.js";
import { createOpenAIServer } from "./serve.js";

let server: Server;
let url: string;
beforeAll(async () => {
  const checkpoint = join(mkdtempSync(join(tmpdir(), "rlvd-serve-auth-")), "tiny");
  await initCheckpoint({ out: checkpoint, dim: 32, layers: 1, heads: 2, vocab: 48, context: 64, seed: 3 });
  server = createOpenAIServer(await EmbeddedBackend.open(checkpoint), { modelName: "tiny", apiKey: "k-123" });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => server.close());

describe("rlvd serve --api-key", () => {
  it("serves clients that send the key, refuses others with 401, keeps /health open", async () => {
    const good = new OpenAI({ baseURL: url, apiKey: "k-123", maxRetries: 0 });
    expect((await good.models.list()).data.map((m) => m.id)).toEqual(["tiny"]);
    const bad = new OpenAI({ baseURL: url, apiKey: "nope", maxRetries: 0 });
    await expect(bad.completions.create({ model: "tiny", prompt: "a", max_tokens: 2 })).rejects.toMatchObject({ status: 401 });
    const raw = await fetch(url + "/chat/completions", { method: "POST", body: "{}" });
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: { type: string } }).error.type).toBe("authentication_error");
    expect((await fetch(url.replace(/\/v1$/, "/health"))).status).toBe(200);
  });

  it("is what rlvd sample sends from --api-key-env", async () => {
    process.env.RLVD_TEST_KEY = "k-123";
    const backend = await createBackend({ kind: "openai", model: "tiny", urls: [url] }, { apiKeyEnv: "RLVD_TEST_KEY", maxAttempts: 1 });
    const out = await backend.generate({ prompt: { kind: "text", text: "a" }, n: 2, params: { temperature: 1, top_p: 1, top_k: -1, max_tokens: 3, seed: 1 } });
    expect(out).toHaveLength(2);
    delete process.env.RLVD_TEST_KEY;
  });
});
