import { RlvdError } from "../core/errors.js";
import { EndpointPool } from "./endpoints.js";
import { isContextLengthMessage, isPerRequestRejection, RequestRejected } from "./errors.js";
import { JsonPoster } from "./http-post.js";
import { backoffDelay, DEFAULT_RETRY, isRetryableStatus, sleep, type RetryPolicy } from "./retry.js";
import { NEUTRAL_SAMPLING, type Backend, type Completion, type GenerateRequest, type SamplingParams } from "./types.js";

export type OpenAIBackendOptions = {
  model: string;
  /** base URLs, e.g. http://gpu1:8000/v1 (a URL without a path gets /v1) */
  urls: string[];
  /** sent as `Authorization: Bearer KEY`, as vLLM's --api-key and hosted APIs check it */
  apiKey?: string;
  retry?: Partial<RetryPolicy>;
  /** per-request time limit, connect to last byte (default 600 s) */
  timeoutMs?: number;
  /** TCP connect limit (default 10 s) */
  connectTimeoutMs?: number;
  /** request sent to first answer byte (default: none; a non-streaming server answers only when done) */
  firstByteTimeoutMs?: number;
  /**
   * An endpoint with requests in flight that has sent nothing for this long (default 60 s) is probed with
   * GET /models; when the probe fails too, its requests are abandoned and retried elsewhere.
   */
  silentAfterMs?: number;
  /** requests in flight per endpoint (default 32) */
  concurrency?: number;
  /** send vLLM's extra sampling fields (top_k, min_p, repetition_penalty, return_token_ids); hosted APIs reject them */
  vllmExtras?: boolean;
  random?: () => number;
};

/** A failed attempt: `retryable` says whether another endpoint or a later try may succeed. */
class AttemptError extends Error {
  constructor(message: string, readonly retryable: boolean, readonly retryAfterMs?: number, readonly status?: number) {
    super(message);
  }
}

export const DEFAULT_CONCURRENCY_PER_ENDPOINT = 32;

/**
 * Any OpenAI-compatible server (vLLM, SGLang, llama.cpp server, Ollama, hosted APIs): text prompts go to
 * /completions, chat prompts to /chat/completions, with `n` completions per request. Retries 429/5xx, timeouts,
 * resets and garbage answers with exponential backoff and jitter, failing over between endpoints; a request
 * the server rejects for its content (400/413/422) fails at once with RequestRejected, and one that no request
 * can pass (401, 404) with a plain BACKEND error.
 */
export class OpenAIBackend implements Backend {
  readonly description: string;
  private readonly pool: EndpointPool;
  private readonly policy: RetryPolicy;
  private readonly random: () => number;
  private readonly poster = new JsonPoster();
  /**
   * How per-sample token counts are asked for when n > 1 (usage sums over the choices): vLLM's
   * `return_token_ids` (v0.10.2+; older servers ignore the unknown field), then the sampled tokens' log-probs.
   */
  private countBy: "unknown" | "token_ids" | "logprobs";
  /** per endpoint: the abort controllers of its requests in flight, and whether a probe is running */
  private readonly running: Array<Set<AbortController>>;
  private readonly probing: boolean[];
  private watchdog: NodeJS.Timeout | null = null;

  constructor(private readonly options: OpenAIBackendOptions) {
    this.description = `openai:${options.model}@${options.urls.join(",")}`;
    this.pool = new EndpointPool(options.urls.map(normalizeBaseUrl), 500, 30_000, Date.now, options.concurrency ?? DEFAULT_CONCURRENCY_PER_ENDPOINT);
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
    this.random = options.random ?? Math.random;
    this.countBy = options.vllmExtras === false ? "logprobs" : "unknown";
    this.running = this.pool.urls.map(() => new Set());
    this.probing = this.pool.urls.map(() => false);
  }

  get capacity(): number {
    return this.pool.capacity;
  }

  /** The sampling fields of a request body: every field a server could otherwise fill from its own defaults. */
  samplingRecord(params: SamplingParams): Record<string, unknown> {
    const vllm = this.options.vllmExtras !== false;
    return {
      temperature: params.temperature,
      top_p: params.top_p,
      max_tokens: params.max_tokens,
      presence_penalty: params.presence_penalty ?? NEUTRAL_SAMPLING.presence_penalty,
      frequency_penalty: params.frequency_penalty ?? NEUTRAL_SAMPLING.frequency_penalty,
      // vLLM reads top_k -1 as "no cut" in every version (0 only from v0.8 on)
      ...(vllm
        ? { top_k: params.top_k > 0 ? params.top_k : -1, min_p: params.min_p ?? NEUTRAL_SAMPLING.min_p, repetition_penalty: params.repetition_penalty ?? NEUTRAL_SAMPLING.repetition_penalty }
        : {}),
      ...(params.stop?.length ? { stop: params.stop } : {}),
      ...params.extra,
    };
  }

  silentEndpoints(): string[] {
    return this.pool.silent(this.silentAfter).map((s) => `${s.url} no answer for ${Math.round(s.ms / 1000)} s`);
  }

  private get silentAfter(): number {
    return this.options.silentAfterMs ?? 60_000;
  }

  async generate(request: GenerateRequest): Promise<Completion[]> {
    const { prompt, n, params } = request;
    const chat = prompt.kind === "chat";
    const path = chat ? "/chat/completions" : "/completions";
    let last = "no attempt made";
    for (let attempt = 0; attempt < this.policy.maxAttempts; attempt++) {
      const body = this.body(request);
      const e = await this.pool.acquire();
      const url = this.pool.urls[e]! + path;
      let answered = false;
      try {
        const answer = await this.attempt(e, url, body, request.signal);
        answered = true;
        const completions = parseCompletions(answer, n, chat);
        this.pool.succeeded(e);
        // the first multi-choice answer asked for both: keep the lighter one the server honours
        if (n > 1 && this.countBy === "unknown") this.countBy = hasTokenIds(answer) ? "token_ids" : "logprobs";
        return params.logprobs ? completions : completions.map(({ logprobs: _, ...c }) => c);
      } catch (err) {
        if (request.signal?.aborted) throw err;
        const failure = err instanceof AttemptError ? err : new AttemptError(String(err), true);
        answered ||= failure.status !== undefined;
        last = `${this.pool.urls[e]}: ${failure.message}`;
        if (!failure.retryable) {
          if (failure.status !== undefined && isPerRequestRejection(failure.status)) {
            throw new RequestRejected(last, failure.status, isContextLengthMessage(failure.message) ? "context_length" : "bad_request");
          }
          throw new RlvdError("BACKEND", last);
        }
        this.pool.failed(e);
        if (attempt + 1 < this.policy.maxAttempts) await sleep(backoffDelay(attempt, this.policy, this.random, failure.retryAfterMs));
      } finally {
        this.pool.release(e, answered);
      }
    }
    throw new RlvdError("BACKEND", `gave up after ${this.policy.maxAttempts} attempts; last error from ${last}`);
  }

  private body(request: GenerateRequest): Record<string, unknown> {
    const { prompt, n, params } = request;
    const chat = prompt.kind === "chat";
    const wantLogprobs = params.logprobs || (n > 1 && this.countBy !== "token_ids");
    return {
      model: this.options.model,
      n,
      ...(chat ? { messages: prompt.messages } : { prompt: prompt.text }),
      ...(params.seed !== undefined ? { seed: params.seed } : {}),
      // the sampled tokens' own log-probs only: chat `top_logprobs: 0`, completions `logprobs: 0`
      ...(wantLogprobs ? (chat ? { logprobs: true, top_logprobs: 0 } : { logprobs: 0 }) : {}),
      ...(n > 1 && this.countBy !== "logprobs" ? { return_token_ids: true } : {}),
      ...this.samplingRecord(params),
    };
  }

  private async attempt(e: number, url: string, body: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    this.running[e]!.add(controller);
    this.startWatchdog();
    let answer;
    try {
      answer = await this.poster.post(url, body, {
        timeoutMs: this.options.timeoutMs ?? 600_000,
        connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000,
        firstByteTimeoutMs: this.options.firstByteTimeoutMs,
        headers: this.headers(),
        signal: controller.signal,
      });
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      const x = err as { code?: string; message?: string };
      const described = x.code === "ETIMEDOUT" || x.code === "ESILENT";
      throw new AttemptError(described ? (x.message ?? x.code!) : (x.code ?? x.message ?? String(err)), true);
    } finally {
      signal?.removeEventListener("abort", onAbort);
      this.running[e]!.delete(controller);
    }
    if (answer.status < 200 || answer.status >= 300) {
      const retryAfter = Number(answer.headers["retry-after"]);
      const text = answer.body;
      throw new AttemptError(
        `HTTP ${answer.status}${text ? `: ${text.slice(0, 300).replace(/\s+/g, " ")}` : ""}`,
        isRetryableStatus(answer.status),
        Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
        answer.status,
      );
    }
    return answer.body;
  }

  private headers(): Record<string, string> | undefined {
    return this.options.apiKey ? { authorization: `Bearer ${this.options.apiKey}` } : undefined;
  }

  /**
   * While requests are in flight, checks every few seconds for endpoints that have been silent for
   * `silentAfterMs`; such an endpoint is asked GET /models (any OpenAI-compatible server answers it at once,
   * however busy). When that fails too the server is hung: its requests are abandoned, to be retried elsewhere.
   */
  private startWatchdog(): void {
    if (this.watchdog) return;
    const every = Math.max(50, Math.min(5_000, this.silentAfter / 4));
    this.watchdog = setInterval(() => {
      if (this.running.every((s) => s.size === 0)) {
        clearInterval(this.watchdog!);
        this.watchdog = null;
        return;
      }
      for (const s of this.pool.silent(this.silentAfter)) {
        if (this.probing[s.endpoint]) continue;
        this.probing[s.endpoint] = true;
        const probeMs = Math.min(10_000, this.silentAfter);
        this.poster
          .get(`${s.url}/models`, { timeoutMs: probeMs, connectTimeoutMs: probeMs, headers: this.headers() })
          .then(
            (a) => (a.status >= 500 ? `health check answered HTTP ${a.status}` : null),
            (err: { code?: string; message?: string }) => `health check failed: ${err.message ?? err.code}`,
          )
          .then((problem) => {
            this.probing[s.endpoint] = false;
            if (problem === null) return;
            const reason = Object.assign(new Error(`endpoint silent for ${Math.round(s.ms / 1000)} s and its ${problem}`), { code: "ESILENT" });
            for (const c of this.running[s.endpoint]!) c.abort(reason);
          });
      }
    }, every);
    this.watchdog.unref();
  }

  async close(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    this.poster.close();
  }
}

/**
 * Reads an OpenAI completions/chat answer; anything else is a (retryable) garbage answer.
 *
 * Chat choices (vllm/entrypoints/openai/chat_completion/protocol.py, ChatMessage): `content` may be null —
 * vLLM's reasoning parser puts everything in `reasoning` when a `<think>` block is cut off by max_tokens —
 * and the reasoning arrives as `reasoning_content` (vLLM up to v0.10, DeepSeek's API) or `reasoning` (later
 * vLLM). The stored text is the model's whole output again, `<think>REASONING</think>CONTENT` (no closing tag
 * when the reasoning never ended), so samples from servers with and without a reasoning parser read alike.
 *
 * Token counts: a choice's `token_ids` (vLLM `return_token_ids`) or its log-probs give it exactly; usage's
 * completion_tokens, summed over the n choices, gives the one choice left without a count.
 */
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
  const out: Completion[] = ordered.map((c) => {
    let content: string;
    if (chat) {
      const m = c.message;
      if (m === null || typeof m !== "object") throw new AttemptError(`choice ${c.index} has no message`, true);
      const reasoning = typeof m.reasoning_content === "string" ? m.reasoning_content : typeof m.reasoning === "string" ? m.reasoning : null;
      const body = typeof m.content === "string" ? m.content : null;
      if (m.content != null && body === null) throw new AttemptError(`choice ${c.index}: message.content is neither text nor null`, true);
      content = reasoning === null ? (body ?? "") : `<think>${reasoning}${body === null ? "" : `</think>${body}`}`;
    } else {
      if (c.text != null && typeof c.text !== "string") throw new AttemptError(`choice ${c.index}: text is not a string`, true);
      content = c.text ?? "";
    }
    const logprobs: number[] | undefined = chat ? c.logprobs?.content?.map((t: { logprob: number }) => t.logprob) : c.logprobs?.token_logprobs;
    const n_tokens = Array.isArray(c.token_ids) ? c.token_ids.length : Array.isArray(logprobs) ? logprobs.length : null;
    return {
      text: content,
      finish_reason: typeof c.finish_reason === "string" ? c.finish_reason : null,
      n_tokens,
      ...(Array.isArray(logprobs) ? { logprobs } : {}),
    };
  });
  const usage = json.usage?.completion_tokens;
  const unknown = out.filter((c) => c.n_tokens === null);
  if (typeof usage === "number" && unknown.length === 1) {
    const rest = usage - out.reduce((s, c) => s + (c.n_tokens ?? 0), 0);
    if (rest >= 0) unknown[0]!.n_tokens = rest;
  }
  return out;
}

function hasTokenIds(answer: string): boolean {
  try {
    const choices = (JSON.parse(answer) as { choices: Array<{ token_ids?: unknown }> }).choices;
    return choices.every((c) => Array.isArray(c.token_ids));
  } catch {
    return false;
  }
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
