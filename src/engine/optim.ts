// AdamW over the flat parameter block (one loop, weight decay on the matrices only), gradient-norm
// clipping, and learning-rate schedules.
import { RlvdError } from "../core/errors.js";
import type { FloatArray } from "./kernels.js";
import type { Model } from "./model.js";

export type AdamWOptions = {
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** decoupled weight decay on embeddings and matrices (not on norm gains) */
  weightDecay?: number;
};

const ADAMW_DEFAULTS = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1 } satisfies Required<AdamWOptions>;

export class AdamW {
  readonly options: Required<AdamWOptions>;
  /** first and second moments, laid out like the parameters */
  readonly m: FloatArray;
  readonly v: FloatArray;
  /** steps taken */
  t = 0;

  constructor(readonly model: Model, options: AdamWOptions = {}) {
    this.options = { ...ADAMW_DEFAULTS, ...options };
    this.m = model.kernels.alloc(model.layout.total);
    this.v = model.kernels.alloc(model.layout.total);
  }

  /** One update with learning rate lr from the gradients in model.grads (which it leaves as they are). */
  step(lr: number): void {
    if (!Number.isFinite(lr) || lr < 0) throw new RlvdError("BAD_ARGUMENT", `learning rate must be a finite number >= 0 (got ${lr})`);
    const { beta1, beta2, eps, weightDecay } = this.options;
    const m = this.model;
    this.t++;
    m.kernels.adamw(m.params, m.grads, this.m, this.v, m.layout.total, m.layout.nDecay, lr, beta1, beta2, eps, weightDecay, this.t);
    m.step++;
    m.paramsChanged();
  }

  dispose(): void {
    this.model.kernels.free(this.m);
    this.model.kernels.free(this.v);
  }
}

/** L2 norm of all gradients. */
export function gradNorm(model: Model): number {
  return Math.sqrt(model.kernels.sumSquares(model.grads, model.layout.total));
}

/** Scales the gradients so their global L2 norm is at most maxNorm; returns the norm before clipping. */
export function clipGradNorm(model: Model, maxNorm: number): number {
  const norm = gradNorm(model);
  if (norm > maxNorm && norm > 0) model.kernels.scale(model.grads, model.layout.total, maxNorm / norm);
  return norm;
}

export type LrSchedule = {
  /** peak learning rate */
  lr: number;
  /** linear warmup from lr/warmup to lr over this many steps */
  warmup?: number;
  /** "constant" after warmup, or "cosine" decay to minLr at `steps` */
  shape?: "constant" | "cosine";
  /** total steps (needed for cosine) */
  steps?: number;
  /** floor of the cosine decay; default lr / 10 */
  minLr?: number;
};

/** Learning rate at optimizer step `step` (0-based). */
export function getLr(s: LrSchedule, step: number): number {
  const warmup = s.warmup ?? 0;
  if (step < warmup) return (s.lr * (step + 1)) / warmup;
  if ((s.shape ?? "constant") === "constant") return s.lr;
  const total = s.steps;
  if (total === undefined || total <= warmup) throw new RlvdError("BAD_ARGUMENT", "a cosine schedule needs steps > warmup");
  const minLr = s.minLr ?? s.lr / 10;
  const progress = Math.min(1, (step - warmup) / (total - warmup));
  return minLr + 0.5 * (s.lr - minLr) * (1 + Math.cos(Math.PI * progress));
}
