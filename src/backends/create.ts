import { EmbeddedBackend } from "./embedded.js";
import { OpenAIBackend } from "./openai.js";
import type { ModelSpec } from "./spec.js";
import type { Backend } from "./types.js";

export type BackendOptions = {
  /** environment variable holding the API key for openai: specs (default OPENAI_API_KEY) */
  apiKeyEnv?: string;
  timeoutMs?: number;
  maxAttempts?: number;
  vllmExtras?: boolean;
};

/** Opens the backend a model SPEC names. */
export async function createBackend(spec: ModelSpec, options: BackendOptions = {}): Promise<Backend> {
  if (spec.kind === "openai") {
    return new OpenAIBackend({
      model: spec.model,
      urls: spec.urls,
      apiKey: process.env[options.apiKeyEnv ?? "OPENAI_API_KEY"],
      timeoutMs: options.timeoutMs,
      retry: options.maxAttempts ? { maxAttempts: options.maxAttempts } : undefined,
      vllmExtras: options.vllmExtras,
    });
  }
  return EmbeddedBackend.open(spec.checkpoint);
}
