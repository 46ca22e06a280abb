/**
 * Worker-thread entry of the verifier pool (pool.ts): verifies each item of a message in turn and
 * posts each result as soon as it is ready.
 * Runs compiled from dist/ (worker.js) or, under vitest/tsx, from source (pool.ts boots it through tsx).
 */
import { parentPort } from "node:worker_threads";
import { verify, type VerifyOptions } from "./verify.js";

/** A chunk of items; each result is posted as soon as it is ready, so the pool can time each item. */
export type WorkerRequest = { items: { id: number; gold: string; pred: string }[]; options: VerifyOptions };

parentPort?.on("message", (msg: WorkerRequest) => {
  for (const item of msg.items) {
    const result = verify(item.gold, item.pred, msg.options);
    parentPort!.postMessage({ id: item.id, result });
  }
});
parentPort?.postMessage({ ready: true });
