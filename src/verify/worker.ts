/**
 * Worker-thread entry of the verifier pool (pool.ts). Verifies the items of each message in turn; before each
 * it writes the item's id and start time to the shared clock the pool's watchdog reads, and it sends results
 * back in batches (every 16 items or 20 ms, and at the end of a chunk).
 * Runs compiled from dist/ (worker.js) or, under vitest/tsx, from source (pool.ts boots it through tsx).
 */
import { parentPort, workerData } from "node:worker_threads";
import { verify, type VerifyOptions, type VerifyResult } from "./verify.js";

export type WorkerRequest = { items: { id: number; gold: string; pred: string }[]; options: VerifyOptions };
export type WorkerReply = { ready: true } | { results: { id: number; result: VerifyResult }[] };

const clock = (workerData as { clock?: Float64Array } | null)?.clock ?? new Float64Array(2);

parentPort?.on("message", (msg: WorkerRequest) => {
  let batch: { id: number; result: VerifyResult }[] = [];
  let sent = Date.now();
  for (const item of msg.items) {
    clock[1] = Date.now();
    clock[0] = item.id;
    batch.push({ id: item.id, result: verify(item.gold, item.pred, msg.options) });
    if (batch.length >= 16 || Date.now() - sent > 20) {
      parentPort!.postMessage({ results: batch } satisfies WorkerReply);
      batch = [];
      sent = Date.now();
    }
  }
  clock[0] = -1;
  if (batch.length > 0) parentPort!.postMessage({ results: batch } satisfies WorkerReply);
});
parentPort?.postMessage({ ready: true } satisfies WorkerReply);
