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

  describe("with jobs > 1", () => {
    /** A kind whose stages wait for the test to release them, so the test sees which run at once. */
    function gatedKind(events: string[], gates: Map<string, () => void>, failOn?: string): StageKind {
      return defineStageKind({
        kind: "gated",
        settings: z.object({}).strict(),
        output: z.object({ value: z.number() }),
        run: async (ctx) => {
          events.push(`start ${ctx.id}`);
          await new Promise<void>((release) => gates.set(ctx.id, release));
          events.push(`end ${ctx.id}`);
          if (ctx.id === failOn) throw new Error(`crash in ${ctx.id}`);
          return { value: ctx.needs.length };
        },
      });
    }
    // a and b independent; c needs a; d needs b and c; e independent of all
    const graph: StageSpec[] = [
      { id: "a", kind: "gated", needs: [], settings: {} },
      { id: "b", kind: "gated", needs: [], settings: {} },
      { id: "c", kind: "gated", needs: ["a"], settings: {} },
      { id: "d", kind: "gated", needs: ["b", "c"], settings: {} },
      { id: "e", kind: "gated", needs: [], settings: {} },
    ];
    const tick = () => new Promise((r) => setTimeout(r, 5));
    /** releases stages in the order given, each once it has started, and waits until the runner has recorded it */
    async function drive(log: string[], gates: Map<string, () => void>, order: string[]): Promise<void> {
      for (const id of order) {
        while (!gates.has(id)) await tick();
        gates.get(id)!();
        gates.delete(id);
        while (!log.some((l) => l.startsWith(`${id}: done in`) || l.startsWith(`${id}: failed`))) await tick();
        await tick();
      }
    }

    it("start every stage whose needs are done, up to jobs at once, earliest in the spec first", async () => {
      const events: string[] = [], gates = new Map<string, () => void>(), log: string[] = [];
      const running = runStages(graph, { runDir: tmp(), kinds: [gatedKind(events, gates)], jobs: 2, log: (m) => log.push(m) });
      await drive(log, gates, ["b", "a", "e", "c", "d"]);
      const results = await running;
      expect(events).toEqual([
        "start a", "start b", // two slots
        "end b", "start e", // b's slot: c is not ready (a runs), d is not (c); e is
        "end a", "start c",
        "end e", "end c", "start d", "end d",
      ]);
      expect(results.map((r) => r.id)).toEqual(["a", "b", "c", "d", "e"]); // the spec's order
      expect(results.find((r) => r.id === "d")!.output).toEqual({ value: 2 });
    });

    it("a kind that reads the whole run waits for every stage before it, even with no needs", async () => {
      const events: string[] = [], gates = new Map<string, () => void>(), log: string[] = [];
      const reader = defineStageKind({
        kind: "reader",
        readsRun: true,
        settings: z.object({}).strict(),
        output: z.object({ value: z.number() }),
        run: async (ctx) => {
          events.push(`run ${ctx.id}`);
          return { value: 0 };
        },
      });
      const spec: StageSpec[] = [
        { id: "a", kind: "gated", needs: [], settings: {} },
        { id: "b", kind: "gated", needs: [], settings: {} },
        { id: "r", kind: "reader", needs: [], settings: {} },
      ];
      const running = runStages(spec, { runDir: tmp(), kinds: [gatedKind(events, gates), reader], jobs: 3, log: (m) => log.push(m) });
      await drive(log, gates, ["b", "a"]);
      await running;
      // with 3 slots r could start at once; it starts only after a and b, as in the spec's order
      expect(events).toEqual(["start a", "start b", "end b", "end a", "run r"]);
    });

    it("jobs 1 runs them one after another in the spec's order", async () => {
      const events: string[] = [], gates = new Map<string, () => void>(), log: string[] = [];
      const running = runStages(graph, { runDir: tmp(), kinds: [gatedKind(events, gates)], jobs: 1, log: (m) => log.push(m) });
      await drive(log, gates, ["a", "b", "c", "d", "e"]);
      await running;
      expect(events).toEqual(["a", "b", "c", "d", "e"].flatMap((id) => [`start ${id}`, `end ${id}`]));
    });

    it("a failing stage stops new starts, lets the running one finish and be recorded, and its error is thrown; a rerun resumes", async () => {
      const dir = tmp();
      const events: string[] = [], gates = new Map<string, () => void>(), log: string[] = [];
      const running = runStages(graph, { runDir: dir, kinds: [gatedKind(events, gates, "a")], jobs: 2, log: (m) => log.push(m) }).then(() => null, (e: Error) => e);
      await drive(log, gates, ["a", "b"]);
      const error = await running;
      expect(error?.message).toBe("crash in a");
      expect(events).toEqual(["start a", "start b", "end a", "end b"]); // e was ready when a failed: not started
      expect(log).toContain("a: failed; no new stage starts, waiting for b to finish");
      expect(existsSync(join(dir, "stages", "b.json"))).toBe(true);
      expect(existsSync(join(dir, "stages", "a.json"))).toBe(false);
      const again: string[] = [], gates2 = new Map<string, () => void>(), log2: string[] = [];
      const rerun = runStages(graph, { runDir: dir, kinds: [gatedKind(again, gates2)], jobs: 2, log: (m) => log2.push(m) });
      await drive(log2, gates2, ["a", "e", "c", "d"]);
      const results = await rerun;
      expect(again.filter((e) => e.startsWith("start"))).toEqual(["start a", "start e", "start c", "start d"]);
      expect(results.find((r) => r.id === "b")!.cached).toBe(true);
    });

    it("a stage downstream of one that ran is forced, one downstream of a cached one is not", async () => {
      const dir = tmp();
      const runs: string[] = [];
      await runStages(spec(), { runDir: dir, kinds: toyKinds(runs), jobs: 3 });
      expect(runs.sort()).toEqual(["a", "b", "final", "sum"]);
      const again: string[] = [];
      await runStages(spec(5), { runDir: dir, kinds: toyKinds(again), jobs: 3 });
      expect(again).toEqual(["a", "sum", "final"]);
      const forced: string[] = [];
      await runStages(spec(5), { runDir: dir, kinds: toyKinds(forced), jobs: 3, force: ["b"] });
      expect(forced).toEqual(["b", "sum", "final"]);
    });
  });
});

