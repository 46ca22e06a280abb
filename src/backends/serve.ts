import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { requireApiKey } from "../core/auth.js";
import { HttpError, readJsonBody, sendJson } from "../core/http.js";
import { contextLengthMessage } from "./embedded.js";
import { RequestRejected } from "./errors.js";
import type { Backend, ChatMessage, Completion, Prompt, SamplingParams } from "./types.js";

const MAX_BODY = 4 << 20;

/** An HTTP error with OpenAI's `param` (the offending field) and `code` (e.g. "context_length_exceeded"). */
class ApiError extends HttpError {
  constructor(status: number, message: string, readonly param: string | null = null, readonly code: string | null = null, type = "invalid_request_error") {
    super(status, message, type);
  }
}

// Request fields, as the openai client (openai-python/openai-node, resources/completions and chat/completions)
// and lm-eval's local-completions / local-chat-completions (lm_eval/models/openai_completions.py,
// _create_payload: prompt as strings or token-id lists, max_tokens, temperature, stop, seed, and for
// loglikelihood echo + logprobs) send them; sampling extras as vLLM names them (vllm/entrypoints/openai/
// chat_completion/protocol.py, ChatCompletionRequest).
const common = {
  model: z.string().optional(),
  n: z.number().int().min(1).max(1024).nullish(),
  max_tokens: z.number().int().min(1).max(1 << 16).nullish(),
  max_completion_tokens: z.number().int().min(1).max(1 << 16).nullish(),
  temperature: z.number().min(0).max(5).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  top_k: z.number().int().min(-1).nullish(),
  stop: z.union([z.string(), z.array(z.string())]).nullish(),
  seed: z.number().int().nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish(), continuous_usage_stats: z.boolean().nullish() }).strict().nullish(),
  // the engine applies none of these: their neutral value is accepted, any other is refused by name
  min_p: z.number().nullish(),
  repetition_penalty: z.number().nullish(),
  presence_penalty: z.number().nullish(),
  frequency_penalty: z.number().nullish(),
  user: z.string().nullish(),
  // vLLM v0.10.2+: each choice carries its token ids (rlvd's sampler asks, to count tokens per sample)
  return_token_ids: z.boolean().nullish(),
};
const NEUTRAL: Record<string, number> = { min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 };
const tokenIds = z.array(z.number().int().min(0)).min(1);
const CompletionRequest = z.object({
  ...common,
  prompt: z.union([z.string(), z.array(z.string()).min(1), tokenIds, z.array(tokenIds).min(1)]),
  logprobs: z.number().int().min(0).max(5).nullish(),
  echo: z.boolean().nullish(),
  best_of: z.number().int().min(1).nullish(),
});
// content: a string, or a list of parts of which rlvd reads the text ones (openai ChatCompletionContentPartText)
const contentPart = z.object({ type: z.string(), text: z.string().optional() }).passthrough();
const ChatRequest = z.object({
  ...common,
  messages: z.array(z.object({
    role: z.enum(["system", "developer", "user", "assistant"]),
    content: z.union([z.string(), z.array(contentPart), z.null()]),
    name: z.string().optional(),
  }).passthrough()).min(1),
  logprobs: z.boolean().nullish(),
  top_logprobs: z.number().int().min(0).max(0).nullish(),
});

/**
 * An OpenAI-compatible HTTP server in front of any backend (in practice an embedded checkpoint): /v1/models,
 * /v1/completions and /v1/chat/completions with n, seed, logprobs and streaming (server-sent events).
 *
 * Every field a client sends is either applied or refused with a 400 naming it: a sampling setting the engine
 * does not have (min_p, repetition_penalty, penalties) is accepted only at its neutral value. A prompt that does
 * not fit the context gets vLLM's answer (400, OpenAI's `context_length_exceeded` code) before any decoding.
 * A client that disconnects cancels its request; decoding yields to the event loop, so /health and other
 * requests are answered during a big one.
 */
export function createOpenAIServer(backend: Backend, options: { modelName: string; apiKey?: string }): Server {
  const created = Math.floor(Date.now() / 1000);
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const err = asApiError(e);
      const body = { error: { message: err.message, type: err.type, param: err.param, code: err.code } };
      if (!res.headersSent) sendJson(res, err.status, body);
      else if (!res.writableEnded) res.end(`data: ${JSON.stringify(body)}\n\ndata: [DONE]\n\n`);
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
      const field = issue.path.join(".") || "body";
      throw new ApiError(400, `${field}: ${issue.message}`, field);
    }
    const r = parsed.data;
    refuseUnknown(body as Record<string, unknown>, chat ? ChatRequest : CompletionRequest);
    if (r.model != null && r.model !== options.modelName) throw new HttpError(404, `model ${r.model} does not exist (this server serves ${options.modelName})`, "not_found_error");
    for (const [field, neutral] of Object.entries(NEUTRAL)) {
      const v = (r as Record<string, unknown>)[field];
      if (v != null && v !== neutral) throw new ApiError(400, `${field}: rlvd serve does not apply ${field}; send ${neutral} (no effect) or leave it out`, field);
    }
    if (r.stream_options?.continuous_usage_stats) throw new ApiError(400, "stream_options.continuous_usage_stats: not supported; include_usage is", "stream_options.continuous_usage_stats");
    if (r.stream_options && !r.stream) throw new ApiError(400, "stream_options: only allowed when stream is true", "stream_options");
    const n = r.n ?? 1;
    let logprobs = false;
    if (!chat) {
      const c = r as z.infer<typeof CompletionRequest>;
      if (c.echo) throw new ApiError(400, "echo: rlvd serve does not return prompt log-probs", "echo");
      if (c.best_of != null && c.best_of !== n) throw new ApiError(400, "best_of: only best_of = n is supported", "best_of");
      logprobs = c.logprobs != null;
    } else {
      logprobs = Boolean((r as z.infer<typeof ChatRequest>).logprobs);
    }

    const prompts = chat ? [{ prompt: chatPrompt((r as z.infer<typeof ChatRequest>).messages) }] : completionPrompts((r as z.infer<typeof CompletionRequest>).prompt);
    if (prompts.some((p) => p.ids) && !backend.acceptsTokenIds) throw new ApiError(400, "prompt: this backend takes text prompts, not token ids", "prompt");
    const maxAsked = r.max_completion_tokens ?? r.max_tokens ?? undefined;
    const promptTokens = prompts.map((p) => p.ids?.length ?? backend.promptTokens?.(p.prompt) ?? 0);
    const context = backend.contextLength;
    let maxTokens = maxAsked ?? 256;
    if (context !== undefined) {
      // vLLM: prompt + max_tokens must fit the context; without max_tokens, the rest of the context is the limit
      const param = chat ? "messages" : "prompt";
      promptTokens.forEach((t) => {
        if (t >= context || (maxAsked !== undefined && t + maxAsked > context)) {
          throw new ApiError(400, contextLengthMessage(context, t, maxAsked), param, "context_length_exceeded");
        }
      });
      if (maxAsked === undefined) maxTokens = context - Math.max(...promptTokens);
    }
    const params: SamplingParams = {
      temperature: r.temperature ?? 1, top_p: r.top_p ?? 1, top_k: r.top_k ?? -1, max_tokens: maxTokens,
      stop: r.stop == null ? undefined : Array.isArray(r.stop) ? r.stop : [r.stop], seed: r.seed ?? undefined, logprobs,
    };

    // a client that hangs up cancels its work
    const cancel = new AbortController();
    res.on("close", () => {
      if (!res.writableFinished) cancel.abort(new Error("client disconnected"));
    });
    const id = `${chat ? "chatcmpl" : "cmpl"}-${randomUUID()}`;
    const usageOf = (results: Completion[][]) => {
      const prompt = promptTokens.reduce((s, t) => s + t, 0);
      const completion = results.flat().reduce((s, c) => s + (c.n_tokens ?? 0), 0);
      return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
    };
    const generate = (onText?: (prompt: number) => (index: number, text: string) => void) => prompts.map((p, i) =>
      backend.generate({ prompt: p.prompt, promptIds: p.ids, n, params: { ...params, seed: params.seed === undefined ? undefined : params.seed + i }, signal: cancel.signal, onText: onText?.(i) }));
    if (r.stream) {
      if (r.return_token_ids) throw new ApiError(400, "return_token_ids: not supported when streaming", "return_token_ids");
      return stream(res, id, chat, n, prompts.length, params.stop ?? [], generate, r.stream_options?.include_usage ? usageOf : null);
    }
    const pending = generate();
    const ids = (c: Completion) => (r.return_token_ids ? { token_ids: c.token_ids ?? null } : {});
    const results = await Promise.all(pending);
    const choices = results.flatMap((cs, i) => cs.map((c, j) => ({ c, index: i * n + j })));
    sendJson(res, 200, {
      id, object: chat ? "chat.completion" : "text_completion", created: Math.floor(Date.now() / 1000), model: options.modelName, usage: usageOf(results),
      choices: choices.map(({ c, index }) =>
        chat
          ? { index, message: { role: "assistant", content: c.text }, finish_reason: c.finish_reason, logprobs: params.logprobs ? chatLogprobs(c) : null, ...ids(c) }
          : { index, text: c.text, finish_reason: c.finish_reason, logprobs: params.logprobs ? { tokens: tokensOf(c), token_logprobs: c.logprobs ?? [] } : null, ...ids(c) },
      ),
    });
  }

  /**
   * Server-sent events: headers and each choice's opening chunk at once, then text as it is decoded (where the
   * backend streams; held back by the longest stop string less one, which a stop may still cut), each choice's
   * rest and finish reason when its prompt is done, then usage if asked (a last chunk with no choices, as
   * OpenAI and vLLM send for stream_options.include_usage), then [DONE].
   */
  async function stream(
    res: ServerResponse, id: string, chat: boolean, n: number, promptCount: number, stop: readonly string[],
    generate: (onText: (prompt: number) => (index: number, text: string) => void) => Array<Promise<Completion[]>>,
    usageOf: ((results: Completion[][]) => Record<string, number>) | null,
  ): Promise<void> {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const object = chat ? "chat.completion.chunk" : "text_completion";
    const chunk = (choices: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
      res.write(`data: ${JSON.stringify({ id, object, created: Math.floor(Date.now() / 1000), model: options.modelName, choices, ...extra })}\n\n`);
    const piece = (index: number, text: string) => chunk([chat ? { index, delta: { content: text }, finish_reason: null } : { index, text, finish_reason: null }]);
    if (chat) for (let index = 0; index < promptCount * n; index++) chunk([{ index, delta: { role: "assistant", content: "" }, finish_reason: null }]);
    const holdBack = Math.max(0, ...stop.map((s) => s.length - 1));
    const sent = new Array<number>(promptCount * n).fill(0);
    const pending = generate((i) => (j, text) => {
      const index = i * n + j, upTo = text.length - holdBack;
      if (upTo > sent[index]!) {
        piece(index, text.slice(sent[index], upTo));
        sent[index] = upTo;
      }
    });
    const results: Completion[][] = [];
    for (const [i, p] of pending.entries()) {
      const cs = await p;
      results.push(cs);
      cs.forEach((c, j) => {
        const index = i * n + j;
        if (c.text.length > sent[index]!) piece(index, c.text.slice(sent[index]));
        chunk([chat ? { index, delta: {}, finish_reason: c.finish_reason } : { index, text: "", finish_reason: c.finish_reason }]);
      });
    }
    if (usageOf) chunk([], { usage: usageOf(results) });
    res.end("data: [DONE]\n\n");
  }
}

function asApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e instanceof RequestRejected) return new ApiError(e.status, e.message, null, e.reason === "context_length" ? "context_length_exceeded" : null);
  if (e instanceof HttpError) return new ApiError(e.status, e.message, null, null, e.type);
  return new ApiError(500, e instanceof Error ? e.message : String(e), null, null, "server_error");
}

/** Fields the schema does not know are refused by name rather than silently dropped. */
function refuseUnknown(body: Record<string, unknown>, schema: z.ZodObject<z.ZodRawShape>): void {
  for (const [k, v] of Object.entries(body)) {
    if (v === null || k in schema.shape) continue;
    throw new ApiError(400, `${k}: not supported by rlvd serve`, k);
  }
}

/** The text of a message's content: a string, or the text parts of a list of parts; other part types are refused. */
function chatPrompt(messages: z.infer<typeof ChatRequest>["messages"]): Prompt {
  const out: ChatMessage[] = messages.map((m, i) => {
    let content = "";
    if (typeof m.content === "string") content = m.content;
    else if (Array.isArray(m.content)) {
      m.content.forEach((part, j) => {
        if (part.type !== "text" || typeof part.text !== "string") throw new ApiError(400, `messages[${i}].content[${j}]: only text parts are supported (got type ${JSON.stringify(part.type)})`, `messages.${i}.content.${j}.type`);
        content += part.text;
      });
    }
    // "developer" is what newer OpenAI clients call the system message
    return { role: m.role === "developer" ? "system" : m.role, content };
  });
  return { kind: "chat", messages: out };
}

function completionPrompts(prompt: z.infer<typeof CompletionRequest>["prompt"]): Array<{ prompt: Prompt; ids?: number[] }> {
  if (typeof prompt === "string") return [{ prompt: { kind: "text", text: prompt } }];
  if (typeof prompt[0] === "number") return [{ prompt: { kind: "text", text: "" }, ids: prompt as number[] }];
  if (typeof prompt[0] === "string") return (prompt as string[]).map((text) => ({ prompt: { kind: "text", text } }));
  return (prompt as number[][]).map((ids) => ({ prompt: { kind: "text", text: "" }, ids }));
}

function tokensOf(c: Completion): string[] {
  return c.tokens ?? (c.logprobs ?? []).map(() => "");
}

function chatLogprobs(c: Completion): { content: Array<{ token: string; logprob: number; top_logprobs: [] }> } {
  const tokens = tokensOf(c);
  return { content: (c.logprobs ?? []).map((logprob, i) => ({ token: tokens[i] ?? "", logprob, top_logprobs: [] })) };
}
