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
  /**
   * The penalties and cut-offs the study holds neutral. Left out, a vLLM server fills each from the model's
   * generation_config.json (request value, else server default, else OpenAI default: vllm/entrypoints/openai/
   * chat_completion/protocol.py, ChatCompletionRequest.to_sampling_params), so two models would be sampled
   * differently; the OpenAI backend therefore always sends them, with these neutral values when unset.
   */
  min_p?: number;
  repetition_penalty?: number;
  presence_penalty?: number;
  frequency_penalty?: number;
  /** further request fields sent as given (`--sampling-extra`), e.g. {"min_tokens": 4} */
  extra?: Record<string, unknown>;
};

/** The neutral values of the fields vLLM would otherwise take from generation_config (see SamplingParams). */
export const NEUTRAL_SAMPLING = { min_p: 0, repetition_penalty: 1, presence_penalty: 0, frequency_penalty: 0 } as const;

export type Completion = {
  text: string;
  /** "stop" (stop string/token or end of sequence), "length" (max_tokens), or the server's word */
  finish_reason: string | null;
  n_tokens: number | null;
  logprobs?: number[];
  /** the sampled tokens as text, one per log-prob (when the backend knows them) */
  tokens?: string[];
  /** the sampled token ids (embedded backends) */
  token_ids?: number[];
};


export type GenerateRequest = {
  prompt: Prompt;
  n: number;
  params: SamplingParams;
  /** stops the request (the promise rejects with the signal's reason), e.g. when a client hangs up */
  signal?: AbortSignal;
  /**
   * Receives choice `index`'s text so far as it is decoded, where the backend can stream (embedded). The text
   * only grows; the completion's final text is the last word.
   */
  onText?: (index: number, textSoFar: string) => void;
  /** the prompt as token ids, as a client sent them (backends with `acceptsTokenIds` use these instead of `prompt`) */
  promptIds?: readonly number[];
};

export interface Backend {
  /** e.g. "openai:Qwen2.5-Math-1.5B@http://gpu1:8000/v1" */
  readonly description: string;
  /** n completions of one prompt; throws BackendError when it cannot */
  generate(request: GenerateRequest): Promise<Completion[]>;
  /** number of tokens in a prompt, when the backend can count them (for usage reports) */
  promptTokens?(prompt: Prompt): number;
  /** whether GenerateRequest.promptIds is honoured */
  readonly acceptsTokenIds?: boolean;
  /** most tokens of prompt plus completion (the context), when the backend knows it */
  readonly contextLength?: number;
  /** requests worth keeping in flight at once, all endpoints together (the sampler's default concurrency) */
  readonly capacity?: number;
  /** the exact sampling fields a request with these params sends (recorded per model in the store) */
  samplingRecord?(params: SamplingParams): Record<string, unknown>;
  /** endpoints that have requests in flight but sent nothing for a while, e.g. "http://gpu3:8000/v1 silent 95 s" */
  silentEndpoints?(): string[];
  close(): Promise<void>;
}

/** The study's evaluation sampling settings (PAPER.md): temperature 0.9, top-p 1.0, top-k 50. */
export const STUDY_SAMPLING: SamplingParams = { temperature: 0.9, top_p: 1.0, top_k: 50, max_tokens: 1024, ...NEUTRAL_SAMPLING };
