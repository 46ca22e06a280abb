/**
 * Several endpoints serving the same model (one vLLM server per GPU node). Requests go round-robin to healthy
 * endpoints; an endpoint that fails is skipped for a cooldown that doubles with each consecutive failure, so
 * traffic fails over to the others and comes back when the endpoint recovers.
 */
export class EndpointPool {
  private next = 0;
  private readonly failures: number[];
  private readonly coolUntil: number[];

  constructor(
    readonly urls: readonly string[],
    private readonly baseCooldownMs = 500,
    private readonly maxCooldownMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {
    if (urls.length === 0) throw new RangeError("an endpoint pool needs at least one URL");
    this.failures = urls.map(() => 0);
    this.coolUntil = urls.map(() => 0);
  }

  /** The index of the endpoint to use next: the next healthy one in turn, else the one that recovers first. */
  pick(): number {
    const t = this.now();
    for (let i = 0; i < this.urls.length; i++) {
      const e = (this.next + i) % this.urls.length;
      if (this.coolUntil[e]! <= t) {
        this.next = (e + 1) % this.urls.length;
        return e;
      }
    }
    let best = 0;
    for (let e = 1; e < this.urls.length; e++) if (this.coolUntil[e]! < this.coolUntil[best]!) best = e;
    return best;
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
}
