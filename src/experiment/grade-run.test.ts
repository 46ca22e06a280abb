import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importSamplesFile } from "../store/import-samples.js";
import { questionResults } from "../store/queries.js";
import { withStore } from "../store/store.js";
import { runCli } from "../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";

const tmp = useTmpDirs();

describe("rlvd grade", () => {
  it("verifies ungraded samples against gold answers and leaves graded ones alone", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await importSamplesFile(run, writeJsonl(dir, "s.jsonl", [
      { model: "m", question: "half", answer: "\\frac{1}{2}", response: "so the answer is $\\boxed{0.5}$" },
      { model: "m", question: "half", response: "I get \\boxed{\\dfrac{2}{4}}." },
      { model: "m", question: "half", response: "\\boxed{1/3}" },
      { model: "m", question: "half", response: "no idea" },
      { model: "m", question: "pair", answer: "(1,2)", response: "\\boxed{(2,1)}", correct: true },
    ]));
    const r = await runCli("grade", run, "--workers", "1");
    expect(r.out).toMatch(/graded 4 samples: 2 correct/);
    const rows = await withStore(run, {}, (s) => s.all<{ sample_index: number; correct: boolean; extracted: string | null; verify_status: string }>(
      "SELECT sample_index, correct, extracted, verify_status FROM samples WHERE question_id = 'half' ORDER BY sample_index",
    ));
    expect(rows.map((x) => [x.correct, x.verify_status])).toEqual([[true, "ok"], [true, "ok"], [false, "ok"], [false, "no_answer"]]);
    expect(rows[0]!.extracted).toBe("0.5");
    // the imported verdict (wrong, but given) is kept
    expect(await withStore(run, {}, (s) => questionResults(s))).toContainEqual({ model: "m", question_id: "pair", n: 1, correct: 1 });
    expect((await runCli("grade", run, "--workers", "1")).out).toMatch(/graded 0 samples/);
  }, 60_000);
});
