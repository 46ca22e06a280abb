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
    // the fixture has 40 questions: a flatness margin of 0.1 and bins of 3 questions are what it can show
    study = await analyzeRun(await studyFixture(tmp(), { trainLogs: false }), { findings: { margin: 0.1, min_bin: 3 } });
  }, 30_000);

  it("judges every study finding on a run built to show them", () => {
    const f = byId(judgeFindings(study));
    expect(Object.keys(f)).toEqual([
      "rlvr-accuracy", "rlvr-capability", "rlvr-middle-bins", "rlvr-hardest-bins", "rlvr-entropy", "rlvr-length", "rlvr-keywords",
      "self-distillation", "patterns-like-rlvr", "knowledge-raises-capability",
    ]);
    // Two constructed findings are not shown by their tests on 40 questions:
    // - the hardest bin: the fixture takes rlvr's counts to 0 where the base's count is 1-2 of 32, a pattern
    //   made on the same counts that bin the questions; binned on half of the base's samples and measured on the
    //   other half, the rarely-solved bin mixes those with questions rlvr gains on (+0.063 over 6 questions);
    // - knowledge: distill-knowledge solves the 4 unsolved questions, and 4 discordant questions of 40 cannot
    //   reach p < 0.05 even for the exact McNemar test (1/16).
    const expected = (id: string) => (id === "rlvr-hardest-bins" || id === "knowledge-raises-capability" ? "inconclusive" : "holds");
    for (const finding of Object.values(f)) expect([finding.id, finding.verdict]).toEqual([finding.id, expected(finding.id)]);
    expect(f["rlvr-accuracy"]!.evidence).toMatch(/^accuracy changed by \+0\.109 \[/);
    expect(f["rlvr-accuracy"]).toMatchObject({ estimate: expect.closeTo(0.109, 3), n: 40, target: "new questions" });
    expect(f["rlvr-hardest-bins"]!.evidence).toContain("5 questions base solved at least once became unsolved, 0 unsolved ones became solved");
    expect(f["rlvr-hardest-bins"]!.evidence).toMatch(/^bin 1 \(n = 6 questions, split samples\)/);
    // the fixture's wrong rlvr answers are one repeated string: entropy 0 in the bins rlvr never solves
    expect(f["rlvr-entropy"]!.evidence).toMatch(/^Miller-Madow entropy, nats, base → rlvr: 0 \(4\): 1\.433 → 0\.000/);
    expect(f["rlvr-middle-bins"]!.figures).toEqual(["bin-accuracy-delta", "transition-rlvr"]);
    // the length and keyword findings say which way the ratio went, overall, by correctness and by coarse bin
    // (the fixture's rlvr writes about a third of the base's characters and no keywords, in every part)
    expect(f["rlvr-length"]!.evidence).toMatch(/^mean 174 → 61 characters \(ratio 0\.352 \[0\.35\d, 0\.35\d\]\): shorter; correct 174 → 61 \(0\.351 .*, shorter\), incorrect 175 → 62 \(0\.355 .*, shorter\); by coarse base bin: 0-8 174 → 62 \(/);
    expect(f["rlvr-length"]!.evidence.match(/shorter/g)).toHaveLength(7);
    expect(f["rlvr-keywords"]!.evidence).toMatch(/^mean 6\.00 → 0\.00 keywords per response \(ratio 0\.000 \[0\.000, 0\.000\]\): fewer; correct 6\.00 → 0\.00/);
    expect(f["rlvr-keywords"]!.evidence.match(/fewer/g)).toHaveLength(7);
  });

  it("says when a finding does not hold, and which data a finding lacks", () => {
    // swap the roles: judged as if base were the trained model of rlvr
    const swapped = { ...study, base: "rlvr", comparisons: [] } as Analysis;
    expect(judgeFindings(swapped)).toEqual([]); // no comparisons, nothing to judge
    const f = byId(judgeFindings({ ...study, comparisons: study.comparisons.filter((c) => c.other !== "distill-knowledge") }));
    expect(f["knowledge-raises-capability"]).toMatchObject({ verdict: "cannot be judged", evidence: "the run has no distill-knowledge model" });
  });

  it("credits self-distillation only when base<-base is shown to fall short of RLVR", () => {
    // base<-base - rlvr: its one-sided p for "below 0" moved to a given value, everything else as measured
    const judged = (below: number, above: number) => {
      const pairs = { ...study.finding_tests!.pairs };
      const key = "base<-base - rlvr: accuracy";
      pairs[key] = { ...pairs[key]!, p: { ...pairs[key]!.p, "0": { below, above } } };
      return byId(judgeFindings({ ...study, finding_tests: { ...study.finding_tests!, pairs } }))["self-distillation"]!.verdict;
    };
    expect(judged(0.0001, 0.9999)).toBe("holds");
    expect(judged(0.5, 0.5)).toBe("inconclusive"); // not shown to fall short
    expect(judged(0.999, 0.001)).toBe("does not hold"); // shown to reach beyond RLVR
  });

  it("adjusts across the findings (Holm): a p that passes alone can fail in the family", () => {
    const f = judgeFindings(study);
    const judgedP = f.filter((x) => x.p !== null);
    // Holm's adjusted p-values: never below the raw ones, and monotone in the raw ones
    for (const x of judgedP) expect(x.p_holm!).toBeGreaterThanOrEqual(x.p!);
    const sorted = [...judgedP].sort((a, b) => a.p! - b.p!);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.p_holm!).toBeGreaterThanOrEqual(sorted[i - 1]!.p_holm!);
    // a capability p of 0.03 alone passes alpha = 0.05; with 9 tests in the family its Holm step needs less
    const models = { ...study.finding_tests!.models };
    const rl = models.rlvr!;
    models.rlvr = { ...rl, capability: { ...rl.capability, p: { ...rl.capability.p, "0.1": { below: 0.03, above: 0.97 } } } };
    const g = byId(judgeFindings({ ...study, finding_tests: { ...study.finding_tests!, models } }));
    expect(g["rlvr-capability"]!.verdict).toBe("inconclusive");
    expect(g["rlvr-capability"]!.evidence).toMatch(/significant alone \(p=0\.030\) but not after Holm's adjustment/);
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
    // big gains everywhere, but its rarely-solved bin (split samples) has 2 questions: below the minimum size
    expect(f["big-hardest-bins"]!.verdict).toBe("inconclusive");
    expect(f["big-hardest-bins"]!.evidence).toMatch(/^bin 1 \(n = 2 questions, split samples\).*n = 2 is below the minimum of 10$/);
    for (const id of ["big-entropy", "big-length", "big-keywords"]) expect(f[id]!.verdict).toBe("cannot be judged");
    expect(f["big-length"]!.evidence).toBe("no response texts stored for small and big");
    const noBase = judgeFindings(await analyzeRun(run));
    expect(noBase).toHaveLength(1);
    expect(noBase[0]).toMatchObject({ id: "no-base", verdict: "cannot be judged" });
  });
});
