import type { TextAggregate } from "./sample-stats.js";

/** The six summed fields of a text cell; `correct` and `bin` say which cell, and are not added. */
export type TextCellSums = Omit<TextAggregate, "correct" | "bin">;

/**
 * Adds `from`'s sums into `into`, field by field (the store's per-question sums into bins, the report's bins
 * into coarse bins). The sums are integer counts, so the order of additions cannot change a double.
 */
export function addTextCell(into: TextCellSums, from: Readonly<TextCellSums>): void {
  into.responses += from.responses;
  into.chars += from.chars;
  into.tokens += from.tokens;
  into.token_responses += from.token_responses;
  into.keyword_total += from.keyword_total;
  into.with_keyword += from.with_keyword;
}
