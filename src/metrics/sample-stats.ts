import { answerEntropy, groupAnswers, majAtKs, sameString, type AnswerEquivalence } from "./answers.js";
import type { Bin } from "./bins.js";
import { keywordCounter, STUDY_KEYWORDS, Tally } from "./text-stats.js";

/** The samples of one question, in sample order, as the stats below consume them. */
export type QuestionSamples = {
  question_id: string;
  answers: (string | null)[];
  verdicts: (boolean | null)[];
};

export type AnswerStats = {
  maj_at_k: Record<string, number>;
  answer_entropy: number;
  /** mean answer entropy over the questions of each base bin */
  answer_entropy_bins: Array<{ label: string; questions: number; entropy: number | null }>;
};

/**
 * Accumulates maj@k and answer entropy one question at a time, so a model's samples never need to be in
 * memory together. `binOf` places a question in the base model's bins (-1: not binned).
 */
export class AnswerStatsAccumulator {
  private readonly maj = new Map<number, Tally>();
  private readonly entropy = new Tally();
  private readonly entropyByBin: Tally[];

  constructor(
    private readonly ks: readonly number[],
    private readonly bins: readonly Bin[],
    private readonly binOf: (questionId: string) => number,
    private readonly equivalent: AnswerEquivalence = sameString,
    private readonly seed = 0,
  ) {
    for (const k of ks) this.maj.set(k, new Tally());
    this.entropyByBin = bins.map(() => new Tally());
  }

  add(question: QuestionSamples): void {
    const groups = groupAnswers(question.answers, question.verdicts, this.equivalent);
    const n = question.answers.length;
    const ks = this.ks.filter((k) => k <= n);
    majAtKs(groups, ks, { seed: this.seed }).forEach((m, i) => this.maj.get(ks[i]!)!.add(m));
    const h = answerEntropy(groups);
    this.entropy.add(h);
    const b = this.binOf(question.question_id);
    if (b >= 0) this.entropyByBin[b]!.add(h);
  }

  result(): AnswerStats {
    const maj_at_k: Record<string, number> = {};
    for (const [k, t] of this.maj) if (t.mean !== null) maj_at_k[String(k)] = t.mean;
    return {
      maj_at_k,
      answer_entropy: this.entropy.mean ?? 0,
      answer_entropy_bins: this.bins.map((bin, b) => ({ label: bin.label, questions: this.entropyByBin[b]!.n, entropy: this.entropyByBin[b]!.mean })),
    };
  }
}

type Split<T> = { all: T; correct: T; incorrect: T };

export type LengthStats = {
  /** mean response length in characters, over all responses and split by correctness */
  chars: Split<number | null>;
  /** mean length in tokens, when the store knows token counts */
  tokens?: Split<number | null>;
  /** per coarse base bin, split by correctness: number of responses and their mean length in characters */
  by_bin: Array<{ label: string; correct: { responses: number; mean_chars: number | null }; incorrect: { responses: number; mean_chars: number | null } }>;
};

export type KeywordStats = {
  keywords: string[];
  /** mean number of keyword occurrences per response */
  per_response: Split<number | null>;
  /** share of responses with at least one keyword */
  responses_with_any: Split<number | null>;
  /** per keyword: mean occurrences per response, split by correctness */
  by_keyword: Record<string, { correct: number | null; incorrect: number | null }>;
  /** per coarse base bin: mean keyword occurrences per response, split by correctness */
  by_bin: Array<{ label: string; correct: number | null; incorrect: number | null }>;
};

/** Accumulates response length and reflection-keyword statistics over graded responses, one at a time. */
export class TextStatsAccumulator {
  private readonly count: (text: string) => Int32Array;
  private readonly chars = split(() => new Tally());
  private readonly tokens = split(() => new Tally());
  private readonly kwTotal = split(() => new Tally());
  private readonly kwAny = split(() => new Tally());
  /** per keyword, summed occurrences over correct / incorrect responses (divided by the response counts at the end) */
  private readonly keywordSums: { correct: Float64Array; incorrect: Float64Array };
  private readonly binChars: Array<{ correct: Tally; incorrect: Tally }>;
  private readonly binKw: Array<{ correct: Tally; incorrect: Tally }>;

  constructor(
    private readonly coarse: readonly Bin[],
    private readonly keywords: readonly string[] = STUDY_KEYWORDS,
  ) {
    this.count = keywordCounter(keywords);
    const pair = () => ({ correct: new Tally(), incorrect: new Tally() });
    this.keywordSums = { correct: new Float64Array(keywords.length), incorrect: new Float64Array(keywords.length) };
    this.binChars = coarse.map(pair);
    this.binKw = coarse.map(pair);
  }

  /** `coarseBin` is the response's question's coarse base bin, -1 when the base has no result for it. */
  add(text: string, correct: boolean, coarseBin: number, nTokens?: number | null): void {
    const side = correct ? "correct" : "incorrect";
    const counts = this.count(text);
    const sums = this.keywordSums[side];
    let total = 0;
    for (let i = 0; i < counts.length; i++) {
      total += counts[i]!;
      sums[i]! += counts[i]!;
    }
    for (const s of ["all", side] as const) {
      this.chars[s].add(text.length);
      if (nTokens !== undefined && nTokens !== null) this.tokens[s].add(nTokens);
      this.kwTotal[s].add(total);
      this.kwAny[s].add(total > 0 ? 1 : 0);
    }
    if (coarseBin >= 0) {
      this.binChars[coarseBin]![side].add(text.length);
      this.binKw[coarseBin]![side].add(total);
    }
  }

  get responses(): number {
    return this.chars.all.n;
  }

  result(): { length: LengthStats; keywords: KeywordStats } {
    const means = (s: Split<Tally>) => ({ all: s.all.mean, correct: s.correct.mean, incorrect: s.incorrect.mean });
    const length: LengthStats = {
      chars: means(this.chars),
      by_bin: this.coarse.map((bin, b) => ({
        label: bin.label,
        correct: { responses: this.binChars[b]!.correct.n, mean_chars: this.binChars[b]!.correct.mean },
        incorrect: { responses: this.binChars[b]!.incorrect.n, mean_chars: this.binChars[b]!.incorrect.mean },
      })),
    };
    if (this.tokens.all.n > 0) length.tokens = means(this.tokens);
    const by_keyword: KeywordStats["by_keyword"] = {};
    const perResponse = (side: "correct" | "incorrect", i: number) => (this.chars[side].n === 0 ? null : this.keywordSums[side][i]! / this.chars[side].n);
    this.keywords.forEach((k, i) => (by_keyword[k] = { correct: perResponse("correct", i), incorrect: perResponse("incorrect", i) }));
    return {
      length,
      keywords: {
        keywords: [...this.keywords],
        per_response: means(this.kwTotal),
        responses_with_any: means(this.kwAny),
        by_keyword,
        by_bin: this.coarse.map((bin, b) => ({ label: bin.label, correct: this.binKw[b]!.correct.mean, incorrect: this.binKw[b]!.incorrect.mean })),
      },
    };
  }
}

function split<T>(make: () => T): Split<T> {
  return { all: make(), correct: make(), incorrect: make() };
}
