import { Fields, answerText, binaryVerdict, questionMeta, type HarnessFormat, type HarnessSample } from "./types.js";

/**
 * SkyThought `results.json` (NovaSky-AI/SkyThought skythought/evals/inference_and_check.py, save_results): an
 * object from each problem's unique id to its dataset row plus `prompt`, `input_conversation`,
 * `responses` [{content, correctness, reason}] and `token_usages` [{completion_tokens, prompt_tokens}].
 */
export const skythought: HarnessFormat = {
  name: "skythought",
  summary: "SkyThought results.json ({id: {responses[{content, correctness}], token_usages[], ...}})",
  signatures: [["responses", "input_conversation"], ["responses", "token_usages"]],
  needsModel: true,
  convert(value, line, ctx, key) {
    const f = new Fields(value, ctx.file, line);
    const responses = f.array("responses");
    const usages = f.sameLength("token_usages", responses.length);
    const samples: HarnessSample[] = responses.map((r, i) => {
      const entry = new Fields((r ?? {}) as Record<string, unknown>, ctx.file, line);
      if (typeof r !== "object" || r === null) f.fail(`responses[${i}]`, "must be an object with content");
      const usage = usages?.[i] as { completion_tokens?: unknown } | undefined;
      const tokens = usage?.completion_tokens;
      return {
        text: entry.string("content"), harness: binaryVerdict(entry.v.correctness),
        n_tokens: typeof tokens === "number" && Number.isSafeInteger(tokens) ? tokens : null,
      };
    });
    const prompt = [value.problem, value.question, value.prompt].find((x): x is string => typeof x === "string");
    const gold = [value.answer, value.expected_answer, value.gt].map(answerText).find((x) => x !== null);
    return { id: key ?? f.text("id"), prompt, gold: gold ?? undefined, meta: questionMeta(value), samples, grouped: true };
  },
};
