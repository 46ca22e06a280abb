import { parseModelSpec, defaultModelName } from "../../backends/spec.js";
import { createBackend } from "../../backends/create.js";
import { NEUTRAL_SAMPLING } from "../../backends/types.js";
import { RlvdError } from "../../core/errors.js";
import { resolveTemplate } from "../../backends/templates.js";
import { InvalidArgumentError, Option } from "commander";
import { mathGrader } from "../../experiment/graders.js";
import { sampleRun } from "../../experiment/sample-run.js";
import { parseSnapshot, sampleSeries } from "../../experiment/sample-series.js";
import { loadDataset } from "../../store/dataset.js";
import { addGradingOptions, gradingFrom, nonNegativeInt, positiveInt } from "../options.js";
import type { CommandModule } from "./index.js";

/** --sampling-extra: a JSON object of request fields, sent as given (after the pinned ones, so it may override them). */
function samplingExtra(v: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch (e) {
    throw new InvalidArgumentError(`--sampling-extra must be a JSON object (${(e as Error).message})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new InvalidArgumentError(`--sampling-extra must be a JSON object, e.g. '{"min_tokens": 4}' (got ${v})`);
  for (const reserved of ["model", "n", "prompt", "messages", "seed", "stream"]) {
    if (reserved in parsed) throw new InvalidArgumentError(`--sampling-extra may not set "${reserved}": rlvd sets it per request`);
  }
  return parsed as Record<string, unknown>;
}

function seconds(v: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x <= 0) throw new InvalidArgumentError(`expected a positive number of seconds, got "${v}"`);
  return x;
}

function probability(name: string, lo: number, hi: number) {
  return (v: string) => {
    const x = Number(v);
    if (!Number.isFinite(x) || x < lo || x > hi) throw new InvalidArgumentError(`--${name} must be a number in [${lo}, ${hi}] (got "${v}")`);
    return x;
  };
}

export const sampleCommand: CommandModule = {
  register(program, io) {
    const cmd = program
      .command("sample")
      .description("sample k responses per question into the run's store (resumable: rerun to continue)")
      .option("--model <spec>", "embedded:CHECKPOINT_DIR or openai:MODEL@URL[,URL...] (or --series with --snapshot)")
      .option("--series <name>", "sample a training run's checkpoints as the series NAME@step-N (each --snapshot STEP=SPEC)")
      .option("--snapshot <step=spec...>", "with --series: a checkpoint and its step, e.g. 50=openai:grpo-50@http://gpu1:8000/v1 (repeatable)")
      .requiredOption("--dataset <file>", "questions: JSONL, JSON or Parquet")
      .requiredOption("-k, --k <n>", "samples per question", positiveInt)
      .requiredOption("--run <dir>", "run folder (created if missing)")
      .option("--name <name>", "store samples under this model name (default: from the spec)")
      .option("--template <name|file>", "question | boxed | r1, or a file with {question}", "boxed")
      .option("--max-tokens <n>", "max new tokens per response", positiveInt, 1024)
      .option("--temperature <t>", "sampling temperature", probability("temperature", 0, 5), 0.9)
      .option("--top-p <p>", "nucleus sampling mass", probability("top-p", 0, 1), 1.0)
      .option("--top-k <k>", "top-k cut (0: none; hosted APIs need 0)", nonNegativeInt, 50)
      .option("--stop <s...>", "stop strings")
      .option("--seed <n>", "base seed", nonNegativeInt, 0)
      .option("--limit <n>", "only the first n questions", positiveInt)
      .option("--question-field <f>", "dataset field with the question")
      .option("--answer-field <f>", "dataset field with the gold answer")
      .option("--id-field <f>", "dataset field with the question id")
      .option("--sampling-extra <json>", "further request fields as a JSON object, e.g. '{\"min_tokens\": 4}'", samplingExtra)
      .option("--no-vllm-params", "send only OpenAI's own fields (hosted APIs reject top_k, min_p, repetition_penalty)")
      .option("--n-per-request <n>", "completions per request", positiveInt, 16)
      .option("--concurrency <n>", "requests in flight per endpoint (embedded: in all)", positiveInt, 32)
      .option("--api-key-env <var>", "environment variable with the API key (sent as Authorization: Bearer; falls back to $RLVD_API_KEY)", "OPENAI_API_KEY")
      .option("--timeout <s>", "per-request time limit in seconds, connect to last byte", seconds, 600)
      .option("--connect-timeout <s>", "TCP connect limit in seconds", seconds, 10)
      .option("--first-byte-timeout <s>", "limit from request to first answer byte (a non-streaming server answers when done)", seconds)
      .option("--silent-after <s>", "probe an endpoint silent this long; abandon its requests when the probe fails", seconds, 60)
      .option("--max-attempts <n>", "tries per request before giving up (with backoff and failover)", positiveInt, 6)
      // not --strict: that is the grading flag (math-verify's strict) on every command that grades
      .option("--require-all", "exit non-zero when any question could not be sampled (the rest are sampled either way)")
      .addOption(new Option("--grade <verifier>", "verify samples as they land (none: later, with rlvd grade)").choices(["math", "none"]).default("math"))
      .option("--flush-ms <ms>", "commit arrived samples at least this often", positiveInt, 1000)
      .option("--json", "print the result as JSON");
    addGradingOptions(cmd)
      .action(async (opts) => {
        if (opts.series === undefined && opts.model === undefined) throw new RlvdError("USAGE", "rlvd sample needs --model SPEC (or --series NAME with --snapshot STEP=SPEC ...)");
        if (opts.series !== undefined && (opts.model !== undefined || opts.name !== undefined)) throw new RlvdError("USAGE", "--series names its models NAME@step-N from --snapshot STEP=SPEC: leave out --model and --name");
        if (opts.series === undefined && opts.snapshot !== undefined) throw new RlvdError("USAGE", "--snapshot needs --series NAME");
        const snapshots = opts.series === undefined ? [] : ((opts.snapshot ?? []) as string[]).map(parseSnapshot);
        for (const snap of snapshots) parseModelSpec(snap.spec); // a bad spec fails before any sampling
        const template = resolveTemplate(opts.template);
        const questions = await loadDataset(opts.dataset, { questionField: opts.questionField, answerField: opts.answerField, idField: opts.idField, limit: opts.limit });
        const open = (specText: string) => {
          const spec = parseModelSpec(specText);
          return createBackend(spec, {
            apiKeyEnv: opts.apiKeyEnv, timeoutMs: opts.timeout * 1000, connectTimeoutMs: opts.connectTimeout * 1000,
            firstByteTimeoutMs: opts.firstByteTimeout === undefined ? undefined : opts.firstByteTimeout * 1000, silentAfterMs: opts.silentAfter * 1000,
            maxAttempts: opts.maxAttempts, concurrency: opts.concurrency, vllmExtras: opts.vllmParams,
          });
        };
        const grader = opts.grade === "math" ? mathGrader(gradingFrom(opts)) : null;
        const common = {
          runDir: opts.run, questions, k: opts.k, template,
          params: { ...NEUTRAL_SAMPLING, temperature: opts.temperature, top_p: opts.topP, top_k: opts.topK, max_tokens: opts.maxTokens, stop: opts.stop, extra: opts.samplingExtra },
          seed: opts.seed, nPerRequest: opts.nPerRequest, flushMs: opts.flushMs,
          progress: { write: io.err, isTTY: io.isTTY }, grader: grader?.grade,
        };
        if (opts.series !== undefined) {
          try {
            const results = await sampleSeries({
              ...common, series: opts.series, snapshots, open,
              onSnapshot: (r) => { if (!opts.json) io.out(`${r.model}: ${r.written} new samples (${r.already} already stored) for ${r.questions} questions in ${r.seconds.toFixed(1)} s\n`); },
            });
            if (opts.json) io.out(JSON.stringify({ series: opts.series, snapshots: results }) + "\n");
            const failed = results.reduce((n, r) => n + r.failed.length, 0);
            if (failed > 0) {
              io.err(`${failed} question${failed === 1 ? "" : "s"} could not be sampled (recorded in the store; a rerun tries them again)\n`);
              if (opts.requireAll) throw new RlvdError("BACKEND", `--require-all: ${failed} questions failed across the series`);
            }
          } finally {
            await grader?.close();
          }
          return;
        }
        const spec = parseModelSpec(opts.model);
        const backend = await open(opts.model);
        try {
          const result = await sampleRun({
            ...common, backend, model: opts.name ?? defaultModelName(spec), spec: opts.model,
            // an embedded model is one "endpoint": --concurrency is its total
            concurrency: spec.kind === "embedded" ? opts.concurrency : undefined,
          });
          if (opts.json) io.out(JSON.stringify(result) + "\n");
          else io.out(`${result.model}: ${result.written} new samples (${result.already} already stored) for ${result.questions} questions in ${result.seconds.toFixed(1)} s\n`);
          if (result.failed.length > 0) {
            io.err(`${result.failed.length} question${result.failed.length === 1 ? "" : "s"} could not be sampled (recorded in the store; a rerun tries them again):\n`);
            for (const f of result.failed) io.err(`  ${f.question_id}: ${f.error}\n`);
            if (opts.requireAll) throw new RlvdError("BACKEND", `--require-all: ${result.failed.length} of ${result.questions} questions failed`);
          }
        } finally {
          await backend.close();
          await grader?.close();
        }
      });
  },
};
