/** What every generation backend (embedded engine, OpenAI-compatible servers) offers the sampler. */

export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };

/** A rendered prompt: plain text for completion endpoints, or chat messages for chat endpoints. */
export type Prompt = { kind: "text"; text: string } | { kind: "chat"; messages: ChatMessage[] };

export type SamplingParams = {
  temperature: number;
  top_p: number;
  /** 0 or -1: no top-k cut */
  top_k: number;
  max_tokens: number;
  stop?: string[];
  /** base seed of the request: completion i of a request is reproducible from (seed, i) where the backend allows */
  seed?: number;
  /** return per-token log-probs of the sampled tokens */
  logprobs?: boolean;
};

export type Completion = {
  text: string;
  /** "stop" (stop string/token or end of sequence), "length" (max_tokens), or the server's word */
  finish_reason: string | null;
  n_tokens: number | null;
  logprobs?: number[];
  /** the sampled tokens as text, one per log-prob (when the backend knows them) */
  tokens?: string[];
};

export type GenerateRequest = { prompt: Prompt; n: number; params: SamplingParams };

export interface Backend {
  /** e.g. "openai:Qwen2.5-Math-1.5B@http://gpu1:8000/v1" */
  readonly description: string;
  /** n completions of one prompt; throws BackendError when it cannot */
  generate(request: GenerateRequest): Promise<Completion[]>;
  /** number of tokens in a prompt, when the backend can count them (for usage reports) */
  promptTokens?(prompt: Prompt): number;
  close(): Promise<void>;
}

/** The study's evaluation sampling settings (PAPER.md): temperature 0.9, top-p 1.0, top-k 50. */
export const STUDY_SAMPLING: SamplingParams = { temperature: 0.9, top_p: 1.0, top_k: 50, max_tokens: 1024 };
