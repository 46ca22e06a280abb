import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();

function counts(dir: string): string {
  return writeJsonl(dir, "counts.jsonl", [
    { question: "a", model: "base", n: 8, correct: 0 },
    { question: "b", model: "base", n: 8, correct: 4 },
    { question: "a", model: "rl", n: 8, correct: 1 },
    { question: "b", model: "rl", n: 8, correct: 8 },
  ]);
}

describe("rlvd import / analyze / export", () => {
  it("imports counts and prints the analysis as JSON in the documented shape", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const imp = await runCli("import", "counts", counts(dir), "--run", run);
    expect(imp).toMatchObject({ code: 0 });
    expect(imp.out).toMatch(/4 new, 0 already stored; 2 questions, models: base, rl/);
    const r = await runCli("analyze", run, "--json", "--out", join(run, "metrics.json"));
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(Object.keys(json.models)).toEqual(["base", "rl"]);
    const base = json.models.base;
    for (const key of ["questions", "samples_per_question", "samples_total", "accuracy", "accuracy_ci", "pass_at_k", "unsolved", "epsilon", "bins"]) {
      expect(base).toHaveProperty(key);
    }
    expect(base.accuracy).toBeCloseTo(0.25, 12);
    expect(Object.keys(base.pass_at_k)).toEqual(["1", "2", "3", "4", "5", "6", "7", "8"]);
    expect(base.pass_at_k["8"]).toBe(0.5);
    expect(json.comparisons[0]).toMatchObject({ base: "base", other: "rl", questions: 2 });
    expect(JSON.parse(readFileSync(join(run, "metrics.json"), "utf8"))).toEqual(json);
    const manifest = JSON.parse(readFileSync(join(run, "run.json"), "utf8"));
    expect(manifest.history[0]).toMatchObject({ command: "import counts", inserted: 4 });
  });

  it("prints readable tables with the chosen k values", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await runCli("import", "counts", counts(dir), "--run", run);
    const r = await runCli("analyze", run, "--k", "1,8");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/base: 2 questions, 8 samples each \(16 in all\)/);
    expect(r.out).toMatch(/pass@k\s+0\.250\s+0\.500/);
    expect(r.out).toMatch(/rl vs base/);
  });

  it("refuses bin edges that do not increase with a one-line usage error (exit 2)", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await runCli("import", "counts", counts(dir), "--run", run);
    for (const edges of ["5,3,1", "0,8,4"]) {
      const r = await runCli("analyze", run, "--bins", edges);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(new RegExp(`--bins ${edges}: `));
      expect(r.err).not.toMatch(/internal error|at .*\.js:\d+/);
    }
  });

  it("gives one-line errors with exit code 1 for bad input and missing folders", async () => {
    const dir = tmp();
    const bad = writeJsonl(dir, "bad.jsonl", [{ question: "a", model: "m", n: 2, correct: 5 }]);
    const r = await runCli("import", "counts", bad, "--run", join(dir, "run"));
    expect(r.code).toBe(1);
    expect(r.err).toBe(`rlvd: ${bad}:1: field "correct": is larger than n\n`);
    const missing = await runCli("analyze", join(dir, "nowhere"));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/^rlvd: .*nowhere: not a run folder/);
    const flag = await runCli("analyze", dir, "--k", "1,x");
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/"x" in "1,x" is not a non-negative integer/);
  });

  it("exports samples to JSONL and Parquet", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    await runCli("import", "samples", writeJsonl(dir, "s.jsonl", [
      { model: "m", question: "a", response: "\\boxed{1}", correct: true, answer: "1" },
      { model: "m", question: "a", response: "\\boxed{2}", correct: false },
    ]), "--run", run);
    const out = join(dir, "s.out.jsonl");
    expect((await runCli("export", "jsonl", "--run", run, "--out", out)).out).toMatch(/wrote 2 samples/);
    const rows = readFileSync(out, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ model: "m", question_id: "a", sample_index: 1, gold: "1", text: "\\boxed{2}", correct: false });
    const pq = join(dir, "s.parquet");
    expect((await runCli("export", "parquet", "--run", run, "--out", pq)).code).toBe(0);
    const db = await (await DuckDBInstance.create(":memory:")).connect();
    const read = await db.runAndReadAll(`SELECT count(*)::INTEGER AS n, count_if(correct)::INTEGER AS c FROM '${pq}'`);
    expect(read.getRowObjectsJS()).toEqual([{ n: 2, c: 1 }]);
    expect((await runCli("export", "csv", "--run", run, "--out", pq)).code).toBe(2);
  });
});
