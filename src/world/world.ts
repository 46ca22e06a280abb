import { Rng32 } from "./rng.js";
import { FACT_STATUSES, WorldConfigSchema, type FactStatus, type WorldConfig, type WorldConfigInput } from "./config.js";

/**
 * The fact table: op(x, y) for every pair of symbols, a uniformly random symbol, and how the base corpus
 * shows each fact. Statuses are dealt by shuffling, so the shares are exact (up to rounding).
 */
export class World {
  readonly config: WorldConfig;
  readonly symbols: string[];
  /** op[x * A + y] = index of op(x, y) */
  readonly op: Int32Array;
  /** status[x * A + y] */
  readonly status: FactStatus[];
  /** decoy[x * A + y] = the fixed wrong symbol the base corpus shows for the fact (config.misconception) */
  readonly decoy: Int32Array;
  /** heldOut[x * A + y] = 1: an absent fact no training question uses (config.heldOut) */
  readonly heldOut: Uint8Array;

  constructor(input: WorldConfigInput = {}) {
    this.config = WorldConfigSchema.parse(input);
    const a = this.config.alphabet;
    this.symbols = Array.from({ length: a }, (_, i) => String.fromCharCode(65 + i));
    const rng = new Rng32(this.config.seed);
    this.op = Int32Array.from({ length: a * a }, () => rng.int(a));
    const counts = FACT_STATUSES.map((s) => Math.round(this.config.facts[s] * a * a));
    counts[0] = a * a - counts.slice(1).reduce((x, y) => x + y, 0); // rounding goes to "known"
    const statuses: FactStatus[] = FACT_STATUSES.flatMap((s, i) => Array<FactStatus>(counts[i]!).fill(s));
    rng.shuffle(statuses);
    this.status = statuses;
    if (this.config.shortcutAgreement > 0) this.alignWithShortcut();
    // a stream of its own, so worlds without misconceptions keep their tables and corpora
    const decoys = new Rng32((this.config.seed ^ 0x5bd1e995) >>> 0);
    this.decoy = Int32Array.from(this.op, (right) => (right + 1 + decoys.int(a - 1)) % a);
    const absent = statuses.flatMap((s, i) => (s === "absent" ? [i] : []));
    new Rng32((this.config.seed ^ 0x27d4eb2f) >>> 0).shuffle(absent);
    this.heldOut = new Uint8Array(a * a);
    for (const i of absent.slice(0, Math.round(this.config.heldOut * absent.length))) this.heldOut[i] = 1;
  }

  /**
   * Makes round(shortcutAgreement * n) of the n facts the base corpus shows agree with the shortcut rule and
   * the rest disagree, on a stream of its own (statuses, decoys and held-out facts stay as without a
   * shortcut). Absent facts keep their drawn values: the rule is a pattern of what the base has seen, and a
   * chain through a fact nobody showed it is right by the rule only by chance (about 1 in A).
   */
  private alignWithShortcut(): void {
    const a = this.config.alphabet;
    const rng = new Rng32((this.config.seed ^ 0x2c1b3c6d) >>> 0);
    const shown = rng.shuffle(Array.from({ length: a * a }, (_, i) => i)).filter((i) => this.status[i] !== "absent");
    const agreeing = Math.round(this.config.shortcutAgreement * shown.length);
    shown.forEach((i, rank) => {
      const rule = this.shortcut(Math.floor(i / a), i % a);
      if (rank < agreeing) this.op[i] = rule;
      else if (this.op[i] === rule) this.op[i] = (rule + 1 + rng.int(a - 1)) % a;
    });
  }

  /**
   * The shortcut rule: the symbol after the operand (y + 1, wrapping), whatever x is. It needs no memory of
   * the table, so a small model learns it at once (a second 256-entry table, x + y, crowded out the facts).
   */
  shortcut(_x: number, y: number): number {
    return (y + 1) % this.alphabet;
  }

  get alphabet(): number {
    return this.config.alphabet;
  }

  apply(x: number, y: number): number {
    return this.op[x * this.alphabet + y]!;
  }

  decoyOf(x: number, y: number): number {
    return this.decoy[x * this.alphabet + y]!;
  }

  isHeldOut(x: number, y: number): boolean {
    return this.heldOut[x * this.alphabet + y] === 1;
  }

  factStatus(x: number, y: number): FactStatus {
    return this.status[x * this.alphabet + y]!;
  }
}
