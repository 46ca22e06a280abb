import { parseModelSpec, defaultModelName } from "../../backends/spec.js";
import { createBackend } from "../../backends/create.js";
import { resolveTemplate } from "../../backends/templates.js";
import { InvalidArgumentError, Option } from "commander";
import { mathGrader } from "../../experiment/graders.js";
import { sampleRun } from "../../experiment/sample-run.js";
import { loadDataset } from "../../store/dataset.js";
import { addGradingOptions, gradingFrom, nonNegativeInt, positiveInt } from "../options.js";
import type { CommandModule } from "./index.js";

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
      .requiredOption("--model <spec>", "embedded:CHECKPOINT_DIR or openai:MODEL@URL[,URL...]")
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
      .option("--n-per-request <n>", "completions per request", positiveInt, 16)
      .option("--concurrency <n>", "requests in flight", positiveInt, 32)
      .option("--api-key-env <var>", "environment variable with the API key", "OPENAI_API_KEY")
      .option("--timeout <s>", "per-request time limit in seconds", positiveInt, 600)
      .option("--max-attempts <n>", "tries per request before giving up (with backoff and failover)", positiveInt, 6)
      .addOption(new Option("--grade <verifier>", "verify samples as they land (none: later, with rlvd grade)").choices(["math", "none"]).default("math"))
      .option("--flush-ms <ms>", "commit arrived samples at least this often", positiveInt, 1000)
      .option("--json", "print the result as JSON");
    addGradingOptions(cmd)
      .action(async (opts) => {
        const spec = parseModelSpec(opts.model);
        const template = resolveTemplate(opts.template);
        const questions = await loadDataset(opts.dataset, { questionField: opts.questionField, answerField: opts.answerField, idField: opts.idField, limit: opts.limit });
        const backend = await createBackend(spec, { apiKeyEnv: opts.apiKeyEnv, timeoutMs: opts.timeout * 1000, maxAttempts: opts.maxAttempts });
        const grader = opts.grade === "math" ? mathGrader(gradingFrom(opts)) : null;
        try {
          const result = await sampleRun({
            runDir: opts.run, backend, model: opts.name ?? defaultModelName(spec), spec: opts.model, questions, k: opts.k, template,
            params: { temperature: opts.temperature, top_p: opts.topP, top_k: opts.topK, max_tokens: opts.maxTokens, stop: opts.stop },
            seed: opts.seed, nPerRequest: opts.nPerRequest, concurrency: opts.concurrency, flushMs: opts.flushMs,
            progress: { write: io.err, isTTY: io.isTTY }, grader: grader?.grade,
          });
          if (opts.json) io.out(JSON.stringify(result) + "\n");
          else io.out(`${result.model}: ${result.written} new samples (${result.already} already stored) for ${result.questions} questions in ${result.seconds.toFixed(1)} s\n`);
        } finally {
          await backend.close();
          await grader?.close();
        }
      });
  },
};
