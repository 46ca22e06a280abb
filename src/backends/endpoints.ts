import { RlvdError } from "../core/errors.js";

/**
 * Several endpoints serving the same model (one vLLM server per GPU node). Each endpoint has its own limit of
 * requests in flight (a GPU node keeps its batch full with so many; the limit is per endpoint, so adding nodes
 * adds work in flight instead of spreading a fixed total thinner). A request goes to the healthy endpoint with
 * the most room (ties in turn); an endpoint that fails is skipped for a cooldown that doubles with each
 * consecutive failure, so traffic fails over to the others and comes back when the endpoint recovers. When
 * every endpoint is full the caller waits for a slot.
 */
export class EndpointPool {
  private next = 0;
  private readonly failures: number[];
  private readonly coolUntil: number[];
  private readonly inflight: number[];
  /** when each endpoint last answered (anything, errors included), or started its current busy stretch */
  private readonly heardAt: number[];
  private readonly waiting: Array<() => void> = [];

  constructor(
    readonly urls: readonly string[],
    private readonly baseCooldownMs = 500,
    private readonly maxCooldownMs = 30_000,
    private readonly now: () => number = Date.now,
    /** requests in flight per endpoint */
    readonly perEndpoint = Infinity,
  ) {
    if (urls.length === 0) throw new RlvdError("BAD_ARGUMENT", "an endpoint pool needs at least one URL");
    if (!(perEndpoint >= 1)) throw new RlvdError("BAD_ARGUMENT", `requests per endpoint must be at least 1 (got ${perEndpoint})`);
    this.failures = urls.map(() => 0);
    this.coolUntil = urls.map(() => 0);
    this.inflight = urls.map(() => 0);
    this.heardAt = urls.map(() => 0);
  }

  /** Requests the pool keeps in flight when every endpoint is full. */
  get capacity(): number {
    return this.urls.length * this.perEndpoint;
  }

  /**
   * The endpoint to use next, without taking a slot: the healthy one with the most room (ties in turn), else
   * the cooling one that recovers first. Null when every endpoint is full.
   */
  pick(): number | null {
    const t = this.now();
    let best: number | null = null;
    for (let i = 0; i < this.urls.length; i++) {
      const e = (this.next + i) % this.urls.length;
      if (this.coolUntil[e]! > t || this.inflight[e]! >= this.perEndpoint) continue;
      if (best === null || this.inflight[e]! < this.inflight[best]!) best = e;
    }
    if (best === null) {
      for (let e = 0; e < this.urls.length; e++) {
        if (this.inflight[e]! >= this.perEndpoint) continue;
        if (best === null || this.coolUntil[e]! < this.coolUntil[best]!) best = e;
      }
    }
    if (best !== null) this.next = (best + 1) % this.urls.length;
    return best;
  }

  /** Takes a slot on the endpoint `pick` chooses, waiting while every endpoint is full. */
  async acquire(): Promise<number> {
    for (;;) {
      const e = this.pick();
      if (e !== null) {
        if (this.inflight[e]! === 0) this.heardAt[e] = this.now();
        this.inflight[e]!++;
        return e;
      }
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** Gives back a slot taken with `acquire`; `answered` when the endpoint sent anything at all. */
  release(e: number, answered: boolean): void {
    this.inflight[e]!--;
    if (answered) this.heardAt[e] = this.now();
    this.waiting.shift()?.();
  }

  inFlight(e: number): number {
    return this.inflight[e]!;
  }

  succeeded(e: number): void {
    this.failures[e] = 0;
    this.coolUntil[e] = 0;
  }

  failed(e: number): void {
    this.failures[e]!++;
    this.coolUntil[e] = this.now() + Math.min(this.maxCooldownMs, this.baseCooldownMs * 2 ** (this.failures[e]! - 1));
  }

  healthy(e: number): boolean {
    return this.coolUntil[e]! <= this.now();
  }

  /** Endpoints with requests in flight that have sent nothing for at least `afterMs`, and for how long. */
  silent(afterMs: number): Array<{ endpoint: number; url: string; ms: number }> {
    const t = this.now();
    const out: Array<{ endpoint: number; url: string; ms: number }> = [];
    for (let e = 0; e < this.urls.length; e++) {
      const ms = t - this.heardAt[e]!;
      if (this.inflight[e]! > 0 && ms >= afterMs) out.push({ endpoint: e, url: this.urls[e]!, ms });
    }
    return out;
  }
}
