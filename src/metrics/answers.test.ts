import { describe, expect, it } from "vitest";
import { answerEntropy, cachedMathEquivalence, codeAnswers, groupAnswers, groupCodedAnswers, majAtK, majAtKs, majorityCorrect, mathEquivalence, sameString, type AnswerEquivalence, type AnswerGroups } from "./answers.js";
import { AnswerStatsAccumulator } from "./sample-stats.js";
import { keywordCounter, STUDY_KEYWORDS } from "./text-stats.js";
import { randomInt, seededRng } from "./rng.js";

describe("answer groups and majority vote", () => {
  it("votes for the most frequent answer and ignores missing ones", () => {
    const g = groupAnswers(["1", "2", " 2", null, ""], [false, true, true, null, null]);
    expect(g.size).toEqual([1, 2]);
    expect(g.correct).toEqual([false, true]);
    expect(majorityCorrect(g)).toBe(1);
  });

  it("splits ties evenly", () => {
    expect(majorityCorrect(groupAnswers(["1", "2"], [true, false]))).toBe(0.5);
    expect(majorityCorrect(groupAnswers([null, null], [null, null]))).toBe(0);
  });

  it("groups by the equivalence it is given, not by string", () => {
    const numeric = (a: string, b: string) => Number(a) === Number(b);
    const g = groupAnswers(["2", "2.0", "3", "3", "2.00"], [true, true, false, false, true], numeric);
    expect(g.size).toEqual([3, 2]);
    expect(majorityCorrect(g)).toBe(1);
    // by plain strings "3" would win
    expect(majorityCorrect(groupAnswers(["2", "2.0", "3", "3", "2.00"], [true, true, false, false, true]))).toBe(0);
  });

  it("estimates maj@k over subsets: [a, a, b] gives 2/3 at k = 2", () => {
    // subsets of size 2: {a,a} -> 1, {a,b} -> 1/2 (tie), {a,b} -> 1/2; mean 2/3
    const g = groupAnswers(["a", "a", "b"], [true, true, false]);
    expect(majAtK(g, 2, { draws: 30000, seed: 1 })).toBeCloseTo(2 / 3, 2);
    expect(majAtK(g, 3)).toBe(1);
    expect(majAtK(g, 1, { draws: 30000, seed: 2 })).toBeCloseTo(2 / 3, 2);
  });
});

describe("answer entropy", () => {
  it("is ln 2 for two equally frequent answers and 0 for one", () => {
    expect(answerEntropy(groupAnswers(["a", "a", "b", "b"], [true, true, false, false]))).toBeCloseTo(Math.LN2, 12);
    expect(answerEntropy(groupAnswers(["a", "a", "a"], [true, true, true]))).toBe(0);
  });
  it("counts missing answers as one more outcome", () => {
    const h = answerEntropy(groupAnswers(["a", "a", "a", null], [true, true, true, null]));
    expect(h).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 12);
  });
});

describe("reflection keywords", () => {
  const count = keywordCounter();
  const byName = (text: string) => {
    const c = count(text);
    return Object.fromEntries(STUDY_KEYWORDS.map((k, i) => [k, c[i]]).filter(([, v]) => (v as number) > 0));
  };
  it("counts whole words and phrases, case-insensitively", () => {
    expect(byName("Wait, let me think. Hmm... HOWEVER, however: OK")).toEqual({ wait: 1, "let me think": 1, hmm: 1, however: 2, ok: 1 });
  });
  it("does not match inside other words", () => {
    expect(byName("awaiting the verified okapi; okay")).toEqual({});
  });
  it("matches typographic apostrophes and punctuation keywords", () => {
    expect(byName("Let’s reconsider. Correction: we double-check to verify.")).toEqual({
      "let's reconsider": 1, "correction:": 1, "double-check": 1, verify: 1,
    });
  });
});

describe("maj@k for several k at once", () => {
  it("agrees with exhaustive enumeration of subsets on a small question", () => {
    // answers: a a a b b c (a correct). Enumerate every k-subset and average the tie-split vote.
    const answers = ["a", "a", "a", "b", "b", "c"];
    const g = groupAnswers(answers, answers.map((x) => x === "a"));
    const exact = (k: number) => {
      let total = 0;
      let count = 0;
      for (let mask = 0; mask < 1 << answers.length; mask++) {
        const idx = [...Array(answers.length).keys()].filter((i) => mask & (1 << i));
        if (idx.length !== k) continue;
        total += majorityCorrect(g, idx);
        count++;
      }
      return total / count;
    };
    const estimates = majAtKs(g, [1, 2, 3, 4, 6], { draws: 40000, seed: 9 });
    expect(estimates[0]).toBeCloseTo(exact(1), 12); // exact path
    expect(estimates[4]).toBe(1); // all samples: exact vote
    for (const [i, k] of [[1, 2], [2, 3], [3, 4]] as const) expect(estimates[i]).toBeCloseTo(exact(k), 2);
  });
});

describe("grouping answers by the verifier's equivalence", () => {
  // 1/2, 0.5 and \frac12 are one number; 2/4 too; 1/3 is another.
  const answers = ["1/2", "0.5", "\\frac12", "\\frac{2}{4}", "\\frac13", "0.5"];
  const verdicts = [true, true, true, true, false, true];

  it("puts 1/2, 0.5 and \\frac12 in one class", () => {
    const g = groupAnswers(answers, verdicts, mathEquivalence);
    expect(g.size).toEqual([5, 1]);
    expect(Array.from(g.group)).toEqual([0, 0, 0, 0, 1, 0]);
    expect(groupAnswers(answers, verdicts).size).toEqual([1, 2, 1, 1, 1]); // by strings: five classes, "0.5" twice
  });

  it("keeps different answers apart and unparsed text by its spelling", () => {
    const g = groupAnswers(["2^{5000}", "2^{5001}", "x+1", "1+x", "Evelyn", "evelyn"], [false, false, true, true, false, false], mathEquivalence);
    expect(Array.from(g.group)).toEqual([0, 1, 2, 2, 3, 3]);
  });

  it("reports the grouping it used, and entropy follows it", () => {
    const run = (grouping: "math" | "exact") => {
      const acc = new AnswerStatsAccumulator([1, 6], [], () => -1, grouping);
      acc.add({ question_id: "q", answers, verdicts });
      return acc.result();
    };
    const math = run("math");
    const exact = run("exact");
    expect(math.answer_grouping).toBe("math");
    expect(exact.answer_grouping).toBe("exact");
    // math: classes of 5 and 1 of 6 samples; exact: "0.5" twice and four singletons
    expect(math.answer_entropy).toBeCloseTo(-((5 / 6) * Math.log(5 / 6) + (1 / 6) * Math.log(1 / 6)), 12);
    expect(exact.answer_entropy).toBeCloseTo(-((2 / 6) * Math.log(2 / 6) + 4 * (1 / 6) * Math.log(1 / 6)), 12);
    expect(math.maj_at_k["6"]).toBe(1); // the 1/2 class wins
    const custom = new AnswerStatsAccumulator([1], [], () => -1, (a, b) => a.length === b.length);
    custom.add({ question_id: "q", answers: ["1", "2"], verdicts: [true, false] });
    expect(custom.result().answer_grouping).toBe("custom");
    expect(custom.result().answer_entropy).toBe(0);
  });
});

/** majAtKs as it was before its shortcuts (every step's outcome summed; no uniform-class shortcut): the reference. */
function majAtKsReference(groups: ReturnType<typeof groupAnswers>, ks: readonly number[], draws: number, seed: number): number[] {
  const n = groups.group.length;
  const result = ks.map((k) => (k === n ? majorityCorrect(groups) : k === 1 ? groups.size.reduce((s, size, g) => s + (groups.correct[g] ? size : 0), 0) / n : Number.NaN));
  const kMax = Math.max(0, ...ks.map((k, i) => (Number.isNaN(result[i]!) ? k : 0)));
  if (kMax === 0) return result;
  const rng = seededRng(seed);
  const pool = Int32Array.from({ length: n }, (_, i) => i);
  const votes = new Int32Array(groups.size.length);
  const atK = new Float64Array(kMax + 1);
  for (let d = 0; d < draws; d++) {
    votes.fill(0);
    let best = 0, tied = 0, tiedCorrect = 0;
    for (let i = 0; i < kMax; i++) {
      const j = i + randomInt(rng, n - i);
      const t = pool[i]!; pool[i] = pool[j]!; pool[j] = t;
      const g = groups.group[pool[i]!]!;
      if (g >= 0) {
        const v = ++votes[g]!;
        const right = groups.correct[g] ? 1 : 0;
        if (v > best) { best = v; tied = 1; tiedCorrect = right; } else if (v === best) { tied++; tiedCorrect += right; }
      }
      if (best > 0) atK[i + 1]! += tiedCorrect / tied;
    }
  }
  return result.map((r, i) => (Number.isNaN(r) ? atK[ks[i]!]! / draws : r));
}

describe("majAtKs shortcuts", () => {
  it("are bit-identical to summing every step, on random questions (mixed, all right, all wrong, unanswered)", () => {
    const rng = seededRng(3);
    let uniform = 0;
    for (let q = 0; q < 300; q++) {
      const n = 1 + Math.floor(rng() * 40);
      const kind = q % 4;
      const answers = Array.from({ length: n }, () => (kind === 3 && rng() < 0.2 ? null : String(Math.floor(rng() * (1 + (q % 5))))));
      const verdicts = answers.map((a) => (kind === 1 ? true : kind === 2 ? false : a === "0"));
      const g = groupAnswers(answers, verdicts);
      if (g.correct.every((c) => c === g.correct[0]) && g.group.every((x) => x >= 0)) uniform++;
      const ks = [1, 2, 3, 5, 8, 16, 32].filter((k) => k <= n);
      const seed = q;
      expect(majAtKs(g, ks, { draws: 16, seed })).toEqual(majAtKsReference(g, ks, 16, seed));
    }
    expect(uniform).toBeGreaterThan(50); // the shortcut was taken, and so was the full path
  });
});

/** groupAnswers as it was before answers were coded: one walk over the samples (the reference it must match). */
function groupAnswersReference(answers: readonly (string | null)[], verdicts: readonly boolean[], equivalent: AnswerEquivalence): AnswerGroups {
  const byString = new Map<string, number>();
  const representatives: string[] = [];
  const size: number[] = [];
  const rightVotes: number[] = [];
  const group = new Int32Array(answers.length).fill(-1);
  for (let i = 0; i < answers.length; i++) {
    const raw = answers[i];
    if (raw === null || raw === undefined || raw.trim() === "") continue;
    const key = raw.trim();
    let g = byString.get(key);
    if (g === undefined) {
      g = representatives.findIndex((rep) => equivalent(rep, key));
      if (g < 0) {
        g = representatives.length;
        representatives.push(key);
        size.push(0);
        rightVotes.push(0);
      }
      byString.set(key, g);
    }
    group[i] = g;
    size[g]!++;
    if (verdicts[i] === true) rightVotes[g]!++;
  }
  return { group, size, correct: size.map((n, g) => rightVotes[g]! * 2 > n) };
}

describe("grouping coded answers", () => {
  it("gives the walk over the samples' groups, numbered alike, on random questions with blanks, padding and equivalent spellings", () => {
    const rng = seededRng(11);
    const spellings = [["1/2", "0.5", "\\frac12", " 1/2", "1/2 "], ["3", "3.0", "\n3"], ["x+1", "1+x"], ["", " ", "\t"], ["7"], ["\\sqrt{2}", "2^{1/2}"]];
    // an equivalence that is not transitive, so the order of the comparisons shows in the groups
    const near: AnswerEquivalence = (a, b) => Math.abs(Number(a) - Number(b)) <= 1;
    for (let q = 0; q < 200; q++) {
      const n = 1 + Math.floor(rng() * 30);
      const numeric = q % 3 === 2;
      const answers = Array.from({ length: n }, () => {
        if (rng() < 0.1) return null;
        if (numeric) return String(Math.floor(rng() * 6));
        const s = spellings[Math.floor(rng() * spellings.length)]!;
        return s[Math.floor(rng() * s.length)]!;
      });
      const verdicts = answers.map(() => rng() < 0.5);
      for (const eq of numeric ? [near, sameString] : [mathEquivalence, sameString]) {
        const direct = groupAnswersReference(answers, verdicts, eq);
        for (const coded of [groupAnswers(answers, verdicts, eq), groupCodedAnswers(codeAnswers(answers, verdicts), eq)]) {
          expect(Array.from(coded.group)).toEqual(Array.from(direct.group));
          expect(coded.size).toEqual(direct.size);
          expect(coded.correct).toEqual(direct.correct);
        }
      }
    }
  });

  it("caches what it reads without changing a verdict: cachedMathEquivalence against mathEquivalence", () => {
    const answers = ["1/2", "0.5", "\\frac{1}{2}", "2/4", "50\\%", "x+1", "1+x", "\\{1,2\\}", "\\{2,1\\}", "(1,2]", "[1,2)", "\\pm 2", "2, -2",
      "\\sqrt{8}", "2\\sqrt{2}", "10^{3}", "1000", "1,000", "\\text{Evelyn}", "evelyn", "\\frac{", "", "a=3", "3", "\\begin{pmatrix}1&2\\end{pmatrix}", "x^2-1", "(x-1)(x+1)", "X", "x", "\\boxed{1} \\boxed{2}", "\\boxed{1}, \\boxed{2}", "1, 2", "2", "\\boxed{3}\\boxed{4}", "4"];
    const cached = cachedMathEquivalence();
    // every ordered pair twice, so each prepared answer is reused in both roles after many comparisons
    for (let round = 0; round < 2; round++) {
      for (const a of answers) for (const b of answers) expect([a, b, cached(a, b)]).toEqual([a, b, mathEquivalence(a, b)]);
    }
  });
});

describe("majAtKs vote counts", () => {
  it("packed (up to 8 classes, k below 256) and plain agree with the reference, bit for bit", () => {
    const rng = seededRng(8);
    let packed = 0;
    let plain = 0;
    for (let q = 0; q < 120; q++) {
      const classes = 1 + (q % 12);
      const n = q % 10 === 0 ? 300 + Math.floor(rng() * 40) : 20 + Math.floor(rng() * 60);
      const answers = Array.from({ length: n }, () => (rng() < 0.15 ? null : String(Math.floor(rng() ** 2 * classes))));
      const g = groupAnswers(answers, answers.map((a) => a === "0" || a === "5"));
      const ks = [2, 3, 4, 8, 16, 32, 64, 257, 300].filter((k) => k < n);
      if (g.size.length <= 8 && Math.max(...ks) <= 255) packed++;
      else plain++;
      expect(majAtKs(g, ks, { draws: 24, seed: q })).toEqual(majAtKsReference(g, ks, 24, q));
    }
    expect(packed).toBeGreaterThan(40);
    expect(plain).toBeGreaterThan(20);
  });
});

describe("majAtKs draw orders kept across questions", () => {
  it("stay bit-identical to the loop when many questions share n and the seed", () => {
    const rng = seededRng(5);
    for (let q = 0; q < 100; q++) {
      const n = q % 2 === 0 ? 24 : 40;
      const answers = Array.from({ length: n }, () => String(Math.floor(rng() * 3)));
      const g = groupAnswers(answers, answers.map((a) => a === "1"));
      const ks = [2, 4, 8, 16].filter((k) => k < n);
      expect(majAtKs(g, ks, { draws: 32, seed: 0 })).toEqual(majAtKsReference(g, ks, 32, 0));
    }
  });
});
