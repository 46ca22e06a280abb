/** Retries with exponential backoff and full jitter, for calls to servers that may be busy or briefly down. */

export type RetryPolicy = {
  /** attempts in all, the first included */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
};

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 250, maxDelayMs: 20_000 };

/**
 * Delay before retry number `attempt` (0 = the first retry): uniform in [0, min(max, base * 2^attempt)]
 * ("full jitter"), so many clients that failed together do not retry together. A server's Retry-After wins
 * when it asks for longer.
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random, retryAfterMs?: number): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  const jittered = random() * cap;
  return retryAfterMs !== undefined && retryAfterMs > jittered ? Math.min(retryAfterMs, policy.maxDelayMs) : jittered;
}

/** HTTP statuses worth retrying: timeouts, conflicts of the moment, rate limits, server errors. */
export function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 425 || status === 429 || status >= 500;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
