import { Fields, answerText, metricVerdict, type HarnessFormat, type HarnessRecord } from "./types.js";

/** Per-response verdict: only a single response has one (a pass@k over n responses is per question). */
function responses(texts: unknown[], f: Fields, field: string, metrics: Record<string, unknown>): HarnessRecord["samples"] {
  const flat = texts.length === 1 && Array.isArray(texts[0]) ? (texts[0] as unknown[]) : texts;
  flat.forEach((t, i) => typeof t !== "string" && f.fail(`${field}[${i}]`, "must be a string"));
  const verdict = flat.length === 1 ? metricVerdict(metrics) : null;
  return (flat as string[]).map((text) => ({ text, harness: verdict }));
}

/**
 * lighteval details parquet (`details/<model>/<date>/details_<task>_<date>.parquet`), the layout of lighteval
 * <= 0.9: one row per document with the fields of DetailsLogger.Detail in huggingface/lighteval
 * src/lighteval/logging/info_loggers.py (example, instruction, full_prompt, predictions, gold, choices,
 * gold_index, metrics, specifics, ...). No document id: questions are identified by their text.
 */
export const lightevalOld: HarnessFormat = {
  name: "lighteval-old",
  summary: "lighteval <= 0.9 details parquet (example, full_prompt, predictions, gold, metrics)",
  signatures: [["example", "full_prompt", "predictions", "gold", "metrics"]],
  needsModel: true,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const example = f.string("example");
    const metrics = f.object("metrics").v;
    const gold = f.array("gold");
    return {
      prompt: example, input: f.optString("full_prompt"),
      gold: answerText(Array.isArray(gold[0]) ? gold[0][0] : gold[0]) ?? undefined,
      samples: responses(f.array("predictions"), f, "predictions", metrics), grouped: true,
    };
  },
};

/**
 * lighteval >= 0.10 details parquet: one row per document holding the Detail dataclass {doc, model_response,
 * metric}: `doc` a lighteval.tasks.requests.Doc (query, choices, gold_index, id, task_name, ...),
 * `model_response` a ModelResponse of src/lighteval/models/model_output.py (text[], text_post_processed[],
 * input, ...), `metric` the metric values. The gold is choices[gold_index], as the generative metrics read it;
 * the raw text[] is the response (text_post_processed only strips reasoning, it is no extracted answer).
 */
export const lighteval: HarnessFormat = {
  name: "lighteval",
  summary: "lighteval >= 0.10 details parquet (doc, model_response, metric)",
  signatures: [["doc", "model_response", "metric"]],
  needsModel: true,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const doc = f.object("doc");
    const response = f.object("model_response");
    const query = doc.string("query");
    const choices = doc.optArray("choices") ?? [];
    const goldIndex = doc.v.gold_index;
    const gi = Array.isArray(goldIndex) ? goldIndex[0] : goldIndex;
    const gold = typeof gi === "number" ? answerText(choices[gi]) : null;
    const samples = responses(response.array("text"), f, "model_response.text", f.object("metric").v);
    const docId = doc.optText("id");
    const input = response.v.input;
    return {
      id: docId && docId.length > 0 ? docId : undefined, prompt: query, input: typeof input === "string" ? input : undefined,
      gold: gold ?? undefined, samples, grouped: true,
    };
  },
};
