import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { defineStageKind, runStages, type StageKind, type StageSpec } from "./runner.js";

const tmp = useTmpDirs();

/** Toy kinds that count their runs: `make` produces a number, `add` sums its inputs plus a setting. */
function toyKinds(runs: string[], failOn?: string): StageKind[] {
  return [
    defineStageKind({ kind: "make", settings: z.object({ value: z.number() }).strict(), output: z.object({ value: z.number() }), run: async (ctx, s) => (runs.push(ctx.id), { value: s.value }) }),
    defineStageKind({
      kind: "add",
      settings: z.object({ plus: z.number().default(0) }).strict(),
      output: z.object({ value: z.number() }),
      run: async (ctx, s) => {
        if (ctx.id === failOn) throw new Error(`crash in ${ctx.id}`);
        runs.push(ctx.id);
        return { value: ctx.needs.reduce((acc, n) => acc + Number(n.output.value), s.plus) };
      },
    }),
  ];
}

const spec = (a = 1, plus = 10): StageSpec[] => [
  { id: "a", kind: "make", needs: [], settings: { value: a } },
  { id: "b", kind: "make", needs: [], settings: { value: 2 } },
  { id: "sum", kind: "add", needs: ["a", "b"], settings: { plus } },
  { id: "final", kind: "add", needs: ["sum"], settings: {} },
];

describe("stage runner", () => {
  it("runs stages in order, passing outputs along", async () => {
    const runs: string[] = [];
    const results = await runStages(spec(), { runDir: tmp(), kinds: toyKinds(runs) });
    expect(runs).toEqual(["a", "b", "sum", "final"]);
    expect(results.at(-1)!.output).toEqual({ value: 13 });
  });

  it("skips finished stages and reruns only what a changed setting touches", async () => {
    const dir = tmp();
    await runStages(spec(), { runDir: dir, kinds: toyKinds([]) });
    const again: string[] = [];
    const cached = await runStages(spec(), { runDir: dir, kinds: toyKinds(again) });
    expect(again).toEqual([]);
    expect(cached.every((r) => r.cached)).toBe(true);
    const changed: string[] = [];
    const results = await runStages(spec(1, 20), { runDir: dir, kinds: toyKinds(changed) });
    expect(changed).toEqual(["sum", "final"]);
    expect(results.at(-1)!.output).toEqual({ value: 23 });
    const upstream: string[] = [];
    await runStages(spec(5, 20), { runDir: dir, kinds: toyKinds(upstream) });
    expect(upstream).toEqual(["a", "sum", "final"]);
  });

  it("resumes after a crash from the stage that did not finish", async () => {
    const dir = tmp();
    await expect(runStages(spec(), { runDir: dir, kinds: toyKinds([], "final") })).rejects.toThrow(/crash in final/);
    expect(existsSync(join(dir, "stages", "sum.json"))).toBe(true);
    expect(existsSync(join(dir, "stages", "final.json"))).toBe(false);
    const runs: string[] = [];
    await runStages(spec(), { runDir: dir, kinds: toyKinds(runs) });
    expect(runs).toEqual(["final"]);
  });

  it("rejects unknown kinds, undeclared needs and bad settings, naming the stage", async () => {
    const kinds = toyKinds([]);
    await expect(runStages([{ id: "x", kind: "nope", needs: [], settings: {} }], { runDir: tmp(), kinds })).rejects.toThrow(/stage x: unknown kind "nope"/);
    await expect(runStages([{ id: "x", kind: "add", needs: ["y"], settings: {} }], { runDir: tmp(), kinds })).rejects.toThrow(/stage x: needs "y", which is not declared before it/);
    await expect(runStages([{ id: "x", kind: "make", needs: [], settings: { value: "1" } }], { runDir: tmp(), kinds })).rejects.toThrow(/stage x: settings\.value: /);
  });

  it("checks every stage's settings before the first one runs", async () => {
    const runs: string[] = [];
    const dir = tmp();
    const bad = [...spec().slice(0, 3), { id: "final", kind: "add", needs: ["sum"], settings: { plus: "ten" } }];
    await expect(runStages(bad, { runDir: dir, kinds: toyKinds(runs) })).rejects.toThrow(/stage final: settings\.plus: /);
    expect(runs).toEqual([]);
    expect(existsSync(join(dir, "stages", "a.json"))).toBe(false);
  });
});
