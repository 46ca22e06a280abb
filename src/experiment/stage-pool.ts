// Stages side by side in child processes. One Node process computes on one thread (plus the engine's pool), so
// two CPU-bound stages can only overlap in two processes: the pool forks up to `size` stage workers
// (stage-worker.ts), reuses an idle one for the next stage (a worker's start-up, loading every stage kind, costs
// about a second of CPU), and splits the engine's threads among the stages running, telling each worker its
// share whenever that count changes, so a stage left alone gets all of them again.
import { fork, type ChildProcess } from "node:child_process";
import { availableParallelism } from "node:os";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import { RlvdError } from "../core/errors.js";
import { defaultThreads } from "../engine/index.js";
import type { StageHost, StageJob } from "./runner.js";
import { fromWire, type FromWorker, type ToWorker } from "./stage-messages.js";

/** The stage worker beside this file: stage-worker.js in dist/, its .ts source under vitest or tsx (run with tsx). */
export const STAGE_WORKER = new URL(import.meta.url.endsWith(".ts") ? "./stage-worker.ts" : "./stage-worker.js", import.meta.url);

/**
 * How many stages `rlvd run` and `rlvd demo` run at once by default: one per core, at most 4. The quick
 * preset's graph rarely has more than 4 stages ready at once, and each running stage holds its own engine
 * memory and store connection (up to about 1 GB for the quick preset's base), so more would cost memory for
 * little; on a machine with more cores the engine's threads are shared out among the running stages instead.
 */
export function defaultJobs(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

type Slot = {
  child: ChildProcess;
  /** the stage it runs, with what to call when it ends; null while idle */
  job: { id: string; log: (m: string) => void; resolve: (output: unknown) => void; reject: (e: Error) => void } | null;
  /** the thread share last sent */
  share: number;
};

export type StagePool = StageHost & {
  /** ends every worker (after its stage, if it runs one) and lets go of the signals */
  close: () => Promise<void>;
};

/**
 * A pool of at most `size` stage workers running `module` (STAGE_WORKER, which knows the default stage kinds).
 * SIGINT and SIGTERM reach the workers through it (they run in their own process group, so a terminal's Ctrl-C
 * reaches only this process, and each worker gets the signal once): a sampling stage lands what it has and
 * stops, a training stage stops; the runner then reports the interruption. A second signal ends them at once.
 */
export function stagePool(options: { size: number; module?: URL; threads?: number }): StagePool {
  const module = fileURLToPath(options.module ?? STAGE_WORKER);
  const threads = Math.max(1, options.threads ?? defaultThreads());
  const slots: Slot[] = [];
  let interrupted: NodeJS.Signals | null = null;

  /** Every running stage gets threads / running of the engine's threads (at least 1; the first ones the rest). */
  const share = () => {
    const busy = slots.filter((s) => s.job !== null);
    busy.forEach((s, i) => {
      const n = Math.max(1, Math.floor(threads / busy.length) + (i < threads % busy.length ? 1 : 0));
      if (n !== s.share && s.child.stdin?.writable) {
        s.child.stdin.write(`threads ${n}\n`);
        s.share = n;
      }
    });
  };

  const spawn = (): Slot => {
    const child = fork(module, [], {
      stdio: ["pipe", "inherit", "inherit", "ipc"],
      detached: true, // its own process group: signals come from the pool only (see above)
      // tsx by its file: a worker runs in the caller's cwd, which may be outside the package and not resolve the name
      execArgv: module.endsWith(".ts") ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : process.execArgv,
      serialization: "json",
    });
    const slot: Slot = { child, job: null, share: 0 };
    child.stdin!.on("error", () => {}); // a worker that died: its exit says so
    child.on("message", (m: FromWorker) => {
      const job = slot.job;
      if (!job) return;
      if (m.type === "log") return job.log(m.message);
      slot.job = null;
      share();
      if (m.type === "done") job.resolve(m.output);
      else job.reject(fromWire(m.error));
    });
    child.on("exit", (code, signal) => {
      slots.splice(slots.indexOf(slot), 1);
      const job = slot.job;
      slot.job = null;
      if (!job) return;
      share();
      job.reject(interrupted
        ? new RlvdError("USAGE", `stage ${job.id}: interrupted by ${interrupted} (run the same command again to resume)`)
        : new RlvdError("INTERNAL", `stage ${job.id}: its worker process ended (${signal ?? `exit code ${code}`}) before the stage finished`));
    });
    slots.push(slot);
    return slot;
  };

  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted !== null) {
      for (const s of slots) s.child.kill("SIGKILL");
      process.exit(sig === "SIGINT" ? 130 : 143);
    }
    interrupted = sig;
    for (const s of slots) {
      if (s.job) s.child.kill(sig);
      else s.child.send({ type: "exit" } satisfies ToWorker);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  return {
    run: (job: StageJob, log) => new Promise<unknown>((resolve, reject) => {
      // a stage made ready between the signal and the end of the running ones: the same error as theirs, so that
      // the runner's one line reads alike whichever stage it names
      if (interrupted) return reject(new RlvdError("USAGE", `stage ${job.stage.id}: interrupted by ${interrupted} before it started (run the same command again to resume)`));
      const slot = slots.find((s) => s.job === null && s.child.connected) ?? (slots.length < options.size ? spawn() : null);
      if (!slot) return reject(new RlvdError("INTERNAL", `stage ${job.stage.id}: more stages at once than the pool's ${options.size} workers`));
      slot.job = { id: job.stage.id, log, resolve, reject };
      share();
      slot.child.send({ type: "run", job } satisfies ToWorker);
    }),
    close: async () => {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await Promise.all([...slots].map((s) => new Promise<void>((resolve) => {
        if (s.child.exitCode !== null || s.child.signalCode !== null) return resolve();
        s.child.once("exit", () => resolve());
        // a worker still running a stage (the runner stopped early) is asked to stop as on SIGTERM
        if (s.job) s.child.kill("SIGTERM");
        else if (s.child.connected) s.child.send({ type: "exit" } satisfies ToWorker);
        else s.child.kill("SIGTERM");
      })));
    },
  };
}
