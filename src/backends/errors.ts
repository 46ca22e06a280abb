import { RlvdError } from "../core/errors.js";

/**
 * A server refused one request for what it asked, not for the state it is in: HTTP 400/413/422, e.g. vLLM's
 * "maximum context length" answer when a question's prompt plus max_tokens do not fit. Retrying or another
 * endpoint cannot help, and other requests (other questions) are unaffected, so a sampling run marks that
 * question failed and carries on. Errors that concern every request (401 wrong key, 404 unknown model) stay
 * plain BACKEND errors that stop the run.
 */
export class RequestRejected extends RlvdError {
  constructor(message: string, readonly status: number, readonly reason: "context_length" | "bad_request") {
    super("BACKEND", message);
    this.name = "RequestRejected";
  }
}

/** HTTP statuses that reject one request's content (see RequestRejected). */
export function isPerRequestRejection(status: number): boolean {
  return status === 400 || status === 413 || status === 422;
}

/**
 * Whether an error body says the prompt does not fit the context. Servers word it differently: OpenAI's
 * `code: "context_length_exceeded"`; vLLM's message "This model's maximum context length is N tokens ..."
 * (vllm/entrypoints/openai/serving_engine.py, v0.6-v0.10) or "... is longer than the maximum model length"
 * (v1 engine processor, v0.8+).
 */
export function isContextLengthMessage(body: string): boolean {
  return /context_length_exceeded|maximum context length|longer than the maximum model length|context length/i.test(body);
}
