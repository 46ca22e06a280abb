// What the runner's stage pool (stage-pool.ts) and a stage worker (stage-worker.ts) say to each other over the
// IPC channel, declared once. Thread shares go the other way on the worker's stdin (stage-pool.ts says why).
import { EXIT_CODES, RlvdError, type RlvdErrorCode } from "../core/errors.js";
import type { StageJob, StageOutput } from "./runner.js";

export type ToWorker = { type: "run"; job: StageJob } | { type: "exit" };

export type FromWorker =
  | { type: "log"; message: string }
  | { type: "done"; output: StageOutput }
  | { type: "failed"; error: WireError };

/** An error as JSON: an RlvdError keeps its code (and so its exit status), a file-system one its code and path. */
export type WireError = { message: string; rlvd: boolean; code?: string; path?: string; stack?: string };

export function toWire(e: unknown): WireError {
  if (e instanceof RlvdError) return { message: e.message, rlvd: true, code: e.code };
  if (!(e instanceof Error)) return { message: String(e), rlvd: false };
  const { code, path } = e as NodeJS.ErrnoException;
  return { message: e.message, rlvd: false, code: typeof code === "string" ? code : undefined, path: typeof path === "string" ? path : undefined, stack: e.stack };
}

/** The error the stage would have thrown in this process: an RlvdError by its code, any other with its stack. */
export function fromWire(w: WireError): Error {
  if (w.rlvd && w.code !== undefined && w.code in EXIT_CODES) return new RlvdError(w.code as RlvdErrorCode, w.message);
  const e = new Error(w.message) as NodeJS.ErrnoException;
  if (w.code !== undefined) e.code = w.code;
  if (w.path !== undefined) e.path = w.path;
  if (w.stack !== undefined) e.stack = w.stack;
  return e;
}
