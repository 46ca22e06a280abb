import { EmbeddedBackend } from "./embedded.js";
import { OpenAIBackend } from "./openai.js";
import type { ModelSpec } from "./spec.js";
import type { Backend } from "./types.js";

/** The variable rlvd's own servers (`rlvd serve --api-key`) read their key from; clients fall back to it. */
const RLVD_KEY_ENV = "RLVD_API_KEY";

export type BackendOptions = {
  /** the API key itself (else read from apiKeyEnv, else from $RLVD_API_KEY) */
  apiKey?: string;
  /** environment variable holding the API key for openai: specs (default OPENAI_API_KEY) */
  apiKeyEnv?: string;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  firstByteTimeoutMs?: number;
  silentAfterMs?: number;
  maxAttempts?: number;
  /** requests in flight per endpoint */
  concurrency?: number;
  vllmExtras?: boolean;
};

/** Opens the backend a model SPEC names. */
export async function createBackend(spec: ModelSpec, options: BackendOptions = {}): Promise<Backend> {
  if (spec.kind === "openai") {
    return new OpenAIBackend({
      model: spec.model,
      urls: spec.urls,
      apiKey: options.apiKey || process.env[options.apiKeyEnv ?? "OPENAI_API_KEY"] || process.env[RLVD_KEY_ENV] || undefined,
      timeoutMs: options.timeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      firstByteTimeoutMs: options.firstByteTimeoutMs,
      silentAfterMs: options.silentAfterMs,
      retry: options.maxAttempts ? { maxAttempts: options.maxAttempts } : undefined,
      concurrency: options.concurrency,
      vllmExtras: options.vllmExtras,
    });
  }
  return EmbeddedBackend.open(spec.checkpoint);
}
