// Spec keys in one case convention (camelCase): the old spellings still load, with one warning line per spec.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { checkStages, stageHashes } from "./runner.js";
import { sameParent } from "./setting-paths.js";
import { loadSpec } from "./spec.js";
import { STAGE_KINDS } from "./stages/index.js";

const tmp = useTmpDirs();
const KINDS = new Map(STAGE_KINDS.map((k) => [k.kind, k]));

const spec = (sampling: string) => `name: keys
stages:
  - { id: world, kind: world, world: { alphabet: 4 }, test: 4, train: 4 }
  - { id: base, kind: pretrain, world: world, author: base, documents: 10, model: { dim: 8, layers: 1, heads: 1, context: 32 } }
  - { id: test-a, kind: sample, world: world, from: base, model: a, split: test, k: 2, sampling: ${sampling} }
  - { id: test-b, kind: sample, world: world, from: base, model: b, split: test, k: 2, sampling: ${sampling} }
`;

function load(text: string) {
  const file = join(tmp(), "spec.yaml");
  writeFileSync(file, text);
  const lines: string[] = [];
  const s = loadSpec(file, STAGE_KINDS, (line) => lines.push(line));
  return { file, spec: s, lines, hashes: stageHashes(s.stages, checkStages(s.stages, STAGE_KINDS), KINDS) };
}

describe("spec key spellings", () => {
  it("reads the old snake_case sampling keys under their camelCase names, warning once in one line", () => {
    const old = load(spec("{ max_tokens: 24, top_p: 0.9 }"));
    const now = load(spec("{ maxTokens: 24, topP: 0.9 }"));
    expect(old.spec.stages[2]!.settings.sampling).toEqual({ maxTokens: 24, topP: 0.9 });
    expect(old.lines).toEqual([`${old.file}: old spellings of spec keys, read under their new names: sampling.top_p -> sampling.topP (2 stages), sampling.max_tokens -> sampling.maxTokens (2 stages); spec keys are camelCase now`]);
    expect(now.lines).toEqual([]);
    // the same settings, the same cache
    expect([...old.hashes]).toEqual([...now.hashes]);
  });

  it("writes the warning to stderr by default", () => {
    const file = join(tmp(), "spec.yaml");
    writeFileSync(file, spec("{ top_k: 5 }"));
    const write = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      loadSpec(file, STAGE_KINDS);
      expect(write.mock.calls.map((c) => String(c[0]))).toEqual([`rlvd: warning: ${file}: old spellings of spec keys, read under their new names: sampling.top_k -> sampling.topK (2 stages); spec keys are camelCase now\n`]);
    } finally {
      write.mockRestore();
    }
  });

  it("refuses a setting given under both names, and an unknown sampling key", () => {
    expect(() => load(spec("{ max_tokens: 24, maxTokens: 30 }"))).toThrow(/spec\.yaml: stage test-a: sampling\.max_tokens and sampling\.maxTokens are one setting \(sampling\.maxTokens is its name now\): give it once/);
    expect(() => load(spec("{ maxtokens: 24 }"))).toThrow(/stage test-a: settings\.sampling: Unrecognized key/);
  });

  it("declares renames that keep a key's place (the old name is what the cache hashes) and name settings of the kind", () => {
    for (const kind of STAGE_KINDS) {
      for (const [old, now] of Object.entries(kind.renamed ?? {})) {
        expect(sameParent(old, now), `${kind.kind}: ${old} -> ${now}`).toBe(true);
        expect(now, `${kind.kind}: ${now} is camelCase`).toMatch(/^[a-z][A-Za-z0-9.]*$/);
      }
    }
  });
});
