import { describe, expect, it } from "vitest";
import type { Analysis } from "./analyze-run.js";
import { PublishedFiguresSchema, publishedTable } from "./published.js";

const figures = PublishedFiguresSchema.parse({
  source: "the study", dataset: "MATH-500", n: 256,
  models: { base: { bins: { "0": 14, "1-4": 18 }, accuracy: 0.5273, pass_at_k: { "256": 0.972 } }, absent: { accuracy: 0.4 } },
});

function analysis(modalN: number): Analysis {
  const base = { modal_n: modalN, accuracy: 0.5, pass_at_k: { "256": 0.98 }, bins: [{ label: "0", lo: 0, hi: 0, questions: 10, accuracy: 0 }, { label: "1-4", lo: 1, hi: 4, questions: 18, accuracy: 0.01 }] };
  return { base: "base", models: { base }, comparisons: [], warnings: [] } as unknown as Analysis;
}

describe("published figures beside the run's", () => {
  it("lines up each figure with the run's and the difference", () => {
    const t = publishedTable(figures, analysis(256));
    expect(t.rows).toEqual([
      ["base", "questions in bin 0", "14", "10", "-4"],
      ["base", "questions in bin 1-4", "18", "18", "0"],
      ["base", "accuracy (pass@1)", "52.7%", "50.0%", "-2.7 pp"],
      ["base", "pass@256", "97.2%", "98.0%", "+0.8 pp"],
      ["absent", "accuracy (pass@1)", "40.0%", "-", "-"],
    ]);
    expect(t.note).toMatch(/not in this run: absent/);
  });

  it("shows no bin counts of a run sampled at another n (its bins are other bins)", () => {
    const t = publishedTable(figures, analysis(64));
    expect(t.rows[0]).toEqual(["base", "questions in bin 0", "14", "-", "-"]);
  });

  it("refuses a figures file with unknown fields", () => {
    expect(PublishedFiguresSchema.safeParse({ source: "s", dataset: "d", n: 1, models: { m: { pass_at_256: 1 } } }).success).toBe(false);
  });
});
