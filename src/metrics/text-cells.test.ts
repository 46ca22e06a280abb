import { describe, expect, it } from "vitest";
import { addTextCell } from "./text-cells.js";

describe("addTextCell", () => {
  it("adds each of the six sums, and leaves the cell's identity and the source alone", () => {
    const into = { correct: true, bin: 3, responses: 2, chars: 100, tokens: 40, token_responses: 1, keyword_total: 5, with_keyword: 2 };
    const from = { correct: false, bin: 7, responses: 3, chars: 250, tokens: 0, token_responses: 0, keyword_total: 1, with_keyword: 1 };
    addTextCell(into, from);
    expect(into).toEqual({ correct: true, bin: 3, responses: 5, chars: 350, tokens: 40, token_responses: 1, keyword_total: 6, with_keyword: 3 });
    expect(from).toEqual({ correct: false, bin: 7, responses: 3, chars: 250, tokens: 0, token_responses: 0, keyword_total: 1, with_keyword: 1 });
  });
});
