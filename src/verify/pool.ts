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
/**
 * jobs: sent to this worker and not answered yet, in the order the worker runs them; the clock (timer) is
 * always that of jobs[0]. ready: the worker has loaded and said so.
 */
type Slot = { worker: Worker; jobs: Job[]; timer: NodeJS.Timeout | null; ready: boolean };

/** Items per message: fewer messages for the main thread, while each item keeps its own clock. */
const CHUNK = 8;

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
    const slot: Slot = { worker, jobs: [], timer: null, ready: false };
    worker.on("message", (msg: { id: number; result: VerifyResult } | { ready: true }) => {
      if ("ready" in msg) {
        slot.ready = true;
        this.pump();
        return;
      }
      const job = slot.jobs[0];
      if (!job || job.id !== msg.id) return;
      slot.jobs.shift();
      job.resolve(msg.result);
      this.startClock(slot);
      if (slot.jobs.length === 0) this.pump();
    });
    const onDeath = (why: string) => {
      if (this.closed || !this.slots.includes(slot)) return;
      const [job, ...rest] = slot.jobs;
      this.retire(slot, rest);
      if (job) job.resolve(failed("parse_error", `verifier worker died: ${why}`));
      this.pump();
    };
    worker.on("error", (e) => onDeath(e instanceof Error ? e.message : String(e)));
    worker.on("exit", (code) => onDeath(`exit ${code}`));
    if (this.queue.length === 0) worker.unref();
    return slot;
  }

  /** Replaces a slot's worker with a fresh one; its unanswered jobs go back to the front of the queue. */
  private retire(slot: Slot, requeue: Job[]): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.jobs = [];
    this.queue.unshift(...requeue);
    const k = this.slots.indexOf(slot);
    if (k >= 0) this.slots[k] = this.spawn();
    void slot.worker.terminate();
  }

  /** Starts the clock of the slot's current job: past timeoutMs + grace the worker is stuck, and is killed. */
  private startClock(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    const job = slot.jobs[0];
    if (!job) return;
    slot.timer = setTimeout(() => {
      if (slot.jobs[0] !== job) return;
      this.killed++;
      this.retire(slot, slot.jobs.slice(1));
      job.resolve(failed("timeout", `no verdict within ${this.options.timeoutMs} ms; worker terminated`));
      this.pump();
    }, this.options.timeoutMs + this.killGraceMs);
  }

  private pump(): void {
    const idle = this.slots.filter((s) => s.ready && s.jobs.length === 0).length;
    for (const slot of this.slots) {
      if (slot.jobs.length > 0 || !slot.ready || this.queue.length === 0) continue;
      const n = Math.max(1, Math.min(CHUNK, Math.ceil(this.queue.length / Math.max(1, idle))));
      slot.jobs = this.queue.splice(0, n);
      const req: WorkerRequest = { items: slot.jobs.map((j) => ({ id: j.id, gold: j.item.gold, pred: j.item.pred })), options: this.options };
      slot.worker.ref();
      slot.worker.postMessage(req);
      this.startClock(slot);
    }
    // Idle workers must not keep the process alive; starting ones stay referenced while work is queued.
    for (const slot of this.slots) if (slot.jobs.length === 0 && (slot.ready || this.queue.length === 0)) slot.worker.unref();
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
      for (const job of s.jobs.splice(0)) job.resolve(failed("parse_error", "verifier pool closed"));
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
