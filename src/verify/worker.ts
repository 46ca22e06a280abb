/**
 * Worker-thread entry of the verifier pool (pool.ts): verifies one item per message and posts the result.
 * Runs compiled from dist/ (worker.js) or, under vitest/tsx, from source (worker.ts with --import tsx).
 */
import { parentPort } from "node:worker_threads";
import { verify, type VerifyOptions } from "./verify.js";

export type WorkerRequest = { id: number; gold: string; pred: string; options: VerifyOptions };

parentPort?.on("message", (msg: WorkerRequest) => {
  const result = verify(msg.gold, msg.pred, msg.options);
  parentPort!.postMessage({ id: msg.id, result });
});
parentPort?.postMessage({ ready: true });
