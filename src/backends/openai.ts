import { RlvdError } from "../core/errors.js";
import { EndpointPool } from "./endpoints.js";
import { JsonPoster } from "./http-post.js";
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, sleep, type RetryPolicy } from "./retry.js";
import type { Backend, Completion, GenerateRequest } from "./types.js";

export type OpenAIBackendOptions = {
  model: string;
  /** base URLs, e.g. http://gpu1:8000/v1 (a URL without a path gets /v1) */
  urls: string[];
  apiKey?: string;
  retry?: Partial<RetryPolicy>;
  /** per-request time limit */
  timeoutMs?: number;
  /** send vLLM's extra sampling fields (top_k); hosted APIs reject unknown fields */
  vllmExtras?: boolean;
  random?: () => number;
};

/** A failed attempt: `retryable` says whether another endpoint or a later try may succeed. */
class AttemptError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number) {
    super(message);
  }
}

/**
 * Any OpenAI-compatible server (vLLM, SGLang, llama.cpp server, Ollama, hosted APIs): text prompts go to
 * /completions, chat prompts to /chat/completions, with `n` completions per request. Retries 429/5xx, timeouts,
 * resets and garbage answers with exponential backoff and jitter, failing over between endpoints; a request
 * that cannot succeed (400, 401, 404) fails at once.
 */
export class OpenAIBackend implements Backend {
  readonly description: string;
  private readonly pool: EndpointPool;
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  private readonly poster = new JsonPoster();

  constructor(private readonly options: OpenAIBackendOptions) {
    this.description = `openai:${options.model}@${options.urls.join(",")}`;
    this.pool = new EndpointPool(options.urls.map(normalizeBaseUrl));
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
  }

  async generate(request: GenerateRequest): Promise<Completion[]> {
    const { prompt, n, params } = request;
    const chat = prompt.kind === "chat";
    const body: Record<string, unknown> = {
      model: this.options.model,
      n,
      temperature: params.temperature,
      top_p: params.top_p,
      max_tokens: params.max_tokens,
      ...(chat ? { messages: prompt.messages } : { prompt: prompt.text }),
      ...(params.stop?.length ? { stop: params.stop } : {}),
      ...(params.seed !== undefined ? { seed: params.seed } : {}),
      ...(params.logprobs ? (chat ? { logprobs: true } : { logprobs: 1 }) : {}),
      ...(this.options.vllmExtras !== false && params.top_k > 0 ? { top_k: params.top_k } : {}),
    };
    const path = chat ? "/chat/completions" : "/completions";
    let last = "no attempt made";
    for (let attempt = 0; attempt < this.policy.maxAttempts; attempt++) {
      const e = this.pool.pick();
      const url = this.pool.urls[e]! + path;
      try {
        const completions = await this.attempt(url, body, n, chat);
        this.pool.succeeded(e);
        return completions;
      } catch (err) {
        const failure = err instanceof AttemptError ? err : new AttemptError(String(err), true);
        last = `${this.pool.urls[e]}: ${failure.message}`;
        if (!failure.retryable) throw new RlvdError("BACKEND", `${last}`);
        this.pool.failed(e);
        if (attempt + 1 < this.policy.maxAttempts) await sleep(backoffDelay(attempt, this.policy, this.random, failure.retryAfterMs));
      }
    }
    throw new RlvdError("BACKEND", `gave up after ${this.policy.maxAttempts} attempts; last error from ${last}`);
  }

  private async attempt(url: string, body: Record<string, unknown>, n: number, chat: boolean): Promise<Completion[]> {
    let answer;
    try {
      answer = await this.poster.post(url, body, {
        timeoutMs: this.options.timeoutMs ?? 600_000,
        headers: this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : undefined,
      });
    } catch (e) {
      const err = e as { code?: string; message?: string };
      throw new AttemptError(err.code === "ETIMEDOUT" ? "timed out" : (err.code ?? err.message ?? String(e)), true);
    }
    if (answer.status < 200 || answer.status >= 300) {
      const retryAfter = Number(answer.headers["retry-after"]);
      const text = answer.body;
      throw new AttemptError(
        `HTTP ${answer.status}${text ? `: ${text.slice(0, 200).replace(/\s+/g, " ")}` : ""}`,
        isRetryableStatus(answer.status),
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      );
    }
    return parseCompletions(answer.body, n, chat);
  }

  async close(): Promise<void> {
    this.poster.close();
  }
}

/** Reads an OpenAI completions/chat answer; anything else is a (retryable) garbage answer. */
export function parseCompletions(text: string, n: number, chat: boolean): Completion[] {
  let json: { choices?: unknown; usage?: { completion_tokens?: unknown } };
  try {
    json = JSON.parse(text);
  } catch {
    throw new AttemptError(`answer is not JSON: ${JSON.stringify(text.slice(0, 80))}`, true);
  }
  if (!Array.isArray(json?.choices)) throw new AttemptError("answer has no choices[]", true);
  const choices = json.choices as Array<Record<string, any>>;
  if (choices.length !== n) throw new AttemptError(`asked for ${n} completions, got ${choices.length}`, true);
  const ordered = [...choices].sort((a, b) => (Number(a.index) || 0) - (Number(b.index) || 0));
  return ordered.map((c) => {
    const content = chat ? c.message?.content : c.text;
    if (typeof content !== "string") throw new AttemptError(`choice ${c.index} has no ${chat ? "message.content" : "text"}`, true);
    const logprobs: number[] | undefined = chat
      ? c.logprobs?.content?.map((t: { logprob: number }) => t.logprob)
      : c.logprobs?.token_logprobs;
    const usageTokens = n === 1 && typeof json.usage?.completion_tokens === "number" ? json.usage.completion_tokens : null;
    return {
      text: content,
      finish_reason: typeof c.finish_reason === "string" ? c.finish_reason : null,
      n_tokens: Array.isArray(logprobs) ? logprobs.length : usageTokens,
      ...(Array.isArray(logprobs) ? { logprobs } : {}),
    };
  });
}

/** `http://host:8000` -> `http://host:8000/v1`; trailing slashes dropped. */
export function normalizeBaseUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RlvdError("BAD_ARGUMENT", `not a URL: ${url}`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new RlvdError("BAD_ARGUMENT", `not an http(s) URL: ${url}`);
  const base = url.replace(/\/+$/, "");
  return parsed.pathname === "/" || parsed.pathname === "" ? `${base}/v1` : base;
}
