import { InputError } from "../../core/errors.js";
import { lmEvalInDuckDb } from "./lm-eval-duckdb.js";
import { Fields, answerText, goldAnswer, metricVerdict, questionMeta, type HarnessFormat, type HarnessSample } from "./types.js";

/**
 * lm-evaluation-harness `--log_samples` output, `samples_<task>_<date>.jsonl`: one line per (document, filter).
 * Fields as written by EleutherAI/lm-evaluation-harness lm_eval/evaluator.py (evaluate(): doc_id, doc, target,
 * arguments, resps, filtered_resps, filter, metrics, doc_hash, prompt_hash, target_hash, then one column per
 * metric) and lm_eval/loggers/evaluation_tracker.py (save_results_samples: arguments become
 * {"gen_args_0": {"arg_0": prompt, "arg_1": gen_kwargs}}, target a string), v0.4.x. A generate_until request
 * with `repeats: k` has one request whose resps are k strings: `resps: [[r1, ..., rk]]`.
 *
 * The task's metric is per document, so it is a per-response verdict only when there is one response; with
 * repeats > 1 the responses carry no harness verdict. A task with several filters (gsm8k: strict-match,
 * flexible-extract) writes each document once per filter with the same responses: the first filter in the
 * file is kept and the other lines are skipped.
 */
export const lmEval: HarnessFormat = {
  name: "lm-eval",
  summary: "lm-evaluation-harness --log_samples samples_<task>_<date>.jsonl (doc_id, doc, target, resps, filtered_resps)",
  signatures: [["doc_id", "doc", "target", "resps", "filtered_resps"]],
  needsModel: true,
  readInDuckDb: lmEvalInDuckDb,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const filter = f.optString("filter") ?? "none";
    if (ctx.filter === null) ctx.filter = filter;
    else if (filter !== ctx.filter) {
      ctx.skipped++;
      return null;
    }
    const id = f.text("doc_id");
    const doc = f.object("doc");
    const resps = f.array("resps");
    if (resps.length === 0) f.fail("resps", "is empty");
    // one request per document for generate_until; its resps are the k repeats
    const first = resps[0];
    const texts = Array.isArray(first) ? first : [first];
    texts.forEach((t, i) => typeof t !== "string" && f.fail(`resps[0][${i}]`, "must be a string (a generate_until response)"));
    const filtered = f.array("filtered_resps")[0];
    const extracted = (i: number): string | null => {
      if (filter === "none") return null; // the raw text again
      if (Array.isArray(filtered)) return filtered.length === texts.length ? answerText(filtered[i]) : null;
      return texts.length === 1 ? answerText(filtered) : null;
    };
    const names = Array.isArray(value.metrics) ? (value.metrics as unknown[]).filter((m): m is string => typeof m === "string") : undefined;
    const verdict = texts.length === 1 ? metricVerdict(value, names ?? Object.keys(value).filter((k) => !NOT_METRICS.has(k))) : null;
    const samples: HarnessSample[] = (texts as string[]).map((text, i) => ({ text, harness: verdict, extracted: extracted(i) }));
    const target = answerText(value.target);
    if (target === null) throw new InputError(ctx.file, line, `field "target": must be the gold answer (string or number)`);
    const args = value.arguments;
    const input = typeof args === "object" && args !== null
      ? Array.isArray(args) ? (Array.isArray(args[0]) ? args[0][0] : undefined) : (args as Record<string, { arg_0?: unknown }>).gen_args_0?.arg_0
      : undefined;
    const d = doc.v;
    const prompt = [d.problem, d.question, d.prompt, d.query].find((x): x is string => typeof x === "string");
    return { id, prompt, input: typeof input === "string" ? input : undefined, gold: goldAnswer(target), meta: questionMeta(d), samples, grouped: true };
  },
};

const NOT_METRICS = new Set(["doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter", "metrics", "doc_hash", "prompt_hash", "target_hash"]);
