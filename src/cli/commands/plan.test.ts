import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();

describe("rlvd plan and analyze's fit flags", () => {
  it("plans from counts, reports pass_at_k_fit with --fit-k, and rejects a bad width with exit code 2", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const lines = Array.from({ length: 40 }, (_, i) => ({ question: `q${i}`, model: "base", n: 8, correct: i % 9 }));
    expect(await runCli("import", "counts", writeJsonl(dir, "c.jsonl", lines), "--run", run)).toMatchObject({ code: 0 });

    const plan = await runCli("plan", run, "--width", "0.2", "--k", "1,8");
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/base: pilot of 8 samples per question; planning for 40 questions/);
    expect(plan.out).toMatch(/accuracy: \d+ samples per question/);
    const json = JSON.parse((await runCli("plan", run, "--width", "0.2", "--json")).out);
    expect(json[0].model).toBe("base");
    expect(json[0].targets[0].k).toBe(1);

    const bad = await runCli("plan", run, "--width", "1.5");
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/width between 0 and 1/);

    const a = JSON.parse((await runCli("analyze", run, "--json", "--fit-k", "1000")).out);
    const fit = a.models.base.pass_at_k_fit;
    expect(Object.keys(fit)).toContain("1000");
    expect(Object.keys(fit)).toContain("128");
    expect(fit["1000"].ci).toHaveLength(2);
    const text = (await runCli("analyze", run)).out;
    expect(text).toMatch(/pass@k beyond n \(a fit/);
    const none = JSON.parse((await runCli("analyze", run, "--json", "--no-fit")).out);
    expect(none.models.base.pass_at_k_fit).toBeUndefined();
    expect((await runCli("analyze", run, "--fit-variant", "nope")).code).toBe(2);
  }, 60_000);
});
