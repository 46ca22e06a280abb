import { parseModelSpec, defaultModelName } from "../../backends/spec.js";
import { createBackend } from "../../backends/create.js";
import { NEUTRAL_SAMPLING } from "../../backends/types.js";
import { RlvdError } from "../../core/errors.js";
import { resolveTemplate } from "../../backends/templates.js";
import { InvalidArgumentError, Option } from "commander";
import { mathGrader } from "../../experiment/graders.js";
import { sampleRun } from "../../experiment/sample-run.js";
import { adaptiveSampleRun, type AdaptiveSummary } from "../../experiment/adaptive-run.js";
import { ADAPTIVE_DEFAULTS, ADAPTIVE_RULES, adaptiveSchedule } from "../../metrics/adaptive.js";
import { parseSnapshot, sampleSeries } from "../../experiment/sample-series.js";
import { loadDataset } from "../../store/dataset.js";
import { addGradingOptions, flag, gradingFrom, MAX_K, OPTIONS, requiredFlag, withHelp } from "../options.js";
import { existingFile, integer, list, MAX_TIMEOUT_MS, nonNegativeInt, number, outputDir, positiveInt, usageError, type Parse } from "../parsers.js";
import type { CommandModule } from "./index.js";

/** --sampling-extra: a JSON object of request fields, sent as given (after the pinned ones, so it may override them). */
const samplingExtra: Parse<Record<string, unknown>> = (v, option) => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(v);
  } catch {
    throw usageError(option, `a JSON object, e.g. '{"min_tokens": 4}'`, v);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw usageError(option, `a JSON object, e.g. '{"min_tokens": 4}'`, v);
  for (const reserved of ["model", "n", "prompt", "messages", "seed", "stream"]) {
    if (reserved in parsed) throw usageError(option, `a JSON object without "${reserved}" (rlvd sets it per request)`, v);
  }
  return parsed as Record<string, unknown>;
};

/** Seconds, positive, and short enough for a timer once in milliseconds. */
const seconds = number({ min: 0, max: MAX_TIMEOUT_MS / 1000, open: true, what: "a number of seconds" });

/** What an adaptive run spent, saved and estimated, in one line. */
function adaptiveLine(a: AdaptiveSummary): string {
  const e = a.estimates;
  const full = a.settings.schedule[a.settings.schedule.length - 1]!;
  const tokens = a.tokens_saved === null ? "" : `, ~${a.tokens_saved.toLocaleString("en-US")} generated tokens`;
  return `adaptive: ${e.samples} of ${e.samples_full} samples (${((100 * e.samples) / e.samples_full).toFixed(1)}%) in ${a.rounds} rounds; saved ${a.samples_saved} samples${tokens}; ` +
    `accuracy ${e.accuracy.toFixed(4)}, pass@${full} ${e.pass_at_full.toFixed(4)} (unbiased estimates; rlvd report shows samples per bin)`;
}

export const sampleCommand: CommandModule = {
  register(program, io) {
    const cmd = program
      .command("sample")
      .description("sample k responses per question into the run's store (resumable: rerun to continue)")
      .option("--model <spec>", "embedded:CHECKPOINT_DIR or openai:MODEL@URL[,URL...] (or --series with --snapshot)")
      .option("--series <name>", "sample a training run's checkpoints as the series NAME@step-N (each --snapshot STEP=SPEC)")
      .option("--snapshot <step=spec...>", "with --series: a checkpoint and its step, e.g. 50=openai:grpo-50@http://gpu1:8000/v1 (repeatable)")
      .addOption(requiredFlag("--dataset <file>", "questions: JSONL, JSON or Parquet", existingFile))
      .addOption(requiredFlag("-k, --k <n>", `samples per question (at most ${MAX_K})`, integer(1, MAX_K)))
      .addOption(requiredFlag("--run <dir>", "run folder (created if missing)", outputDir))
      .option("--name <name>", "store samples under this model name (default: from the spec)")
      .option("--new-model <name>", "store under this new model name (refused if it has samples): a resume with other settings")
      .option("--allow-mixed", "resume even though the stored samples were drawn with other settings (recorded in the store)")
      .option("--shard <i/n>", "sample only part i of n of this model's samples (one per node/process; together they are the whole)", shardOption)
      .option("--template <name|file>", "question | boxed | r1, or a file with {question}", "boxed")
      .addOption(flag("--max-tokens <n>", "max new tokens per response", integer(1, 1 << 24), 1024))
      .addOption(flag("--temperature <t>", "sampling temperature", number({ min: 0, max: 5 }), 0.9))
      .addOption(flag("--top-p <p>", "nucleus sampling mass", number({ min: 0, max: 1 }), 1.0))
      .addOption(flag("--top-k <k>", "top-k cut (0: none; hosted APIs need 0)", nonNegativeInt, 50))
      .option("--stop <s...>", "stop strings")
      .addOption(flag(withHelp(OPTIONS.seed, "base seed")))
      .addOption(flag("--limit <n>", "only the first n questions", positiveInt))
      .option("--question-field <f>", "dataset field with the question")
      .option("--answer-field <f>", "dataset field with the gold answer")
      .option("--id-field <f>", "dataset field with the question id")
      .addOption(flag("--sampling-extra <json>", "further request fields as a JSON object, e.g. '{\"min_tokens\": 4}'", samplingExtra))
      .option("--no-vllm-params", "send only OpenAI's own fields (hosted APIs reject top_k, min_p, repetition_penalty)")
      .addOption(flag("--n-per-request <n>", "completions per request", integer(1, MAX_K), 16))
      .addOption(flag("--concurrency <n>", "requests in flight per endpoint (embedded: in all)", integer(1, 65_536), 32))
      .option("--api-key-env <var>", "environment variable with the API key (sent as Authorization: Bearer; falls back to $RLVD_API_KEY)", "OPENAI_API_KEY")
      .addOption(flag("--timeout <s>", "per-request time limit in seconds, connect to last byte", seconds, 600))
      .addOption(flag("--connect-timeout <s>", "TCP connect limit in seconds", seconds, 10))
      .addOption(flag("--first-byte-timeout <s>", "limit from request to first answer byte (a non-streaming server answers when done)", seconds))
      .addOption(flag("--silent-after <s>", "probe an endpoint silent this long; abandon its requests when the probe fails", seconds, 60))
      .addOption(flag("--max-attempts <n>", "tries per request before giving up (with backoff and failover)", integer(1, 1000), 6))
      // not --strict: that is the grading flag (math-verify's strict) on every command that grades
      .option("--require-all", "exit non-zero when any question could not be sampled (the rest are sampled either way)")
      .addOption(new Option("--grade <verifier>", "verify samples as they land (none: later, with rlvd grade)").choices(["math", "none"]).default("math"))
      .addOption(flag("--flush-ms <ms>", "commit arrived samples at least this often", integer(1, MAX_TIMEOUT_MS), 1000))
      .option("--adaptive", "sample in rounds and stop each question once more samples cannot change its bin (docs/analysis.md)")
      .addOption(flag("--adaptive-schedule <list>", "cumulative samples per question after each round, ending at k (default: 16,24,32,48,64,96,128,192,256 scaled to k)", list(integer(1, MAX_K))))
      .addOption(new Option("--adaptive-rule <rule>", "budget: spend an allowance of changed bins where it saves the most samples; threshold: stop once the final bin is --adaptive-settle likely").choices([...ADAPTIVE_RULES]).default(ADAPTIVE_DEFAULTS.rule))
      .addOption(flag("--adaptive-misses <share>", "rule budget: the expected share of questions allowed another bin than the full run's", number({ min: 0, max: 0.5 }), ADAPTIVE_DEFAULTS.misses))
      .addOption(flag("--adaptive-settle <p>", "rule threshold: stop a question when its final bin is this likely (after round 1; stricter later)", number({ min: 0.5, max: 1 }), ADAPTIVE_DEFAULTS.settle))
      .addOption(flag("--adaptive-keep <p>", "chance that a settled question is sampled on anyway (keeps the estimates unbiased)", number({ min: 0.001, max: 1 }), ADAPTIVE_DEFAULTS.keep))
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
        const schedule: number[] | undefined = opts.adaptiveSchedule;
        if (opts.adaptive) {
          if (opts.grade === "none") throw new RlvdError("USAGE", "--adaptive decides from the verdicts: it needs --grade math");
          if (schedule && schedule[schedule.length - 1] !== opts.k) throw new RlvdError("USAGE", `--adaptive-schedule must end at -k ${opts.k} (got ${schedule.join(",")})`);
          if (opts.shard) throw new RlvdError("USAGE", "--adaptive decides per question from all its samples: it cannot be combined with --shard");
          if (opts.series !== undefined) throw new RlvdError("USAGE", "--adaptive samples one model: it cannot be combined with --series");
        } else if (schedule) throw new RlvdError("USAGE", "--adaptive-schedule needs --adaptive");
        if (opts.series !== undefined && (opts.shard || opts.newModel !== undefined)) throw new RlvdError("USAGE", "--series names its own models: leave out --shard and --new-model");
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
          const one = {
            ...common, backend, model: opts.newModel ?? opts.name ?? defaultModelName(spec), newModel: opts.newModel !== undefined,
            shard: opts.shard, allowMixed: opts.allowMixed, spec: opts.model,
            // an embedded model is one "endpoint": --concurrency is its total
            concurrency: spec.kind === "embedded" ? opts.concurrency : undefined,
          };
          const result = opts.adaptive
            ? await adaptiveSampleRun({ ...one, grader: grader!.grade, adaptive: { schedule: schedule ?? adaptiveSchedule(opts.k), rule: opts.adaptiveRule, misses: opts.adaptiveMisses, settle: opts.adaptiveSettle, keep: opts.adaptiveKeep } })
            : await sampleRun(one);
          if (opts.json) io.out(JSON.stringify(result) + "\n");
          else {
            io.out(`${result.model}: ${result.written} new samples (${result.already} already stored) for ${result.questions} questions in ${result.seconds.toFixed(1)} s\n`);
            if ("adaptive" in result) io.out(adaptiveLine(result.adaptive as AdaptiveSummary) + "\n");
          }
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

/** `--shard I/N`: 1 <= I <= N. */
function shardOption(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || count < 1 || index < 1 || index > count) throw new InvalidArgumentError(`expected I/N with 1 <= I <= N, e.g. 2/4, got "${value}"`);
  return { index, count };
}
