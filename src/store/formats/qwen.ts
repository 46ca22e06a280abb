import { InputError } from "../../core/errors.js";
import { qwenInDuckDb } from "./qwen-duckdb.js";
import { Fields, answerText, questionMeta, type HarnessFormat } from "./types.js";

/**
 * The Qwen2.5-Math evaluation output (QwenLM/Qwen2.5-Math evaluation/math_eval.py, also used by
 * limit-of-RLVR): one line per question {idx, question, gt, code[], pred[], score[], ...} with the n_sampling
 * responses in `code`. Files are named `..._seed<N>_...jsonl`, one per sampling seed (see the seed offset in
 * import-samples). `finish_reason[]`, when a fork writes it, is kept per response.
 */
export const qwen: HarnessFormat = {
  name: "qwen",
  summary: "Qwen2.5-Math / limit-of-RLVR eval JSONL (idx, question, gt, code[], pred[], score[])",
  signatures: [["gt", "code"]],
  needsModel: true,
  readInDuckDb: qwenInDuckDb,
  convert(value, line, ctx) {
    const f = new Fields(value, ctx.file, line);
    const code = f.strings("code");
    const pred = f.sameLength("pred", code.length);
    const score = f.sameLength("score", code.length);
    const finish = f.sameLength("finish_reason", code.length);
    score?.forEach((s, i) => typeof s !== "boolean" && f.fail(`score[${i}]`, "must be true or false"));
    const idField = ctx.idField ?? "idx";
    const id = answerText(value[idField]);
    if (id === null || id === "") throw new InputError(ctx.file, line, `field "${idField}": is missing (the question id; choose another with --id-field)`);
    const prompt = f.optString("question") ?? f.optString("problem");
    return {
      id, prompt, gold: f.text("gt"), meta: questionMeta(value),
      samples: code.map((text, i) => ({
        text, harness: score ? (score[i] as boolean) : null, extracted: pred ? answerText(pred[i]) : null,
        finish_reason: typeof finish?.[i] === "string" ? (finish[i] as string) : null,
      })),
      grouped: true,
    };
  },
};
