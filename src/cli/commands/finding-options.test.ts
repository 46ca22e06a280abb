import { describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();

async function run(): Promise<string> {
  const dir = tmp();
  const lines = [];
  for (let q = 0; q < 30; q++) {
    lines.push({ question: `q${q}`, model: "base", n: 16, correct: q % 17 });
    lines.push({ question: `q${q}`, model: "rl", n: 16, correct: Math.min(16, (q % 17) + 2) });
  }
  const r = `${dir}/run`;
  await runCli("import", "counts", writeJsonl(dir, "c.jsonl", lines), "--run", r);
  return r;
}

describe("the findings' settings on analyze and report", () => {
  it("puts the findings under \"findings\" in analyze --json, judged with the given alpha, margin and resamples", async () => {
    const dir = await run();
    const r = await runCli("analyze", dir, "--json", "--alpha", "0.01", "--margin", "0.05", "--resamples", "2000", "--min-bin", "5");
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(json.finding_tests.settings).toMatchObject({ alpha: 0.01, margin: 0.05, resamples: 2000, min_bin: 5 });
    const ids = json.findings.map((f: { id: string }) => f.id);
    expect(ids).toEqual(["rl-accuracy", "rl-capability", "rl-middle-bins", "rl-hardest-bins", "rl-entropy", "rl-length", "rl-keywords"]);
    const acc = json.findings[0];
    expect(Object.keys(acc)).toEqual(expect.arrayContaining(["id", "claim", "verdict", "test", "estimate", "ci", "p", "n"]));
    expect(acc).toMatchObject({ verdict: "holds", n: 30, target: "new questions" });
    expect(acc.test).toContain("(2000 resamples)");
    expect(json.findings[1].test).toContain("margin +0.05");
  });

  it("rejects bad settings with a one-line usage error", async () => {
    const dir = await run();
    for (const [flag, value, message] of [["--alpha", "0.7", "between 0 and 0.5"], ["--margin", "-1", ">= 0"], ["--resamples", "0", "positive integer"]]) {
      const r = await runCli("analyze", dir, flag!, value!);
      expect(r.code, flag).toBe(2);
      expect(r.err, flag).toContain(message!);
      expect(r.err, flag).not.toMatch(/\n\s+at /);
    }
  });
});
