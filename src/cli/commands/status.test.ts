import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();

describe("rlvd status", () => {
  it("prints per model samples and questions complete/partial, and the same as JSON", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    // q0 has 3 samples, q1 one: with no sampling record, k is the most any question has (3)
    const lines = [0, 1, 2].map((i) => ({ model: "m", question: "q0", sample_index: i, response: "r", correct: i === 0 }))
      .concat([{ model: "m", question: "q1", sample_index: 0, response: "r", correct: false }]);
    expect((await runCli("import", "samples", writeJsonl(dir, "s.jsonl", lines), "--run", run)).code).toBe(0);
    const text = await runCli("status", run);
    expect(text.code).toBe(0);
    expect(text.out).toContain("m: 4 samples (4 graded), imported, questions 1 complete, 1 partial, 0 missing");
    const json = JSON.parse((await runCli("status", run, "--json")).out);
    expect(json.models).toEqual([expect.objectContaining({ model: "m", samples: 4, complete: 1, partial: 1, writers: 0, duplicates: 0 })]);
  }, 60_000);

  it("a folder that is not a run, and a bad --shard, are one-line errors", async () => {
    const r = await runCli("status", join(tmp(), "nope"));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/not a run folder/);
    const s = await runCli("sample", "--model", "openai:m@http://127.0.0.1:9/v1", "--dataset", "x.jsonl", "-k", "2", "--run", tmp(), "--shard", "3/2");
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/--shard.*expected I\/N with 1 <= I <= N/);
  }, 60_000);
});
