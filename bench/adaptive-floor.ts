/**
 * The floor of adaptive sampling's bin goal (docs/analysis.md, "Why <= 40% is not reached for the base"): the share
 * of samples a stopping rule would need if it knew each question's p (taken as c / N of the recorded counts, fresh
 * binomial samples), on the same schedule and bins, stopping Bayes-optimally per question at one price per changed
 * bin, set so that the expected share of changed bins is `--misses`; no audits. The gap to bench/adaptive.ts is the
 * cost of learning p from the question's own samples. Asserts nothing.
 *
 *   npx tsx bench/adaptive-floor.ts [--counts FILE.jsonl] [--schedule 16,24,..,256] [--misses 0.025]
 */
import { parseArgs } from "node:util";
import { countsByModel } from "./study-counts.js";
import { adaptiveSchedule } from "../src/metrics/adaptive.js";
import { binIndex, studyBins } from "../src/metrics/bins.js";
import { lchoose } from "../src/metrics/fit-special.js";

const { values } = parseArgs({
  options: {
    counts: { type: "string", default: "../shared/data/paper/math500-base-correct-counts.jsonl" },
    schedule: { type: "string" },
    misses: { type: "string", default: "0.025" },
  },
});
const byModel = await countsByModel({ counts: values.counts });
const N = Math.min(...[...byModel.values()].flat().map((q) => q.n));
const schedule = values.schedule ? values.schedule.split(",").map(Number) : adaptiveSchedule(N);
const scheme = studyBins(N), R = schedule.length - 1;

function binomial(m: number, p: number): Float64Array {
  const o = new Float64Array(m + 1);
  for (let x = 0; x <= m; x++) o[x] = p <= 0 ? (x === 0 ? 1 : 0) : p >= 1 ? (x === m ? 1 : 0) : Math.exp(lchoose(m, x) + x * Math.log(p) + (m - x) * Math.log1p(-p));
  return o;
}

/** Per round and count: the chance that the most likely final bin is wrong, and the next round's pmf (they do not depend on the price). */
function tables(p: number) {
  const miss: Float64Array[] = [], step: Float64Array[] = [];
  for (let s = 0; s < R; s++) {
    const n = schedule[s]!, rest = N - n, r = binomial(rest, p);
    miss[s] = Float64Array.from({ length: n + 1 }, (_, c) => {
      const probs = new Float64Array(scheme.bins.length);
      for (let x = 0; x <= rest; x++) probs[binIndex(scheme, c + x, N)]! += r[x]!;
      return 1 - Math.max(...probs);
    });
    step[s] = binomial(schedule[s + 1]! - n, p);
  }
  return { miss, step, first: binomial(schedule[0]!, p) };
}

/** Expected samples and changed bins of one question under the best policy at price mu. */
function solve(t: ReturnType<typeof tables>, mu: number) {
  let S = new Float64Array(N + 1), M = new Float64Array(N + 1);
  for (let s = R - 1; s >= 0; s--) {
    const n = schedule[s]!, d = schedule[s + 1]! - n, tr = t.step[s]!;
    const S2 = new Float64Array(n + 1), M2 = new Float64Array(n + 1);
    for (let c = 0; c <= n; c++) {
      let cs = d, cm = 0;
      for (let x = 0; x <= d; x++) {
        cs += tr[x]! * S[c + x]!;
        cm += tr[x]! * M[c + x]!;
      }
      const miss = t.miss[s]![c]!;
      if (mu * miss < cs + mu * cm) M2[c] = miss;
      else {
        S2[c] = cs;
        M2[c] = cm;
      }
    }
    S = S2;
    M = M2;
  }
  let samples = schedule[0]!, misses = 0;
  for (let c = 0; c < t.first.length; c++) {
    samples += t.first[c]! * S[c]!;
    misses += t.first[c]! * M[c]!;
  }
  return { samples, misses };
}

const target = Number(values.misses);
console.log(`schedule ${schedule.join(",")}; expected changed bins ${target}; p known per question\n`);
for (const [model, qs] of byModel) {
  const byC = new Map<number, number>();
  for (const q of qs) byC.set(q.correct, (byC.get(q.correct) ?? 0) + 1);
  const t = new Map([...byC.keys()].map((c) => [c, tables(c / N)]));
  let lo = Math.log(1), hi = Math.log(1e7), best = { samples: qs.length * N, misses: 0 };
  for (let i = 0; i < 24; i++) {
    const mid = (lo + hi) / 2;
    let samples = 0, misses = 0;
    for (const [c, w] of byC) {
      const r = solve(t.get(c)!, Math.exp(mid));
      samples += w * r.samples;
      misses += w * r.misses;
    }
    if (misses / qs.length <= target) {
      hi = mid;
      best = { samples, misses };
    } else lo = mid;
  }
  console.log(`${model}: ${(100 * best.samples / (qs.length * N)).toFixed(1)}% of the samples at ${(100 * best.misses / qs.length).toFixed(2)}% expected changed bins`);
}
