import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { keywordCounter } from "../metrics/text-stats.js";
import { checkWorldAnswer } from "./check.js";
import { WorldConfigSchema } from "./config.js";
import { buildCorpus, worldCharacters } from "./corpus.js";
import { chainResults, drawQuestions, parseChainId } from "./questions.js";
import { Rng32 } from "./rng.js";
import { detectFormat, renderSolution } from "./solutions.js";
import { longestCompletion, longestDocument } from "./lengths.js";
import { World } from "./world.js";

const digest = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex").slice(0, 16);

// the classic quick preset's world (presets/quick-classic.yaml; the quick preset's until issue 18)
const QUICK = {
  seed: 1, alphabet: 16, chainLengths: [1, 2, 3, 4], facts: { known: 0.52, shaky: 0.25, weak: 0.2, absent: 0.03 },
  shakyAccuracy: 0.6, weakAccuracy: 0.5, heldOut: 1, shortcutAgreement: 0.8, formats: { direct: 0.3, steps: 0.1, check: 0.1, shortcut: 0.5 },
};

describe("worlds without the reflection options", () => {
  it("parse, draw and write exactly as before the options existed", () => {
    // digests computed with the code before reflect/reflectionValue existed (git stash of this change)
    const w = new World(QUICK);
    expect(digest(buildCorpus(w, { author: "base", documents: 500, seed: 0 }))).toBe("2862d00b6f522dd3");
    expect(digest(buildCorpus(w, { author: "teacher", documents: 200, seed: 0 }))).toBe("72e38f0fe37415ae");
    const noisy = new World({ seed: 2, misconception: 0.5, absentLeak: 0.3 });
    expect(digest(buildCorpus(noisy, { author: "base", documents: 500, seed: 3 }))).toBe("f9a3e6baa664bd02");
    expect(digest(drawQuestions(w, 200, 3, new Set(), { training: true }))).toBe("e5bf605eb6ce9998");
    // the parsed config (what world.json holds and the stage hash reads) gains no key
    expect(digest(w.config)).toBe("559a06156263cfe2");
    expect(Object.keys(WorldConfigSchema.parse({}))).not.toContain("reflectionValue");
    expect(Object.keys(WorldConfigSchema.parse({}).formats)).not.toContain("reflect");
    expect(worldCharacters(w)).not.toContain("#");
  });
  it("a zero reflect share draws the same corpus as no share at all", () => {
    const a = new World(QUICK), b = new World({ ...QUICK, reflectionValue: 1, formats: { ...QUICK.formats, reflect: 0 } });
    expect(buildCorpus(b, { author: "base", documents: 300, seed: 5 })).toEqual(buildCorpus(a, { author: "base", documents: 300, seed: 5 }));
  });
});

describe("the reflect format", () => {
  const facts = { known: 0, shaky: 1, weak: 0, absent: 0 };
  const shaky = (reflectionValue?: number) => new World({ alphabet: 8, seed: 5, facts, shakyAccuracy: 0.5, reflectionValue });
  /** parses a reflect solution back into its steps: the first route's result, the check's, and whether it was repaired */
  const steps = (text: string) => [...text.matchAll(/([A-Z])\*([A-Z])=([A-Z]);verify ([A-Z])#([A-Z])=([A-Z])(;wait, take ([A-Z]))?/g)].map((m) => ({
    x: m[1]!, y: m[2]!, first: m[3]!, checkX: m[5]!, checkY: m[4]!, checked: m[6]!, repaired: m[8],
  }));

  it("checks every step by the second route and goes on from the checked result", () => {
    const w = shaky(0.5);
    const rng = new Rng32(1);
    for (const q of drawQuestions(w, 200, 2)) {
      const chain = parseChainId(w, q.id);
      const text = renderSolution(w, chain, "reflect", "base", rng)!;
      expect(detectFormat(text)).toBe("reflect");
      const parsed = steps(text);
      expect(parsed).toHaveLength(chain.operands.length);
      let x = w.symbols[chain.start]!;
      parsed.forEach((p, i) => {
        // the step starts from the previous checked result; the check names the same fact, operands swapped
        expect([p.x, p.y]).toEqual([x, w.symbols[chain.operands[i]!]]);
        expect([p.checkX, p.checkY]).toEqual([p.x, p.y]);
        // repaired exactly when the check disagrees, with the check's result
        expect(p.repaired).toBe(p.checked === p.first ? undefined : p.checked);
        x = p.checked;
      });
      // the verifier reads the checked results, which is what the answer lists
      const answer = parsed.map((p) => p.checked).join("");
      expect(checkWorldAnswer(answer, text)).toEqual({ correct: true, extracted: answer });
    }
  });

  it("repairs wrong steps as often as the reflection value says", () => {
    // shaky facts right half the time: a shown result is right with 0.5 + 0.5 / 8 (a random symbol can be right);
    // the check with 0.5 + v * 0.5, plus (1 - that) / 8
    for (const v of [0, 0.5, 1]) {
      const w = shaky(v);
      const rng = new Rng32(7);
      let n = 0, firstRight = 0, checkRight = 0;
      for (let i = 0; i < 3000; i++) {
        const chain = { start: i % 8, operands: [(i >> 3) % 8] };
        const [p] = steps(renderSolution(w, chain, "reflect", "base", rng)!);
        const truth = w.symbols[w.apply(chain.start, chain.operands[0]!)];
        n++;
        if (p!.first === truth) firstRight++;
        if (p!.checked === truth) checkRight++;
      }
      expect(firstRight / n).toBeCloseTo(0.5 + 0.5 / 8, 1);
      const check = 0.5 + v * 0.5;
      expect(checkRight / n).toBeCloseTo(check + (1 - check) / 8, 1);
    }
  });

  it("at value 1 answers right every chain the base has seen; at value 0 no more often than the steps format", () => {
    const world = (reflectionValue: number) => new World({ alphabet: 8, seed: 3, chainLengths: [3, 4, 5, 6], facts: { known: 0.5, shaky: 0.3, weak: 0.2, absent: 0 }, reflectionValue });
    const accuracy = (w: World, format: "reflect" | "steps") => {
      const rng = new Rng32(11);
      const qs = drawQuestions(w, 400, 4);
      return qs.filter((q) => checkWorldAnswer(q.answer, renderSolution(w, parseChainId(w, q.id), format, "base", rng)!).correct).length / qs.length;
    };
    expect(accuracy(world(1), "reflect")).toBe(1);
    const steps = accuracy(world(0), "steps");
    expect(steps).toBeLessThan(0.5);
    expect(Math.abs(accuracy(world(0), "reflect") - steps)).toBeLessThan(0.08);
  });

  it("never shows an absent fact through the check, and the teacher's checks always agree", () => {
    const w = new World({ alphabet: 8, seed: 2, facts: { known: 0.5, shaky: 0, weak: 0, absent: 0.5 }, absentLeak: 1, reflectionValue: 1 });
    const rng = new Rng32(3);
    let absentSteps = 0, absentRight = 0;
    for (const q of drawQuestions(w, 300, 1)) {
      const chain = parseChainId(w, q.id);
      for (const p of steps(renderSolution(w, chain, "reflect", "base", rng)!)) {
        const [x, y] = [p.x.charCodeAt(0) - 65, p.y.charCodeAt(0) - 65];
        if (w.factStatus(x, y) !== "absent") continue;
        absentSteps++;
        if (p.checked === w.symbols[w.apply(x, y)]) absentRight++;
      }
      const teacher = renderSolution(w, chain, "reflect", "teacher", rng)!;
      expect(teacher).not.toContain("wait");
      expect(checkWorldAnswer(q.answer, teacher).correct).toBe(true);
    }
    // right only by chance (1 in 8), not by the check's value
    expect(absentSteps).toBeGreaterThan(200);
    expect(absentRight / absentSteps).toBeLessThan(0.25);
  });

  it("carries the study's reflection keywords: 'verify' per step, 'wait' per repair", () => {
    const count = keywordCounter(["verify", "wait"]);
    const w = shaky(0);
    const rng = new Rng32(4);
    for (const q of drawQuestions(w, 100, 6)) {
      const text = renderSolution(w, parseChainId(w, q.id), "reflect", "base", rng)!;
      const parsed = steps(text);
      expect([...count(text)]).toEqual([parsed.length, parsed.filter((p) => p.repaired !== undefined).length]);
    }
  });

  it("appears in the base corpus at its share, with the world's characters only, and long chains with it", () => {
    const w = new World({ alphabet: 16, seed: 1, chainLengths: [6, 8, 10, 12], reflectionValue: 0.8, formats: { direct: 0.2, steps: 0.3, check: 0, shortcut: 0, reflect: 0.5 } });
    const docs = buildCorpus(w, { author: "base", documents: 2000, seed: 1 });
    const chars = new Set(worldCharacters(w));
    expect([...new Set(docs.flatMap((d) => [...d.prompt + d.completion]))].filter((c) => !chars.has(c))).toEqual([]);
    // chains through absent facts are redrawn in every format, so the share stays as configured
    expect(docs.filter((d) => detectFormat(d.completion) === "reflect").length / docs.length).toBeCloseTo(0.5, 1);
    const lengths = docs.map((d) => d.completion.length);
    expect(Math.min(...lengths)).toBeGreaterThanOrEqual("answer: ".length + 6);
    expect(Math.max(...lengths)).toBeGreaterThan(200);
    // every corpus answer lists one result per operand
    for (const d of docs.slice(0, 200)) {
      const chain = parseChainId(w, d.prompt.trim().slice(2).replace(" ", ":"));
      expect(d.completion.slice(d.completion.lastIndexOf("answer: ") + 8)).toHaveLength(chainResults(w, chain).length);
    }
  });

  it("rejects format shares that do not sum to one with it", () => {
    expect(() => new World({ formats: { direct: 0.5, steps: 0.3, check: 0.1, shortcut: 0, reflect: 0.2 } })).toThrow(/sum to 1/);
    expect(() => new World({ reflectionValue: 1.5 })).toThrow();
  });
});

describe("the longest document a world can write", () => {
  it("bounds every corpus document, and the bound is reached", () => {
    // shaky facts at 0.5 and a worthless check: a step is repaired about half the time, so short chains with a
    // repair at every step turn up; all five formats, chains of 1-3 facts
    const w = new World({ alphabet: 8, seed: 2, chainLengths: [1, 2, 3], facts: { known: 0, shaky: 1, weak: 0, absent: 0 }, shakyAccuracy: 0.5,
      formats: { direct: 0.2, steps: 0.2, check: 0.2, shortcut: 0.2, reflect: 0.2 } });
    const docs = buildCorpus(w, { author: "base", documents: 4000, seed: 1 });
    const longest = Math.max(...docs.map((d) => d.prompt.length + d.completion.length));
    expect(longest).toBe(longestDocument(w, "base"));
    // by hand: `Q A BCD\n` (8) + 3 steps of `C*F=X;verify F#C=X;wait, take W;` (32 each) + `answer: XYZ` (11)
    expect(longestDocument(w, "base")).toBe(8 + 3 * 32 + 11);
    // per format, each bound reached by some document of that format and length
    for (const format of ["direct", "steps", "check", "shortcut", "reflect"] as const) {
      for (const length of [1, 2, 3]) {
        const lengths = docs.filter((d) => detectFormat(d.completion) === format && d.prompt.length === 5 + length).map((d) => d.completion.length);
        expect(Math.max(...lengths)).toBe(longestCompletion(format, length));
      }
    }
    // the teacher writes steps only
    expect(longestDocument(w, "teacher")).toBe(8 + longestCompletion("steps", 3));
  });
});
