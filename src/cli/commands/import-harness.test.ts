import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { QUESTIONS, RESPONSES, openrlhfFile, skythoughtFile, verlDumpFile, writeDataset } from "../../test-helpers/harness-fixtures.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();

describe("rlvd import samples (harness files)", () => {
  it("says which format it detected, and analyze --json carries the harness verdicts", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const imp = await runCli("import", "samples", skythoughtFile(dir), "--run", run, "--model", "sky");
    expect(imp).toMatchObject({ code: 0 });
    expect(imp.out).toMatch(/results\.json \(skythought, detected\): 6 new, 0 already stored; 3 questions, models: sky/);
    const a = await runCli("analyze", run, "--json");
    expect(a.code).toBe(0);
    const harnessRight = RESPONSES.flat().filter((r) => r.harness).length;
    // nothing regraded yet: every verdict is the harness's, none compared
    expect(JSON.parse(a.out).harness_agreement).toEqual([{ model: "sky", harness_verdicts: 6, compared: 0, agree: 0, harness_only: 0, rlvd_only: 0, agreement: null }]);
    expect(JSON.parse(a.out).models.sky.accuracy).toBeCloseTo(harnessRight / 6, 12);
  });

  it("--format forces a format, --dataset lists what it could not match, --seed-offset takes a number", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const r = await runCli("import", "samples", openrlhfFile(dir), "--run", run, "--model", "m", "--format", "openrlhf", "--dataset", writeDataset(dir), "--seed-offset", "4");
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\(openrlhf\): 8 new/);
    expect(r.out).toMatch(/sample indices start at 4/);
    expect(r.out).toMatch(/matched 3 questions to the dataset; 1 not found: p-[0-9a-f]{16} \("User: Name a prime\. Assistant:"\)\n/);
    expect(QUESTIONS.length).toBe(3);
  });

  it("one-line errors: an unknown format names the closest, a missing --model says so, a bad offset is a usage error", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const odd = await runCli("import", "samples", writeJsonl(dir, "odd.jsonl", [{ input: "x" }]), "--run", run, "--model", "m");
    expect(odd.code).toBe(1);
    expect(odd.err).toMatch(/^rlvd: .*odd\.jsonl:1: matches no known format; closest is openrlhf \(missing field "output"\); name one with --format\n$/);
    const noModel = await runCli("import", "samples", verlDumpFile(dir, 5), "--run", run);
    expect(noModel.err).toMatch(/^rlvd: .*5\.jsonl: the verl-dump format has no model name; pass --model NAME\n$/);
    expect((await runCli("import", "samples", verlDumpFile(dir, 5), "--run", run, "--model", "m", "--seed-offset", "-1")).code).toBe(2);
    expect((await runCli("import", "samples", verlDumpFile(dir, 5), "--run", run, "--model", "m", "--format", "nope")).code).toBe(2);
  });
});
