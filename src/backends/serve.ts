import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { requireApiKey } from "../core/auth.js";
import { HttpError, readJsonBody, sendJson } from "../core/http.js";
import type { Backend, Completion, Prompt, SamplingParams } from "./types.js";

const MAX_BODY = 4 << 20;

const common = {
  model: z.string().optional(),
  n: z.number().int().min(1).max(1024).default(1),
  max_tokens: z.number().int().min(1).max(1 << 16).default(256),
  temperature: z.number().min(0).max(5).default(1),
  top_p: z.number().gt(0).max(1).default(1),
  top_k: z.number().int().min(-1).default(-1),
  stop: z.union([z.string(), z.array(z.string())]).optional(),
  seed: z.number().int().optional(),
  stream: z.boolean().default(false),
};
const CompletionRequest = z.object({ ...common, prompt: z.union([z.string(), z.array(z.string()).min(1)]), logprobs: z.number().int().min(0).max(5).nullable().optional() });
const ChatRequest = z.object({
  ...common,
  messages: z.array(z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() })).min(1),
  logprobs: z.boolean().optional(),
});

/**
 * An OpenAI-compatible HTTP server in front of any backend (in practice an embedded checkpoint): /v1/models,
 * /v1/completions and /v1/chat/completions with n, seed, logprobs and streaming (server-sent events). The engine
 * decodes a request's completions together, so a stream delivers each choice's tokens once it is decoded.
 */
export function createOpenAIServer(backend: Backend, options: { modelName: string; apiKey?: string }): Server {
  const created = Math.floor(Date.now() / 1000);
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = e instanceof HttpError ? e : new HttpError(500, e instanceof Error ? e.message : String(e), "server_error");
      if (!res.headersSent) sendJson(res, err.status, { error: { message: err.message, type: err.type } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "");
    if (path !== "/health" && path !== "") requireApiKey(req, options.apiKey); // vLLM's --api-key check
    if (req.method === "GET" && (path === "/v1/models" || path === "/models")) {
      return sendJson(res, 200, { object: "list", data: [{ id: options.modelName, object: "model", created, owned_by: "rlvd" }] });
    }
    if (req.method === "GET" && (path === "/health" || path === "")) return sendJson(res, 200, { status: "ok" });
    const chat = path === "/v1/chat/completions" || path === "/chat/completions";
    if (!chat && path !== "/v1/completions" && path !== "/completions") throw new HttpError(404, `no route ${req.method} ${path}`, "not_found_error");
    if (req.method !== "POST") throw new HttpError(405, `${path} takes POST`);
    const body = await readJsonBody(req, MAX_BODY);
    const parsed = (chat ? ChatRequest : CompletionRequest).safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new HttpError(400, `${issue.path.join(".") || "body"}: ${issue.message}`);
    }
    const r = parsed.data;
    if (r.model !== undefined && r.model !== options.modelName) throw new HttpError(404, `model ${r.model} does not exist (this server serves ${options.modelName})`, "not_found_error");
    const params: SamplingParams = {
      temperature: r.temperature, top_p: r.top_p, top_k: r.top_k, max_tokens: r.max_tokens,
      stop: r.stop === undefined ? undefined : Array.isArray(r.stop) ? r.stop : [r.stop], seed: r.seed, logprobs: Boolean(r.logprobs),
    };
    const prompts: Prompt[] = chat
      ? [{ kind: "chat", messages: (r as z.infer<typeof ChatRequest>).messages }]
      : ([] as string[]).concat((r as z.infer<typeof CompletionRequest>).prompt).map((text) => ({ kind: "text" as const, text }));
    const results = await Promise.all(prompts.map((prompt, i) => backend.generate({ prompt, n: r.n, params: { ...params, seed: params.seed === undefined ? undefined : params.seed + i } })));
    const choices = results.flatMap((cs, i) => cs.map((c, j) => ({ c, index: i * r.n + j })));
    const id = `${chat ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
    const promptTokens = prompts.reduce((s, p) => s + (backend.promptTokens?.(p) ?? 0), 0);
    const completionTokens = choices.reduce((s, { c }) => s + (c.n_tokens ?? 0), 0);
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    if (r.stream) return stream(res, id, chat, choices);
    sendJson(res, 200, {
      id, object: chat ? "chat.completion" : "text_completion", created: Math.floor(Date.now() / 1000), model: options.modelName, usage,
      choices: choices.map(({ c, index }) =>
        chat
          ? { index, message: { role: "assistant", content: c.text }, finish_reason: c.finish_reason, logprobs: params.logprobs ? chatLogprobs(c) : null }
          : { index, text: c.text, finish_reason: c.finish_reason, logprobs: params.logprobs ? { tokens: tokensOf(c), token_logprobs: c.logprobs ?? [] } : null },
      ),
    });
  }

  function stream(res: ServerResponse, id: string, chat: boolean, choices: Array<{ c: Completion; index: number }>): void {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const object = chat ? "chat.completion.chunk" : "text_completion";
    const send = (choice: Record<string, unknown>) =>
      res.write(`data: ${JSON.stringify({ id, object, created: Math.floor(Date.now() / 1000), model: options.modelName, choices: [choice] })}\n\n`);
    for (const { c, index } of choices) {
      if (chat) send({ index, delta: { role: "assistant", content: "" }, finish_reason: null });
      for (const piece of textPieces(c)) send(chat ? { index, delta: { content: piece }, finish_reason: null } : { index, text: piece, finish_reason: null });
      send(chat ? { index, delta: {}, finish_reason: c.finish_reason } : { index, text: "", finish_reason: c.finish_reason });
    }
    res.end("data: [DONE]\n\n");
  }
}

/** The completion's text split into the pieces a stream sends (its characters for a character-level model). */
function textPieces(c: Completion): string[] {
  return [...c.text];
}

function tokensOf(c: Completion): string[] {
  return c.tokens ?? (c.logprobs ?? []).map(() => "");
}

function chatLogprobs(c: Completion): { content: Array<{ token: string; logprob: number; top_logprobs: [] }> } {
  const tokens = tokensOf(c);
  return { content: (c.logprobs ?? []).map((logprob, i) => ({ token: tokens[i] ?? "", logprob, top_logprobs: [] })) };
}
