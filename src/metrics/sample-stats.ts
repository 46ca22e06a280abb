import { answerEntropy, groupAnswers, groupCodedAnswers, groupingEquivalence, majAtKs, type AnswerEquivalence, type AnswerGroups, type AnswerGrouping, type CodedAnswers } from "./answers.js";
import type { Bin } from "./bins.js";
import { millerMadowEntropy } from "./entropy-mm.js";
import { keywordCounter, STUDY_KEYWORDS, Tally } from "./text-stats.js";

/** The samples of one question, in sample order, as the stats below consume them. */
export type QuestionSamples = {
  question_id: string;
  answers: (string | null)[];
  verdicts: (boolean | null)[];
};

export type AnswerStats = {
  /** how answers were grouped into classes for maj@k and entropy (answers.ts: AnswerGrouping) */
  answer_grouping: AnswerGrouping | "custom";
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
  private readonly equivalent: AnswerEquivalence;
  private readonly grouping: AnswerGrouping | "custom";
  /** Miller-Madow (bias-corrected) answer entropy of each question, for the findings' paired tests */
  readonly correctedEntropy = new Map<string, number>();

  /** `grouping`: a named grouping, or an equivalence function of one's own (reported as "custom"). */
  constructor(
    private readonly ks: readonly number[],
    private readonly bins: readonly Bin[],
    private readonly binOf: (questionId: string) => number,
    grouping: AnswerGrouping | AnswerEquivalence = "exact",
    private readonly seed = 0,
  ) {
    this.grouping = typeof grouping === "function" ? "custom" : grouping;
    this.equivalent = typeof grouping === "function" ? grouping : groupingEquivalence(grouping);
    for (const k of ks) this.maj.set(k, new Tally());
    this.entropyByBin = bins.map(() => new Tally());
  }

  add(question: QuestionSamples): void {
    this.addGroups(question.question_id, groupAnswers(question.answers, question.verdicts, this.equivalent));
  }

  /** add() for a question read as answer codes (store/queries.ts: answerCodesByQuestion): the same statistics. */
  addCoded(question: CodedAnswers): void {
    this.addGroups(question.question_id, groupCodedAnswers(question, this.equivalent));
  }

  private addGroups(questionId: string, groups: AnswerGroups): void {
    const n = groups.group.length;
    const ks = this.ks.filter((k) => k <= n);
    majAtKs(groups, ks, { seed: this.seed }).forEach((m, i) => this.maj.get(ks[i]!)!.add(m));
    const h = answerEntropy(groups);
    this.correctedEntropy.set(questionId, millerMadowEntropy(groups));
    this.entropy.add(h);
    const b = this.binOf(questionId);
    if (b >= 0) this.entropyByBin[b]!.add(h);
  }

  result(): AnswerStats {
    const maj_at_k: Record<string, number> = {};
    for (const [k, t] of this.maj) if (t.mean !== null) maj_at_k[String(k)] = t.mean;
    return {
      answer_grouping: this.grouping,
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
  /** mean length in tokens, when token counts are known */
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

/** Sums over the graded responses of one (correctness, coarse bin) cell; bin -1: question not in the base. */
export type TextAggregate = {
  correct: boolean;
  bin: number;
  responses: number;
  chars: number;
  /** summed token counts, over the `token_responses` responses that have one */
  tokens: number;
  token_responses: number;
  keyword_total: number;
  with_keyword: number;
};
/** Occurrences of one keyword (as matched) in responses of one correctness. */
export type KeywordAggregate = { correct: boolean; keyword: string; count: number };

export type TextItem = { text: string; correct: boolean; bin: number; n_tokens?: number | null };

/** The aggregates of `textStats` computed in memory (the store computes the same ones in SQL). */
export function aggregateTexts(items: Iterable<TextItem>, keywords: readonly string[] = STUDY_KEYWORDS): { cells: TextAggregate[]; keywords: KeywordAggregate[] } {
  const count = keywordCounter(keywords);
  const cells = new Map<string, TextAggregate>();
  const perKeyword = new Map<string, KeywordAggregate>();
  for (const item of items) {
    const key = `${item.correct}|${item.bin}`;
    let cell = cells.get(key);
    if (!cell) cells.set(key, (cell = { correct: item.correct, bin: item.bin, responses: 0, chars: 0, tokens: 0, token_responses: 0, keyword_total: 0, with_keyword: 0 }));
    const counts = count(item.text);
    const total = counts.reduce((a, b) => a + b, 0);
    cell.responses++;
    cell.chars += item.text.length;
    if (item.n_tokens !== undefined && item.n_tokens !== null) {
      cell.tokens += item.n_tokens;
      cell.token_responses++;
    }
    cell.keyword_total += total;
    if (total > 0) cell.with_keyword++;
    counts.forEach((c, i) => {
      if (c === 0) return;
      const k = `${item.correct}|${keywords[i]!.toLowerCase()}`;
      const agg = perKeyword.get(k) ?? { correct: item.correct, keyword: keywords[i]!.toLowerCase(), count: 0 };
      agg.count += c;
      perKeyword.set(k, agg);
    });
  }
  return { cells: [...cells.values()], keywords: [...perKeyword.values()] };
}

/** Length and reflection-keyword statistics from per-cell sums. */
export function textStats(
  cells: readonly TextAggregate[],
  keywordCounts: readonly KeywordAggregate[],
  coarse: readonly Bin[],
  keywords: readonly string[] = STUDY_KEYWORDS,
): { length: LengthStats; keywords: KeywordStats } {
  const sum = (pick: (c: TextAggregate) => number, filter: (c: TextAggregate) => boolean) => cells.filter(filter).reduce((s, c) => s + pick(c), 0);
  const sides = { all: () => true, correct: (c: TextAggregate) => c.correct, incorrect: (c: TextAggregate) => !c.correct } as const;
  const ratio = (num: number, den: number) => (den === 0 ? null : num / den);
  const split = (num: (c: TextAggregate) => number, den: (c: TextAggregate) => number): Split<number | null> => ({
    all: ratio(sum(num, sides.all), sum(den, sides.all)),
    correct: ratio(sum(num, sides.correct), sum(den, sides.correct)),
    incorrect: ratio(sum(num, sides.incorrect), sum(den, sides.incorrect)),
  });
  const responses = (c: TextAggregate) => c.responses;
  const cell = (b: number, correct: boolean) => cells.filter((c) => c.bin === b && c.correct === correct);
  const length: LengthStats = {
    chars: split((c) => c.chars, responses),
    by_bin: coarse.map((bin, b) => {
      const side = (correct: boolean) => {
        const n = cell(b, correct).reduce((s, c) => s + c.responses, 0);
        return { responses: n, mean_chars: ratio(cell(b, correct).reduce((s, c) => s + c.chars, 0), n) };
      };
      return { label: bin.label, correct: side(true), incorrect: side(false) };
    }),
  };
  if (sum((c) => c.token_responses, sides.all) > 0) length.tokens = split((c) => c.tokens, (c) => c.token_responses);
  const totalResponses = { correct: sum(responses, sides.correct), incorrect: sum(responses, sides.incorrect) };
  const by_keyword: KeywordStats["by_keyword"] = {};
  for (const k of keywords) {
    const occurrences = (correct: boolean) => keywordCounts.filter((a) => a.correct === correct && a.keyword === k.toLowerCase()).reduce((s, a) => s + a.count, 0);
    by_keyword[k] = { correct: ratio(occurrences(true), totalResponses.correct), incorrect: ratio(occurrences(false), totalResponses.incorrect) };
  }
  const binKeywords = (b: number, correct: boolean) => {
    const cs = cell(b, correct);
    return ratio(cs.reduce((s, c) => s + c.keyword_total, 0), cs.reduce((s, c) => s + c.responses, 0));
  };
  return {
    length,
    keywords: {
      keywords: [...keywords],
      per_response: split((c) => c.keyword_total, responses),
      responses_with_any: split((c) => c.with_keyword, responses),
      by_keyword,
      by_bin: coarse.map((bin, b) => ({ label: bin.label, correct: binKeywords(b, true), incorrect: binKeywords(b, false) })),
    },
  };
}
