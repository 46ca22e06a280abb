import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { importCountsFile } from "../store/import-counts.js";
import { withStore } from "../store/store.js";
import { toLegacyStore } from "../test-helpers/legacy-store.js";
import { writeJsonl } from "../test-helpers/tmp.js";
import { analyzeRun, analyzeStore, type AnalyzeOptions } from "./analyze-run.js";
import { clearAnalysisCache, optionsKey } from "./analysis-cache.js";
import { reportContent } from "./report.js";
import { FIXTURE_N, questionId, studyFixture } from "./test-helpers/study-fixture.js";

const REUSED = "reusing the analysis of this snapshot";

/** analyzeRun, and whether it reused a cached analysis (its progress line says so). */
async function analyzeTracked(run: string, options: AnalyzeOptions = {}): Promise<{ analysis: Awaited<ReturnType<typeof analyzeRun>>; reused: boolean }> {
  const lines: string[] = [];
  const analysis = await analyzeRun(run, { ...options, onProgress: (m) => lines.push(m) });
  return { analysis, reused: lines.includes(REUSED) };
}

/** The analysis computed from scratch, no cache involved. */
const uncached = (run: string, options: AnalyzeOptions = {}) => withStore(run, {}, (s) => analyzeStore(s, options));

describe("optionsKey", () => {
  it("fills in defaults, ignores progress callbacks, and tells apart every option that changes the analysis", () => {
    const plain = optionsKey({});
    expect(optionsKey({ seed: 0, confidence: 0.95, fit: true, fitBins: false, mixedGrading: "warn", onProgress: () => {} })).toBe(plain);
    const changed: AnalyzeOptions[] = [
      { base: "b" }, { ks: [1, 2] }, { binEdges: [0, 4] }, { keywords: ["wait"] }, { grouping: "exact" }, { seed: 1 }, { confidence: 0.9 },
      { study: { rl: "x" } }, { findings: { alpha: 0.1 } }, { findings: { alpha: undefined } }, { fitKs: [1000] }, { fit: false },
      { fitVariant: "zero" }, { fitBins: true }, { mixedGrading: "refuse" },
    ];
    const keys = changed.map((o) => optionsKey(o));
    for (const [i, k] of keys.entries()) expect(k, JSON.stringify(changed[i])).not.toBe(plain);
    expect(new Set(keys).size).toBe(keys.length);
  });
});

describe("the analysis cache", () => {
  let dir: string;
  let run: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rlvd-analysis-cache-"));
    run = await studyFixture(dir, { trainLogs: false });
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => clearAnalysisCache());

  it("serves the same snapshot and options again, equal to a fresh analysis, and copies it each time", { timeout: 120_000 }, async () => {
    const first = await analyzeTracked(run, { fit: false });
    expect(first.reused).toBe(false);
    const second = await analyzeTracked(run, { fit: false });
    expect(second.reused).toBe(true);
    expect(second.analysis).toEqual(await uncached(run, { fit: false }));
    // a caller that edits its copy (the report sorts comparisons) leaves the cached one as computed
    second.analysis.comparisons.reverse();
    second.analysis.models.base!.accuracy = -1;
    const third = await analyzeTracked(run, { fit: false });
    expect(third.reused).toBe(true);
    expect(third.analysis).toEqual(first.analysis);
  });

  it("recomputes when the options differ, filling in defaults first", { timeout: 120_000 }, async () => {
    await analyzeRun(run, { fit: false });
    expect((await analyzeTracked(run, { fit: false, seed: 0, confidence: 0.95 })).reused).toBe(true);
    const other = await analyzeTracked(run, { fit: false, seed: 3 });
    expect(other.reused).toBe(false);
    expect(other.analysis).toEqual(await uncached(run, { fit: false, seed: 3 }));
    expect((await analyzeTracked(run, { fit: false, findings: { alpha: 0.01 } })).reused).toBe(false);
    expect((await analyzeTracked(run, { fit: false, base: "rlvr" })).reused).toBe(false);
  });

  it("never serves a store that changed: a new model's counts are in the next analysis", async () => {
    const local = mkdtempSync(join(tmpdir(), "rlvd-analysis-cache-w-"));
    try {
      const r = await studyFixture(local, { trainLogs: false });
      const before = await analyzeTracked(r, { fit: false });
      expect(before.analysis.models["late"]).toBeUndefined();
      await importCountsFile(r, writeJsonl(local, "late.jsonl", Array.from({ length: 40 }, (_, i) => ({ question: questionId(i), model: "late", n: FIXTURE_N, correct: i % 5 }))));
      const after = await analyzeTracked(r, { fit: false });
      expect(after.reused).toBe(false);
      expect(after.analysis.models["late"]!.questions).toBe(40);
      expect(after.analysis).toEqual(await uncached(r, { fit: false }));
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
  }, 120_000);

  it("does not cache a legacy single-file store or a custom equivalence", async () => {
    const local = mkdtempSync(join(tmpdir(), "rlvd-analysis-cache-l-"));
    try {
      const r = await studyFixture(local, { trainLogs: false });
      await toLegacyStore(r);
      await analyzeRun(r, { fit: false });
      expect((await analyzeTracked(r, { fit: false })).reused).toBe(false);
    } finally {
      rmSync(local, { recursive: true, force: true });
    }
    const equivalent = (a: string, b: string) => a === b;
    expect(optionsKey({ equivalent })).toBeNull();
    await analyzeRun(run, { fit: false, equivalent });
    expect((await analyzeTracked(run, { fit: false, equivalent })).reused).toBe(false);
  }, 120_000);

  it("lets the report reuse the analysis just made (the experiment's analyze then report stages)", async () => {
    const options: AnalyzeOptions = { base: "base", seed: 0, findings: { margin: 0.1, min_bin: 3 } };
    const analysis = await analyzeRun(run, options);
    const lines: string[] = [];
    const content = await reportContent(run, { ...options, onProgress: (m) => lines.push(m) });
    expect(lines).toContain(REUSED);
    const fresh = await uncached(run, options);
    // the report orders comparisons by its model order; everything else is the analysis as computed
    const byOther = (a: { other: string }, b: { other: string }) => a.other.localeCompare(b.other);
    expect({ ...content.analysis, comparisons: [...content.analysis.comparisons].sort(byOther) }).toEqual({ ...fresh, comparisons: [...fresh.comparisons].sort(byOther) });
    expect(analysis).toEqual(fresh);
  }, 120_000);
});
