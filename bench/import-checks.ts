/**
 * Checks the importers on the real files in ../shared (by path; skipped when absent):
 *  - the study's per-question counts: per-model accuracy, pass@256 and bin sizes, computed here independently
 *    of rlvd's metrics (exact binomials in BigInt), against `rlvd analyze`;
 *  - the Qwen-schema responses: per-question correct counts after import against sum(score[]) of each line.
 * Prints the agreement figures.   npx tsx bench/import-checks.ts
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { importCountsFile } from "../src/store/import-counts.js";
import { importSamplesFile } from "../src/store/import-samples.js";
import { questionResults } from "../src/store/queries.js";
import { withStore } from "../src/store/store.js";
import { analyzeRun } from "../src/report/analyze-run.js";

const shared = join(import.meta.dirname, "..", "..", "shared", "data");
const countsFile = join(shared, "paper", "math500-base-correct-counts.jsonl");
const qwenFile = join(shared, "responses", "qwen-math-eval-example-math-cot-100.jsonl");
if (!existsSync(countsFile) || !existsSync(qwenFile)) {
  console.log("../shared/data not found: nothing to check");
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "rlvd-checks-"));

// 1. counts: independent reference
const lines = readFileSync(countsFile, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { model: string; n: number; correct: number });
const binom = (a: number, b: number): bigint => {
  let r = 1n;
  for (let i = 1; i <= b; i++) r = (r * BigInt(a - b + i)) / BigInt(i);
  return b < 0 || b > a ? 0n : r;
};
const refPassAt = (n: number, c: number, k: number) => 1 - Number((binom(n - c, k) * 10n ** 18n) / binom(n, k)) / 1e18;
const edges = [0, 4, 16, 32, 64, 128, 192, 256];
const run1 = join(dir, "counts");
await importCountsFile(run1, countsFile);
const analysis = await analyzeRun(run1);
for (const model of [...new Set(lines.map((l) => l.model))].sort()) {
  const rows = lines.filter((l) => l.model === model);
  const acc = rows.reduce((s, r) => s + r.correct / r.n, 0) / rows.length;
  const p16 = rows.reduce((s, r) => s + refPassAt(r.n, r.correct, 16), 0) / rows.length;
  const p256 = rows.filter((r) => r.correct > 0).length / rows.length;
  const bins = edges.map((hi, i) => rows.filter((r) => (i === 0 ? r.correct === 0 : r.correct > edges[i - 1]! && r.correct <= hi)).length);
  const m = analysis.models[model]!;
  const ok = Math.abs(m.accuracy - acc) < 1e-12 && Math.abs(m.pass_at_k["16"]! - p16) < 1e-9 && m.pass_at_k["256"] === p256 &&
    JSON.stringify(m.bins.map((b) => b.questions)) === JSON.stringify(bins);
  console.log(`${model}: accuracy ${m.accuracy.toFixed(4)} (ref ${acc.toFixed(4)}), pass@16 ${m.pass_at_k["16"]!.toFixed(4)} (ref ${p16.toFixed(4)}), ` +
    `pass@256 ${m.pass_at_k["256"]!.toFixed(4)} (ref ${p256.toFixed(4)}), bins ${bins.join("/")} -> ${ok ? "agree" : "DISAGREE"}`);
}

// 2. Qwen schema: per-question counts against score[]
const run2 = join(dir, "qwen");
await importSamplesFile(run2, qwenFile, { model: "qwen-math-cot" });
const stored = new Map((await withStore(run2, {}, (s) => questionResults(s))).map((r) => [r.question_id, r]));
let agree = 0;
let total = 0;
for (const l of readFileSync(qwenFile, "utf8").trim().split("\n")) {
  const row = JSON.parse(l) as { idx: number; score: boolean[] };
  const got = stored.get(String(row.idx));
  total++;
  if (got && got.n === row.score.length && got.correct === row.score.filter(Boolean).length) agree++;
}
console.log(`Qwen schema: ${agree}/${total} questions have exactly sum(score[]) correct of len(code[]) after import`);
rmSync(dir, { recursive: true, force: true });
