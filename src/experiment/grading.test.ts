// The grading convention end to end: flags on each verdict-making command, the store's grading column (old
// stores included), import --regrade, and analyze's refusal to compare models graded differently.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importSamplesFile } from "../store/import-samples.js";
import { modelGradings } from "../store/queries.js";
import { withStore } from "../store/store.js";
import { toLegacyStore } from "../test-helpers/legacy-store.js";
import { runCli } from "../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";

const tmp = useTmpDirs();

// Two models answering the same questions; "rl" writes boxes, "base" mostly does not.
const LINES = [
  { model: "base", question: "q1", answer: "5", response: "2 + 3 = 5, so the sum is 5." },
  { model: "base", question: "q1", response: "\\boxed{5}" },
  { model: "base", question: "q2", answer: "x^2-4", response: "It factors as (x-2)(x+2) and expands to $x^2-4$." },
  { model: "rl", question: "q1", response: "\\boxed{5}" },
  { model: "rl", question: "q1", response: "so it is 5" },
  { model: "rl", question: "q2", response: "\\boxed{x^2 - 4}" },
];

async function gradings(run: string) {
  return withStore(run, {}, (s) => modelGradings(s));
}

describe("grading conventions in the store", () => {
  it("records each verdict's convention; analyze refuses mixed gradings unless told to", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "s.jsonl", LINES));
    expect((await runCli("grade", run, "--model", "base", "--workers", "1")).out).toMatch(/graded 3 samples: 3 correct \(grading: any\)/);
    const boxed = await runCli("grade", run, "--model", "rl", "--workers", "1", "--extract", "boxed");
    expect(boxed.out).toMatch(/graded 3 samples: 2 correct \(grading: boxed\)/);
    expect(await gradings(run)).toEqual([{ model: "base", grading: "any", n: 3 }, { model: "rl", grading: "boxed", n: 3 }]);
    const rows = await withStore(run, {}, (s) => s.all<{ sample_index: number; correct: boolean; verify_status: string; grading: string }>(
      "SELECT sample_index, correct, verify_status, grading FROM samples WHERE model = 'rl' AND question_id = 'q1' ORDER BY sample_index",
    ));
    // "so it is 5" has no box: wrong under the study's convention
    expect(rows).toEqual([{ sample_index: 0, correct: true, verify_status: "ok", grading: "boxed" }, { sample_index: 1, correct: false, verify_status: "no_answer", grading: "boxed" }]);

    const refused = await runCli("analyze", run, "--base", "base");
    expect(refused.code).toBe(2);
    expect(refused.err.trim().split("\n")).toHaveLength(1);
    expect(refused.err).toMatch(/^rlvd: .*different conventions .*base \(any\), rl \(boxed\).*--allow-mixed-grading/);
    expect(refused.out).toBe("");

    const allowed = await runCli("analyze", run, "--base", "base", "--allow-mixed-grading");
    expect(allowed.code).toBe(0);
    expect(allowed.out).toMatch(/^base: .*graded: any$/m);
    expect(allowed.out).toMatch(/^rl: .*graded: boxed$/m);
    expect(allowed.out).toMatch(/warning: models graded under different conventions/);
    const json = JSON.parse((await runCli("analyze", run, "--base", "base", "--allow-mixed-grading", "--json")).out);
    expect(json.grading).toEqual({ base: ["any"], rl: ["boxed"] });

    // the report says which convention graded each model, and warns
    expect((await runCli("report", run, "--base", "base")).code).toBe(0);
    const md = readFileSync(join(run, "summary.md"), "utf8");
    expect(md).toMatch(/^Grading .*: base any, rl boxed\.$/m);
    expect(md).toMatch(/^- models graded under different conventions/m);
    expect(readFileSync(join(run, "report.html"), "utf8")).toContain("grading: base any, rl boxed");
  }, 120_000);

  it("reads a store written before conventions: no column, and its verdicts count as any", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "s.jsonl", LINES.slice(0, 2)));
    await runCli("grade", run, "--workers", "1");
    // make it an old store: one rlvd.duckdb file, the samples table as it was before the grading column
    await toLegacyStore(run, { dropColumns: [["samples", "grading"]] });
    await withStore(run, {}, async (s) => {
      const cols = await s.all<{ column_name: string }>("SELECT column_name FROM information_schema.columns WHERE table_name = 'samples' AND column_name = 'grading'");
      expect(cols).toHaveLength(1);
    });
    expect(await gradings(run)).toEqual([{ model: "base", grading: "any", n: 2 }]);
    // graded again under any, it still compares with a model graded under any now
    await importSamplesFile(run, writeJsonl(dir, "t.jsonl", [LINES[3]]));
    await runCli("grade", run, "--workers", "1");
    expect((await runCli("analyze", run, "--base", "base")).code).toBe(0);
  }, 120_000);

  it("import samples --regrade replaces imported verdicts with rlvd's, under the chosen convention", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const file = writeJsonl(dir, "q.jsonl", [
      // the imported verdicts are those of another grader: both claim correct
      { model: "m", question: "q1", answer: "5", response: "the sum is 5", correct: true },
      { model: "m", question: "q1", response: "\\boxed{5}", correct: true },
    ]);
    const r = await runCli("import", "samples", file, "--run", run, "--regrade", "--extract", "boxed", "--workers", "1");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/regraded 2 samples: 1 correct \(grading: boxed\)/);
    const rows = await withStore(run, {}, (s) => s.all<{ correct: boolean; verify_status: string; grading: string }>(
      "SELECT correct, verify_status, grading FROM samples ORDER BY sample_index",
    ));
    expect(rows).toEqual([{ correct: false, verify_status: "no_answer", grading: "boxed" }, { correct: true, verify_status: "ok", grading: "boxed" }]);
    // without --regrade the imported verdicts stay, marked as imported
    const run2 = join(dir, "run2");
    await runCli("import", "samples", file, "--run", run2);
    expect(await gradings(run2)).toEqual([{ model: "m", grading: "imported", n: 2 }]);
  }, 120_000);
});

describe("grading flags", () => {
  it("a bad --extract is a one-line usage error (exit 2) on every command that grades", async () => {
    for (const argv of [
      ["verify", "--gold", "5", "--pred", "5", "--extract", "last"],
      ["grade", "somewhere", "--extract", "last"],
      ["reward-server", "--extract", "last"],
      ["import", "samples", "f.jsonl", "--run", "r", "--regrade", "--extract", "last"],
      ["sample", "--model", "openai:m@http://127.0.0.1:9", "--dataset", "d.jsonl", "-k", "1", "--run", "r", "--extract", "last"],
      ["train", "grpo", "--out", "o", "--reward", "math", "--extract", "last"],
    ]) {
      const r = await runCli(...argv);
      expect([argv[0], r.code]).toEqual([argv[0], 2]);
      expect(r.err).toMatch(/--extract <convention>' argument 'last' is invalid\. expected one of any, boxed, answer-tag, final \(got "last"\)/);
    }
  });
  it("verify --extract and --no-strict change the verdict as documented", async () => {
    expect((await runCli("verify", "--gold", "5", "--pred", "so it is 5")).out).toMatch(/^correct/);
    expect((await runCli("verify", "--gold", "5", "--pred", "so it is 5", "--extract", "boxed")).out).toMatch(/^incorrect \(no_answer\)/);
    expect((await runCli("verify", "--gold", "5", "--pred", "<answer>5</answer>", "--extract", "answer-tag")).out).toMatch(/^correct/);
    expect((await runCli("verify", "--gold", "x+1", "--pred", "$y+1$")).out).toMatch(/^incorrect/);
    expect((await runCli("verify", "--gold", "x+1", "--pred", "$y+1$", "--no-strict")).out).toMatch(/^correct/);
    expect((await runCli("verify", "--gold", "x+1", "--pred", "$y+1$", "--strict")).out).toMatch(/^incorrect/);
  });
});
