/**
 * A worker_threads pool for verification with a hard per-item time limit: an item still running at its
 * deadline has its worker terminated and replaced, and comes back as status "timeout"; the other items go
 * on. Each worker also has a bounded heap (resourceLimits), so pathological input cannot exhaust memory.
 *
 *   verifyBatch(items, { workers, timeoutMs })  all items, results in input order
 *   new VerifierPool(options)                    a long-lived pool (reward server), .verify() / .close()
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import type { VerifyOptions, VerifyResult } from "./verify.js";
import { DEFAULT_VERIFY_OPTIONS } from "./verify.js";
import type { WorkerRequest } from "./worker.js";

export type VerifyItem = { gold: string; pred: string };

export type PoolOptions = VerifyOptions & {
  /** Worker threads (default: all cores). */
  workers?: number;
  /** Heap limit per worker in MB (default 512). */
  maxHeapMb?: number;
  /** Extra time past timeoutMs before a worker is killed, in ms (default 250): the in-worker cooperative
   * limit answers first whenever it can, so a kill means the worker was truly stuck. */
  killGraceMs?: number;
};

type Job = { id: number; item: VerifyItem; resolve: (r: VerifyResult) => void };
/** ready: the worker has loaded and said so; the clock of an item only starts on a ready worker. */
type Slot = { worker: Worker; job: Job | null; timer: NodeJS.Timeout | null; ready: boolean };

/**
 * The worker entry: worker.js beside this file in dist/; under vitest or tsx (this file is worker.ts's
 * sibling .ts source) a tiny bootstrap registers tsx in the worker and imports worker.ts. Node 20 ignores
 * `--import` in a worker's execArgv, so the loader is registered from inside the worker instead.
 */
function spawnWorker(maxHeapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: maxHeapMb };
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./worker.js", here), { resourceLimits });
  const source = new URL("./worker.ts", here).href;
  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, resourceLimits });
}

function failed(status: "timeout" | "parse_error", error: string): VerifyResult {
  const side = { extracted: null, normalized: null, parsed: null };
  return { correct: false, status, extracted: null, pred: side, gold: side, error };
}

export class VerifierPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private readonly options: Required<VerifyOptions>;
  private nextId = 0;
  private closed = false;
  private readonly size: number;
  private readonly maxHeapMb: number;
  private readonly killGraceMs: number;
  /** Workers terminated for running past their deadline. */
  killed = 0;

  constructor(options: PoolOptions = {}) {
    const { workers, maxHeapMb, killGraceMs, ...verifyOptions } = options;
    this.options = { ...DEFAULT_VERIFY_OPTIONS, ...verifyOptions };
    this.size = Math.max(1, Math.floor(workers ?? availableParallelism()));
    this.maxHeapMb = maxHeapMb ?? 512;
    this.killGraceMs = killGraceMs ?? 250;
    for (let k = 0; k < this.size; k++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = spawnWorker(this.maxHeapMb);
    const slot: Slot = { worker, job: null, timer: null, ready: false };
    worker.on("message", (msg: { id: number; result: VerifyResult } | { ready: true }) => {
      if ("ready" in msg) {
        slot.ready = true;
        this.pump();
        return;
      }
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      this.finish(slot, msg.result);
    });
    const onDeath = (why: string) => {
      if (this.closed) return;
      const job = slot.job;
      if (slot.timer) clearTimeout(slot.timer);
      slot.timer = null;
      slot.job = null;
      this.replace(slot);
      if (job) job.resolve(failed("parse_error", `verifier worker died: ${why}`));
      this.pump();
    };
    worker.on("error", (e) => onDeath(e instanceof Error ? e.message : String(e)));
    worker.on("exit", (code) => {
      if (this.slots.includes(slot)) onDeath(`exit ${code}`);
    });
    if (this.queue.length === 0) worker.unref();
    return slot;
  }

  private replace(slot: Slot): void {
    const k = this.slots.indexOf(slot);
    if (k < 0) return;
    this.slots[k] = this.spawn();
  }

  private finish(slot: Slot, result: VerifyResult): void {
    const job = slot.job!;
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.job = null;
    job.resolve(result);
    this.pump();
  }

  private pump(): void {
    for (const slot of this.slots) {
      if (slot.job || !slot.ready || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.job = job;
      const req: WorkerRequest = { id: job.id, gold: job.item.gold, pred: job.item.pred, options: this.options };
      slot.worker.ref();
      slot.worker.postMessage(req);
      slot.timer = setTimeout(() => {
        // Stuck past the deadline: kill it, replace it, report a timeout.
        if (slot.job !== job) return;
        slot.job = null;
        slot.timer = null;
        this.killed++;
        const k = this.slots.indexOf(slot);
        if (k >= 0) this.slots[k] = this.spawn();
        void slot.worker.terminate();
        job.resolve(failed("timeout", `no verdict within ${this.options.timeoutMs} ms; worker terminated`));
        this.pump();
      }, this.options.timeoutMs + this.killGraceMs);
    }
    // Idle workers must not keep the process alive; starting ones stay referenced while work is queued.
    for (const slot of this.slots) if (!slot.job && (slot.ready || this.queue.length === 0)) slot.worker.unref();
  }

  /** Verifies one item on the pool. Never rejects. */
  verify(gold: string, pred: string): Promise<VerifyResult> {
    if (this.closed) return Promise.resolve(failed("parse_error", "verifier pool is closed"));
    return new Promise((resolve) => {
      this.queue.push({ id: this.nextId++, item: { gold: String(gold ?? ""), pred: String(pred ?? "") }, resolve });
      for (const slot of this.slots) if (!slot.ready) slot.worker.ref();
      this.pump();
    });
  }

  /** Stops every worker; pending items resolve as errors. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.resolve(failed("parse_error", "verifier pool closed"));
    const slots = this.slots.splice(0);
    for (const s of slots) {
      if (s.timer) clearTimeout(s.timer);
      if (s.job) s.job.resolve(failed("parse_error", "verifier pool closed"));
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

/**
 * Verifies every item on a pool of worker threads (default: one per core), each under a hard time limit
 * (timeoutMs, default 2000). Results come back in input order; never rejects.
 */
export async function verifyBatch(items: readonly VerifyItem[], options: PoolOptions = {}): Promise<VerifyResult[]> {
  if (items.length === 0) return [];
  const pool = new VerifierPool({ ...options, workers: Math.min(options.workers ?? availableParallelism(), items.length) });
  try {
    return await Promise.all(items.map((it) => pool.verify(it.gold, it.pred)));
  } finally {
    await pool.close();
  }
}
