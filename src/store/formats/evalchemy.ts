import { Fields, answerText, questionMeta, type HarnessFormat } from "./types.js";

/**
 * evalchemy benchmark results (mlfoundations/evalchemy eval/chat_benchmarks/<benchmark>/eval_instruct.py,
 * generate_responses): {"examples": [...]}, each example its dataset row plus `model_outputs` / `model_answers`
 * (n_repeat responses and their extracted answers; AIME24, AMC23, ...) or `model_output` / `model_answer` (one
 * response; MATH500). evaluate_responses scores repetitions in aggregate only: no per-response verdict.
 */
export const evalchemy: HarnessFormat = {
  name: "evalchemy",
  summary: 'evalchemy results JSON ({"examples": [{model_outputs[], model_answers[], ...}]})',
  signatures: [["model_outputs"], ["model_output"]],
  needsModel: true,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const many = f.has("model_outputs");
    const outputs = many ? f.strings("model_outputs") : [f.string("model_output")];
    const answers = many ? f.sameLength("model_answers", outputs.length) : [value.model_answer];
    const gold = [value.expected_answer, value.answer].map(answerText).find((x) => x !== null);
    const prompt = [value.problem, value.question].find((x): x is string => typeof x === "string");
    return {
      id: answerText(value.id) ?? answerText(value.unique_id) ?? undefined, prompt, gold: gold ?? undefined, meta: questionMeta(value),
      samples: outputs.map((text, i) => ({ text, harness: null, extracted: answerText(answers?.[i]) })), grouped: true,
    };
  },
};
