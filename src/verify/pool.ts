/**
 * A worker_threads pool for verification with a hard per-item time limit: an item still running at its
 * deadline has its worker terminated and replaced, and comes back as status "timeout"; the other items go
 * on. Each worker also has a bounded heap (resourceLimits), so pathological input cannot exhaust memory.
 *
 *   verifyBatch(items, { workers, timeoutMs })  all items, results in input order
 *   new VerifierPool(options)                    a long-lived pool (reward server), .verify() / .close()
 *
 * How the clock works without a message per item: each worker publishes, in a small SharedArrayBuffer, the
 * id of the item it is running and when it started; a watchdog on the main thread reads it every few ms and
 * kills a worker whose current item is past timeoutMs + killGraceMs. Items go out in chunks and results
 * come back in batches, so the main thread handles a few messages per hundred items and the workers, not
 * the main thread, use the cores.
 */
import { Worker } from "node:worker_threads";
import { availableParallelism } from "node:os";
import type { VerifyOptions, VerifyResult } from "./verify.js";
import { DEFAULT_VERIFY_OPTIONS } from "./verify.js";
import type { WorkerReply, WorkerRequest } from "./worker.js";

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
 * jobs: sent to this worker and not answered yet, in the order the worker runs them.
 * clock: [id of the item running (-1: none), Date.now() when it started], written by the worker.
 * ready: the worker has loaded and said so.
 */
type Slot = { worker: Worker; jobs: Job[]; clock: Float64Array; ready: boolean };

/** Most items per message; fewer when the queue is short, so every worker gets a share. */
const CHUNK = 32;

/**
 * The worker entry: worker.js beside this file in dist/; under vitest or tsx (this file is worker.ts's
 * sibling .ts source) a tiny bootstrap registers tsx in the worker and imports worker.ts. Node 20 ignores
 * `--import` in a worker's execArgv, so the loader is registered from inside the worker instead.
 */
function spawnWorker(maxHeapMb: number, clock: Float64Array): Worker {
  const options = { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb }, workerData: { clock } };
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL("./worker.js", here), options);
  const source = new URL("./worker.ts", here).href;
  const boot = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { ...options, eval: true });
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
  private watchdog: NodeJS.Timeout | null = null;
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
    const clock = new Float64Array(new SharedArrayBuffer(16));
    clock[0] = -1;
    const worker = spawnWorker(this.maxHeapMb, clock);
    const slot: Slot = { worker, jobs: [], clock, ready: false };
    worker.on("message", (msg: WorkerReply) => {
      if ("ready" in msg) {
        slot.ready = true;
        this.pump();
        return;
      }
      for (const { id, result } of msg.results) {
        const job = slot.jobs[0];
        if (!job || job.id !== id) continue;
        slot.jobs.shift();
        job.resolve(result);
      }
      if (slot.jobs.length < CHUNK) this.pump();
    });
    const onDeath = (why: string) => {
      if (this.closed || !this.slots.includes(slot)) return;
      // the item it was running fails; the rest of its chunk runs again elsewhere
      const running = slot.jobs.find((j) => j.id === slot.clock[0]) ?? slot.jobs[0];
      this.retire(slot, slot.jobs.filter((j) => j !== running));
      running?.resolve(failed("parse_error", `verifier worker died: ${why}`));
      this.pump();
    };
    worker.on("error", (e) => onDeath(e instanceof Error ? e.message : String(e)));
    worker.on("exit", (code) => onDeath(`exit ${code}`));
    if (this.queue.length === 0) worker.unref();
    return slot;
  }

  /** Replaces a slot's worker with a fresh one; `requeue` goes back to the front of the queue. */
  private retire(slot: Slot, requeue: Job[]): void {
    slot.jobs = [];
    this.queue.unshift(...requeue);
    const k = this.slots.indexOf(slot);
    if (k >= 0) this.slots[k] = this.spawn();
    void slot.worker.terminate();
  }

  /** Kills every worker whose current item has run past its deadline. */
  private watch(): void {
    const now = Date.now();
    const limit = this.options.timeoutMs + this.killGraceMs;
    for (const slot of [...this.slots]) {
      if (slot.jobs.length === 0) continue;
      const id = slot.clock[0]!;
      if (id < 0 || now - slot.clock[1]! <= limit) continue;
      const stuck = slot.jobs.find((j) => j.id === id);
      if (!stuck) continue;
      this.killed++;
      // results it had not sent yet are lost with it: those items run again
      this.retire(slot, slot.jobs.filter((j) => j !== stuck));
      stuck.resolve(failed("timeout", `no verdict within ${this.options.timeoutMs} ms; worker terminated`));
    }
    this.pump();
  }

  /**
   * Hands queued items to workers. A worker gets its next chunk while it still works on the current one
   * (up to two chunks in flight), so it never idles waiting for the main thread between chunks.
   */
  private pump(): void {
    const idle = this.slots.filter((s) => s.ready && s.jobs.length < CHUNK).length;
    for (const slot of this.slots) {
      if (slot.jobs.length >= CHUNK || !slot.ready || this.queue.length === 0) continue;
      const n = Math.max(1, Math.min(CHUNK, Math.ceil(this.queue.length / Math.max(1, idle))));
      const chunk = this.queue.splice(0, n);
      slot.jobs.push(...chunk);
      const req: WorkerRequest = { items: chunk.map((j) => ({ id: j.id, gold: j.item.gold, pred: j.item.pred })), options: this.options };
      slot.worker.ref();
      slot.worker.postMessage(req);
    }
    const busy = this.slots.some((s) => s.jobs.length > 0);
    if (busy && !this.watchdog) {
      const every = Math.max(5, Math.min(50, Math.floor(this.options.timeoutMs / 10)));
      this.watchdog = setInterval(() => this.watch(), every);
    } else if (!busy && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = null;
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
      if (this.queue.length === 1) queueMicrotask(() => this.pump()); // one pump for a burst of calls
    });
  }

  /** Stops every worker; pending items resolve as errors. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    for (const job of this.queue.splice(0)) job.resolve(failed("parse_error", "verifier pool closed"));
    const slots = this.slots.splice(0);
    for (const s of slots) for (const job of s.jobs.splice(0)) job.resolve(failed("parse_error", "verifier pool closed"));
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
