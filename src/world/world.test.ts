import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { checkWorldAnswer, extractWorldAnswer } from "./check.js";
import { buildCorpus, worldCharacters } from "./corpus.js";
import { chainQuestion, chainResults, drawQuestions, parseChainId } from "./questions.js";
import { Rng32 } from "./rng.js";
import { detectFormat, renderSolution } from "./solutions.js";
import { World } from "./world.js";

describe("the world's fact table", () => {
  it("deals fact statuses in the configured shares and is reproducible from its seed", () => {
    const w = new World({ alphabet: 10, facts: { known: 0.5, shaky: 0.2, weak: 0.2, absent: 0.1 } });
    const count = (s: string) => w.status.filter((x) => x === s).length;
    expect([count("known"), count("shaky"), count("weak"), count("absent")]).toEqual([50, 20, 20, 10]);
    expect(new World({ alphabet: 10, seed: 1 }).op).toEqual(new World({ alphabet: 10, seed: 1 }).op);
    expect(new World({ alphabet: 10, seed: 2 }).op).not.toEqual(w.op);
  });
  it("rejects shares that do not sum to one and unknown keys", () => {
    expect(() => new World({ facts: { known: 0.5, shaky: 0.2, weak: 0.2, absent: 0.2 } })).toThrow(/sum to 1/);
    expect(() => new World({ alphabet: 10, colour: "red" } as never)).toThrow();
  });
});

describe("chain questions", () => {
  const w = new World({ alphabet: 6, seed: 3 });
  it("answer with every intermediate result", () => {
    const chain = { start: 2, operands: [1, 4, 0] };
    const a = w.apply(2, 1);
    const b = w.apply(a, 4);
    const c = w.apply(b, 0);
    expect(chainResults(w, chain)).toEqual([a, b, c]);
    const q = chainQuestion(w, chain);
    expect(q).toMatchObject({ id: "C:BEA", prompt: "Q C BEA\n", answer: [a, b, c].map((i) => w.symbols[i]).join("") });
    expect(parseChainId(w, q.id)).toEqual(chain);
  });
  it("are drawn distinct, with the configured lengths, avoiding excluded ids", () => {
    const test = drawQuestions(w, 50, 1);
    expect(new Set(test.map((q) => q.id)).size).toBe(50);
    const train = drawQuestions(w, 200, 2, new Set(test.map((q) => q.id)));
    expect(train.some((q) => test.some((t) => t.id === q.id))).toBe(false);
    expect(new Set(train.map((q) => q.meta!.length))).toEqual(new Set([1, 2, 3, 4]));
  });
});

describe("solutions and corpora", () => {
  const w = new World({ alphabet: 8, seed: 5, formats: { direct: 0.5, steps: 0.3, check: 0.2 } });
  it("written by the teacher are always right, in every format", () => {
    const rng = new Rng32(1);
    for (const q of drawQuestions(w, 100, 9)) {
      const chain = parseChainId(w, q.id);
      for (const format of ["direct", "steps", "check"] as const) {
        const text = renderSolution(w, chain, format, "teacher", rng)!;
        expect(checkWorldAnswer(q.answer, text)).toEqual({ correct: true, extracted: q.answer });
        expect(detectFormat(text)).toBe(format);
      }
    }
  });
  it("in the base corpus show known facts right and never show absent ones", () => {
    const docs = buildCorpus(w, { author: "base", documents: 2000, seed: 4 });
    let knownOnly = 0;
    for (const d of docs) {
      const chain = parseChainId(w, d.prompt.slice(2, 3) + ":" + d.prompt.slice(4, -1));
      const q = chainQuestion(w, chain);
      const statuses = String(q.meta!.facts).split(",");
      // every step the document shows (steps and check formats) is a fact the base corpus may show
      for (const m of d.completion.matchAll(/([A-Z])\*([A-Z])=/g)) expect(w.factStatus(m[1]!.charCodeAt(0) - 65, m[2]!.charCodeAt(0) - 65)).not.toBe("absent");
      if (statuses.every((s) => s === "known")) {
        knownOnly++;
        expect(checkWorldAnswer(q.answer, d.completion).correct).toBe(true);
      }
    }
    expect(knownOnly).toBeGreaterThan(100);
    const formats = docs.map((d) => detectFormat(d.completion));
    expect(formats.filter((f) => f === "direct").length / docs.length).toBeCloseTo(0.5, 1);
  });
  it("show shaky facts right about as often as configured", () => {
    const shaky = new World({ alphabet: 8, seed: 5, facts: { known: 0, shaky: 1, weak: 0, absent: 0 }, shakyAccuracy: 0.5 });
    const rng = new Rng32(3);
    let right = 0;
    for (let i = 0; i < 4000; i++) {
      const chain = { start: i % 8, operands: [(i >> 3) % 8] };
      if (checkWorldAnswer(shaky.symbols[shaky.apply(chain.start, chain.operands[0]!)]!, renderSolution(shaky, chain, "direct", "base", rng)!).correct) right++;
    }
    // right when the draw keeps it (0.5) or a random symbol happens to be right (0.5 / 8)
    expect(right / 4000).toBeCloseTo(0.5 + 0.5 / 8, 1);
  });
  it("show a weak fact's decoy as often as the misconception share says, and noise otherwise", () => {
    const facts = { known: 0, shaky: 0, weak: 1, absent: 0 };
    const count = (misconception: number) => {
      const world = new World({ alphabet: 8, seed: 5, facts, weakAccuracy: 0.2, misconception });
      const rng = new Rng32(4);
      let right = 0, decoy = 0;
      for (let i = 0; i < 8000; i++) {
        const chain = { start: i % 8, operands: [(i >> 3) % 8] };
        const shown = world.symbols.indexOf(renderSolution(world, chain, "direct", "base", rng)!.slice("answer: ".length));
        const [x, y] = [chain.start, chain.operands[0]!];
        expect(world.decoyOf(x, y)).not.toBe(world.apply(x, y));
        if (shown === world.apply(x, y)) right++;
        else if (shown === world.decoyOf(x, y)) decoy++;
      }
      return { right: right / 8000, decoy: decoy / 8000 };
    };
    // wrong 80% of the time; a wrong answer is the decoy with probability m, else one of 8 symbols at random
    for (const m of [0, 0.5, 1]) {
      const r = count(m);
      expect(r.right).toBeCloseTo(0.2 + 0.8 * (1 - m) / 8, 1);
      expect(r.decoy).toBeCloseTo(0.8 * m + 0.8 * (1 - m) / 8, 1);
    }
  });
  it("without misconceptions draw the same tables and corpora as before the option existed", () => {
    const a = new World({ seed: 9 }), b = new World({ seed: 9, misconception: 0 });
    expect(b.op).toEqual(a.op);
    const docs = (w: World) => buildCorpus(w, { author: "base", documents: 200, seed: 2 });
    expect(docs(b)).toEqual(docs(a));
    // digest of this corpus computed with the code before the option existed: documented results still hold
    expect(createHash("sha256").update(JSON.stringify(docs(a))).digest("hex").slice(0, 16)).toBe("8b904f1d8588fe87");
    // and a world with misconceptions keeps the fact table and statuses of its seed
    const c = new World({ seed: 9, misconception: 1 });
    expect(c.op).toEqual(a.op);
    expect(c.status).toEqual(a.status);
  });
  it("keep held-out absent facts out of training questions only", () => {
    const world = new World({ seed: 3, heldOut: 0.5 });
    const absent = world.status.filter((s) => s === "absent").length;
    const held = world.heldOut.reduce((a, b) => a + b, 0);
    expect(held).toBe(Math.round(absent / 2));
    world.status.forEach((s, i) => { if (world.heldOut[i]) expect(s).toBe("absent"); });
    const touches = (q: { id: string }) => {
      const chain = parseChainId(world, q.id);
      let x = chain.start;
      return chain.operands.some((y) => { const hit = world.isHeldOut(x, y); x = world.apply(x, y); return hit; });
    };
    const train = drawQuestions(world, 1500, 7, new Set(), { training: true });
    expect(train.filter(touches)).toHaveLength(0);
    expect(drawQuestions(world, 1500, 7).filter(touches).length).toBeGreaterThan(100);
    // without held-out facts, the training split is drawn exactly as before
    const plain = new World({ seed: 3 });
    expect(drawQuestions(plain, 300, 7, new Set(), { training: true })).toEqual(drawQuestions(plain, 300, 7));
  });
  it("use only the world's characters", () => {
    const chars = new Set(worldCharacters(w));
    for (const d of buildCorpus(w, { author: "base", documents: 300, seed: 1 })) for (const c of d.prompt + d.completion) expect(chars.has(c)).toBe(true);
  });
});

describe("the shortcut heuristic", () => {
  const w = new World({ alphabet: 8, seed: 4, shortcutAgreement: 0.6, formats: { direct: 0.4, steps: 0.2, check: 0.1, shortcut: 0.3 } });
  const agrees = (x: number, y: number) => w.apply(x, y) === (y + 1) % 8;
  it("agrees with the fact table on exactly the configured share of facts", () => {
    let n = 0, shown = 0;
    for (let x = 0; x < 8; x++) for (let y = 0; y < 8; y++) {
      if (w.factStatus(x, y) === "absent") continue;
      shown++;
      if (agrees(x, y)) n++;
    }
    expect(n).toBe(Math.round(0.6 * shown));
    // the statuses, decoys' stream and held-out deal are those of the seed without a shortcut
    expect(w.status).toEqual(new World({ alphabet: 8, seed: 4 }).status);
  });
  it("writes rule steps, right exactly when every fact of the chain agrees with the rule", () => {
    const rng = new Rng32(2);
    let right = 0, wrong = 0;
    for (const q of drawQuestions(w, 300, 3)) {
      const chain = parseChainId(w, q.id);
      const text = renderSolution(w, chain, "shortcut", "base", rng)!;
      expect(detectFormat(text)).toBe("shortcut");
      // by hand: follow the true chain and ask whether each fact agrees with the rule
      let x = chain.start, all = true;
      for (const y of chain.operands) { all &&= agrees(x, y); x = w.apply(x, y); }
      expect(checkWorldAnswer(q.answer, text).correct).toBe(all);
      if (all) right++; else wrong++;
    }
    expect(right).toBeGreaterThan(30);
    expect(wrong).toBeGreaterThan(30);
    expect(renderSolution(w, { start: 3, operands: [6, 7] }, "shortcut", "teacher", rng)).toBe("D+G=H;H+H=A;answer: HA");
  });
  it("appears in the base corpus at its share, also through absent facts, and adds '+' to the vocabulary", () => {
    const docs = buildCorpus(w, { author: "base", documents: 3000, seed: 1 });
    const share = docs.filter((d) => detectFormat(d.completion) === "shortcut").length / docs.length;
    // other formats skip chains through absent facts and are redrawn; the shortcut never does
    const absent = w.status.filter((x) => x === "absent").length / 64;
    const kept = [1, 2, 3, 4].reduce((sum, l) => sum + (1 - absent) ** l / 4, 0);
    expect(share).toBeCloseTo(0.3 / (0.3 + 0.7 * kept), 1);
    expect(worldCharacters(w)).toContain("+");
    expect(worldCharacters(new World({ alphabet: 8 }))).not.toContain("+");
    const absentFirst = docs.filter((d) => { const c = parseChainId(w, d.prompt.trim().slice(2).replace(" ", ":")); return w.factStatus(c.start, c.operands[0]!) === "absent"; });
    expect(absentFirst.length).toBeGreaterThan(0);
    for (const d of absentFirst) expect(detectFormat(d.completion)).toBe("shortcut");
  });
});

describe("the world's verifier", () => {
  it("reads the last answer line", () => {
    expect(extractWorldAnswer("A*B=C;answer: CD;answer: XY")).toBe("XY");
    expect(extractWorldAnswer("answer: A B\nmore")).toBe("AB");
    expect(extractWorldAnswer("no answer here")).toBeNull();
    expect(extractWorldAnswer("answer:")).toBeNull();
    expect(checkWorldAnswer("AB", "answer: ABC")).toEqual({ correct: false, extracted: "ABC" });
  });
});
