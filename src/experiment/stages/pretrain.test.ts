import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../../test-helpers/tmp.js";
import { runStages } from "../runner.js";
import { loadSpec } from "../spec.js";
import { STAGE_KINDS } from "./index.js";

const tmp = useTmpDirs();

describe("the pretrain stage", () => {
  it("refuses a corpus longer than the model's context before it trains, naming the context it needs", async () => {
    // every document is `Q A BCDE\n` (9) + a reflect solution of 4 checked steps: at least 4 x 19 + 11 characters
    const dir = tmp();
    const file = join(dir, "spec.yaml");
    writeFileSync(file, `name: long
stages:
  - { id: world, kind: world, world: { seed: 1, alphabet: 4, chainLengths: [4], formats: { direct: 0, steps: 0, check: 0, shortcut: 0, reflect: 1 } }, test: 4, train: 4 }
  - { id: base, kind: pretrain, world: world, author: base, documents: 20, model: { dim: 8, layers: 1, heads: 1, context: 64 }, train: { steps: 1 } }
`);
    const run = join(dir, "run");
    const error = await runStages(loadSpec(file, STAGE_KINDS).stages, { runDir: run, kinds: STAGE_KINDS }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const m = /stage base: the corpus has a document of (\d+) tokens, more than model.context 64 holds \(set it to at least (\d+)\)/.exec((error as Error).message);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(9 + 4 * 19 + 11 + 2);
    expect(Number(m![2])).toBe(Number(m![1]) - 1);
    // nothing trained: no checkpoint was written
    expect(existsSync(join(run, "stages", "base", "model", "model.safetensors"))).toBe(false);
  });
});
