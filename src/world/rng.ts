import { mulberry32 } from "../core/mulberry32.js";

/** A seeded generator for the world: every question and corpus is reproducible from seeds. */
export class Rng32 {
  readonly next: () => number;
  constructor(seed: number) {
    // the world scrambles its seeds first (world seeds are small integers); kept, so every world stays the same
    this.next = mulberry32(((seed >>> 0) ^ 0x9e3779b9) >>> 0);
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** index i with probability weights[i] / sum */
  weighted(weights: readonly number[]): number {
    const total = weights.reduce((s, w) => s + w, 0);
    let r = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i]!;
      if (r < 0) return i;
    }
    // rounding left r >= 0: the last index that can be drawn at all
    let last = weights.length - 1;
    while (last > 0 && !(weights[last]! > 0)) last--;
    return last;
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}
