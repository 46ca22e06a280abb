// A stage worker: a child process of the runner's stage pool (stage-pool.ts) that runs the stages it is sent,
// one at a time, with the default stage kinds and the same code as the runner in its own process
// (runner.ts executeStage), and sends back each one's output. The pool writes the records and the manifest.
import { Worker } from "node:worker_threads";
import { engineThreadsWord } from "../engine/index.js";
import { executeStage } from "./runner.js";
import { toWire, type FromWorker, type ToWorker } from "./stage-messages.js";
import { STAGE_KINDS } from "./stages/index.js";

// The engine's thread share arrives on stdin ("threads N" lines) and is read by a helper thread, not by this
// thread's event loop: a training run is one synchronous loop of minutes, and the share must reach it while it
// runs (the engine reads the word before every kernel call). End of input means the pool is gone: stop as on
// SIGTERM (a sampling stage lands what has arrived; a rerun of the spec resumes).
const THREAD_SHARE_READER = `
const { workerData } = require("node:worker_threads");
const net = require("node:net");
const word = new Int32Array(workerData);
const input = new net.Socket({ fd: 0, readable: true, writable: false });
input.setEncoding("utf8");
let rest = "";
input.on("data", (d) => {
  rest += d;
  for (let i; (i = rest.indexOf("\\n")) >= 0; ) {
    const m = /^threads (\\d+)$/.exec(rest.slice(0, i));
    rest = rest.slice(i + 1);
    if (m) Atomics.store(word, 0, Number(m[1]));
  }
});
const gone = () => process.kill(process.pid, "SIGTERM");
input.on("end", gone);
input.on("error", gone);
`;

const send = (m: FromWorker) => {
  if (process.connected) process.send!(m);
};

if (!process.send) {
  process.stderr.write("rlvd: stage-worker runs only as a child of the stage runner\n");
  process.exitCode = 2;
} else {
  new Worker(THREAD_SHARE_READER, { eval: true, workerData: engineThreadsWord() }).unref();
  // the pool gone (its channel closed): nobody can take the output; leave once what is running has wound down
  process.on("disconnect", () => setTimeout(() => process.exit(143), 10_000).unref());
  process.on("message", (m: ToWorker) => {
    if (m.type === "exit") process.exit(0);
    executeStage(m.job, STAGE_KINDS, (message) => send({ type: "log", message })).then(
      (output) => send({ type: "done", output }),
      (e: unknown) => send({ type: "failed", error: toWire(e) }),
    );
  });
}
