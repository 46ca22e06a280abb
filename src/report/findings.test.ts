import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { importCountsFile } from "../store/import-counts.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { analyzeRun, type Analysis } from "./analyze-run.js";
import { judgeFindings, type Finding } from "./findings.js";
import { studyFixture } from "./test-helpers/study-fixture.js";

const tmp = useTmpDirs();
const byId = (fs: Finding[]) => Object.fromEntries(fs.map((f) => [f.id, f]));

describe("findings", () => {
  let study: Analysis;
  beforeAll(async () => {
    study = await analyzeRun(await studyFixture(tmp(), { trainLogs: false }));
  });

  it("judges every study finding on a run built to show them", () => {
    const f = byId(judgeFindings(study));
    expect(Object.keys(f)).toEqual([
      "rlvr-accuracy", "rlvr-capability", "rlvr-middle-bins", "rlvr-hardest-bins", "rlvr-entropy", "rlvr-length", "rlvr-keywords",
      "self-distillation", "patterns-like-rlvr", "knowledge-raises-capability",
    ]);
    for (const finding of Object.values(f)) expect([finding.id, finding.verdict]).toEqual([finding.id, "holds"]);
    expect(f["rlvr-accuracy"]!.evidence).toMatch(/^accuracy changed by \+0\.109 \[/);
    expect(f["rlvr-hardest-bins"]!.evidence).toContain("5 questions base solved at least once became unsolved, 0 unsolved ones became solved");
    expect(f["rlvr-entropy"]!.evidence).toMatch(/^lower in all 8 bins/);
    expect(f["rlvr-middle-bins"]!.figures).toEqual(["bin-accuracy-delta", "transition-rlvr"]);
  });

  it("says when a finding does not hold, and which data a finding lacks", () => {
    // swap the roles: judged as if base were the trained model of rlvr
    const swapped = { ...study, base: "rlvr", comparisons: [] } as Analysis;
    expect(judgeFindings(swapped)).toEqual([]); // no comparisons, nothing to judge
    const f = byId(judgeFindings({ ...study, comparisons: study.comparisons.filter((c) => c.other !== "distill-knowledge") }));
    expect(f["knowledge-raises-capability"]).toMatchObject({ verdict: "cannot be judged", evidence: "the run has no distill-knowledge model" });
  });

  it("does not credit self-distillation when the base's own responses reach RLVR's interval", () => {
    const rl = study.comparisons.find((c) => c.other === "rlvr")!.significance.accuracy;
    // base<-base's gain moved to a given value, everything else as measured
    const judged = (delta: number) => {
      const comparisons = study.comparisons.map((c) => c.other !== "base<-base" ? c
        : { ...c, significance: { ...c.significance, accuracy: { ...c.significance.accuracy, delta } } });
      return byId(judgeFindings({ ...study, comparisons }))["self-distillation"]!.verdict;
    };
    expect(judged(rl.ci[0] - 1e-6)).toBe("holds");
    expect(judged(rl.ci[0])).toBe("does not hold");
    expect(judged(rl.delta)).toBe("does not hold");
  });

  it("judges every model against the base generically when the names are not the study's", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const lines = [];
    for (let q = 0; q < 30; q++) {
      const base = q; // 0..29 correct of 32: every bin up to 25-32 has questions
      lines.push({ question: `q${q}`, model: "small", n: 32, correct: base });
      lines.push({ question: `q${q}`, model: "big", n: 32, correct: Math.min(32, base + 4) });
    }
    await importCountsFile(run, writeJsonl(dir, "c.jsonl", lines));
    const f = byId(judgeFindings(await analyzeRun(run, { base: "small" })));
    expect(f["big-accuracy"]!.verdict).toBe("holds");
    expect(f["big-accuracy"]!.claim).toBe("big raises accuracy (pass@1) over small");
    expect(f["big-hardest-bins"]!.verdict).toBe("does not hold");
    for (const id of ["big-entropy", "big-length", "big-keywords"]) expect(f[id]!.verdict).toBe("cannot be judged");
    expect(f["big-length"]!.evidence).toBe("no response texts stored for small and big");
    const noBase = judgeFindings(await analyzeRun(run));
    expect(noBase).toHaveLength(1);
    expect(noBase[0]).toMatchObject({ id: "no-base", verdict: "cannot be judged" });
  });
});
