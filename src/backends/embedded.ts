import { generate, loadCheckpoint, type Model } from "../engine/index.js";
import { promptAsText } from "./templates.js";
import type { Backend, Completion, GenerateRequest, Prompt } from "./types.js";

export type EmbeddedOptions = {
  /**
   * Decode a request's n samples as a prefix tree (default true): the same distribution as n independent
   * samples, computed once per distinct prefix (engine GenerateOptions.tree).
   */
  tree?: boolean;
};

type Pending = { request: GenerateRequest; resolve: (c: Completion[]) => void; reject: (e: unknown) => void };

/**
 * An embedded checkpoint run in-process by rlvd's engine. Requests that arrive together (the sampler keeps many
 * in flight) are decoded together: one engine call per group of equal sampling settings, so the KV-cache batch
 * is filled across questions, and the n samples of a request are decoded as a prefix tree. Chat prompts are
 * flattened to text.
 */
export class EmbeddedBackend implements Backend {
  readonly description: string;
  private queue: Pending[] = [];
  private scheduled = false;

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

  generate(request: GenerateRequest): Promise<Completion[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.drain());
      }
    });
  }

  private drain(): void {
    this.scheduled = false;
    const pending = this.queue;
    this.queue = [];
    const groups = new Map<string, Pending[]>();
    for (const p of pending) {
      const { n, params } = p.request;
      const key = JSON.stringify([n, params.temperature, params.top_p, params.top_k, params.max_tokens, params.stop ?? []]);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = []));
      g.push(p);
    }
    for (const group of groups.values()) {
      const { n, params } = group[0]!.request;
      try {
        const out = generate(this.model, group.map((p) => promptAsText(p.request.prompt)), {
          n, temperature: params.temperature, topP: params.top_p, topK: params.top_k > 0 ? params.top_k : undefined,
          maxTokens: params.max_tokens, stop: params.stop, seeds: group.map((p) => p.request.params.seed ?? 0),
          tree: this.options.tree ?? true,
        });
        const byPrompt: Completion[][] = group.map(() => []);
        for (const c of out) {
          byPrompt[c.prompt]![c.sample] = {
            text: c.text,
            finish_reason: c.finishReason,
            n_tokens: c.tokens.length,
            ...(params.logprobs ? { logprobs: c.logprobs, tokens: c.tokens.map((t) => this.model.tokenizer?.decode([t], { keepSpecial: true }) ?? String(t)) } : {}),
          };
        }
        group.forEach((p, i) => p.resolve(byPrompt[i]!));
      } catch (e) {
        for (const p of group) p.reject(e);
      }
    }
  }

  promptTokens(prompt: Prompt): number {
    return this.model.tokenizer?.encode(promptAsText(prompt), { bos: true }).length ?? 0;
  }

  async close(): Promise<void> {}
}
