import { encodePrompt, generateAsync, loadCheckpoint, type Model } from "../engine/index.js";
import { RequestRejected } from "./errors.js";
import { promptAsText } from "./templates.js";
import type { Backend, Completion, GenerateRequest, Prompt } from "./types.js";

export type EmbeddedOptions = {
  /**
   * Decode a request's n samples as a prefix tree (default true): the same distribution as n independent
   * samples, computed once per distinct prefix (engine GenerateOptions.tree).
   */
  tree?: boolean;
  /**
   * Engine calls decoding at once (default 1). Requests that arrive together share one call. A server wants
   * 2: a small request then starts while a big one decodes instead of waiting for it to finish (a sampler
   * wants 1, so that its requests keep landing in one full batch).
   */
  lanes?: number;
};

type Pending = { request: GenerateRequest; ids: number[]; resolve: (c: Completion[]) => void; reject: (e: unknown) => void; settled: boolean };

/** vLLM's wording for a prompt that leaves no room to generate (serving_engine.py, v0.6-v0.10), so clients that match it work. */
export function contextLengthMessage(context: number, promptTokens: number, maxTokens: number | undefined): string {
  const asked = maxTokens === undefined ? `your prompt has ${promptTokens} tokens` : `you requested ${promptTokens + maxTokens} tokens (${promptTokens} in the messages, ${maxTokens} in the completion)`;
  return `This model's maximum context length is ${context} tokens. However, ${asked}. Please reduce the length of the messages or completion.`;
}

/**
 * An embedded checkpoint run in-process by rlvd's engine. Requests that arrive together (the sampler keeps many
 * in flight) are decoded together: one engine call per group of equal sampling settings, so the KV-cache batch
 * is filled across questions, and the n samples of a request are decoded as a prefix tree. Chat prompts are
 * flattened to text.
 *
 * Requests are isolated: a prompt that does not fit the context is refused alone (RequestRejected) before it
 * joins a group, and a group that fails anyway is retried one request at a time, so only the culprit fails.
 * Decoding gives the event loop a turn every few milliseconds (a server keeps answering /health and new
 * requests during a big one), and a request whose signal aborts is dropped: rejected at once, and its group
 * stops when every member has gone.
 */
export class EmbeddedBackend implements Backend {
  readonly description: string;
  readonly acceptsTokenIds = true;
  private queue: Pending[] = [];
  private scheduled = false;
  private active = 0;

  private constructor(readonly model: Model, checkpoint: string, private readonly options: EmbeddedOptions) {
    this.description = `embedded:${checkpoint}`;
  }

  static async open(checkpoint: string, options: EmbeddedOptions = {}): Promise<EmbeddedBackend> {
    return new EmbeddedBackend(await loadCheckpoint(checkpoint), checkpoint, options);
  }

  /** Wraps a model already in memory (trainers sample from the policy they are training). */
  static fromModel(model: Model, description = "embedded:(in memory)", options: EmbeddedOptions = {}): EmbeddedBackend {
    const b = new EmbeddedBackend(model, "", options);
    (b as { description: string }).description = description;
    return b;
  }

  get contextLength(): number {
    return this.model.config.context;
  }

  generate(request: GenerateRequest): Promise<Completion[]> {
    return new Promise((resolve, reject) => {
      let ids: number[];
      try {
        ids = request.promptIds ? [...request.promptIds] : encodePrompt(this.model, promptAsText(request.prompt));
      } catch (e) {
        return reject(new RequestRejected(e instanceof Error ? e.message : String(e), 400, "bad_request"));
      }
      const context = this.model.config.context;
      if (ids.length >= context) return reject(new RequestRejected(contextLengthMessage(context, ids.length, undefined), 400, "context_length"));
      const vocab = this.model.config.vocabSize;
      const bad = ids.find((t) => !(Number.isInteger(t) && t >= 0 && t < vocab));
      if (bad !== undefined) return reject(new RequestRejected(`prompt token ${bad} is outside the vocabulary (0..${vocab - 1})`, 400, "bad_request"));
      if (request.signal?.aborted) return reject(request.signal.reason);
      const p: Pending = { request, ids, resolve, reject, settled: false };
      request.signal?.addEventListener("abort", () => settle(p, () => reject(request.signal!.reason)), { once: true });
      this.queue.push(p);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.queue.length === 0 || this.active >= (this.options.lanes ?? 1)) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.drain();
    });
  }

  /** Starts one engine call per group of equal settings among the requests queued now. */
  private drain(): void {
    const pending = this.queue.filter((p) => !p.settled);
    this.queue = [];
    const groups = new Map<string, Pending[]>();
    for (const p of pending) {
      const { n, params } = p.request;
      // streamed requests decode apart from the rest: independently (not as a tree), so each sample's text exists as it grows
      const key = JSON.stringify([n, params.temperature, params.top_p, params.top_k, params.max_tokens, params.stop ?? [], Boolean(params.logprobs), Boolean(p.request.onText)]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(p);
    }
    this.active++;
    (async () => {
      for (const group of groups.values()) await this.runIsolated(group);
    })().finally(() => {
      this.active--;
      this.schedule();
    });
    this.schedule(); // a second lane for what arrives meanwhile
  }

  /** Runs a group; when it fails as a whole, runs each member alone so that only the failing one is rejected. */
  private async runIsolated(group: Pending[]): Promise<void> {
    try {
      await this.run(group);
    } catch (e) {
      if (group.length === 1) return settle(group[0]!, () => group[0]!.reject(e));
      for (const p of group) {
        try {
          await this.run([p]);
        } catch (e1) {
          settle(p, () => p.reject(e1));
        }
      }
    }
  }

  private async run(group: Pending[]): Promise<void> {
    const live = group.filter((p) => !p.settled);
    if (live.length === 0) return;
    const { n, params } = live[0]!.request;
    // stop the engine call once every member has gone (a member without a signal never goes)
    const stop = new AbortController();
    const onGone = () => {
      if (live.every((p) => p.settled)) stop.abort(new Error("every request of the batch was cancelled"));
    };
    for (const p of live) p.request.signal?.addEventListener("abort", onGone, { once: true });
    let out;
    try {
      out = await generateAsync(this.model, live.map((p) => p.ids), {
        n, temperature: params.temperature, topP: params.top_p, topK: params.top_k > 0 ? params.top_k : undefined,
        maxTokens: params.max_tokens, stop: params.stop, seeds: live.map((p) => p.request.params.seed ?? 0),
        // log-probs only when asked for: the tokens drawn are the same either way
        logprobs: Boolean(params.logprobs),
        signal: stop.signal,
        ...(live.some((p) => p.request.onText)
          ? { tree: false, onText: (prompt: number, sample: number, text: string) => live[prompt]!.request.onText?.(sample, text) }
          : { tree: this.options.tree ?? true }),
      });
    } catch (e) {
      if (stop.signal.aborted) return;
      throw e;
    } finally {
      for (const p of live) p.request.signal?.removeEventListener("abort", onGone);
    }
    const byPrompt: Completion[][] = live.map(() => []);
    for (const c of out) {
      byPrompt[c.prompt]![c.sample] = {
        text: c.text,
        finish_reason: c.finishReason,
        n_tokens: c.tokens.length,
        token_ids: c.tokens,
        ...(params.logprobs ? { logprobs: c.logprobs, tokens: c.tokens.map((t) => this.model.tokenizer?.decode([t], { keepSpecial: true }) ?? String(t)) } : {}),
      };
    }
    live.forEach((p, i) => settle(p, () => p.resolve(byPrompt[i]!)));
  }

  promptTokens(prompt: Prompt): number {
    return this.model.tokenizer?.encode(promptAsText(prompt), { bos: true }).length ?? 0;
  }

  async close(): Promise<void> {}
}

function settle(p: Pending, fn: () => void): void {
  if (p.settled) return;
  p.settled = true;
  fn();
}
