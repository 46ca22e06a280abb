/**
 * Grading conventions against the study's labels: for each `--extract` convention, how often rlvd's verdict on
 * the 500 real Qwen2.5-3B MATH-500 responses agrees with math-verify's last-boxed label (the study's own
 * grading) and with math-verify's whole-response verdict. With --verbose, lists every disagreement of the
 * `boxed` convention with the last-boxed label (docs/verifier.md discusses each). Then the bare answers of an
 * eval output: Qwen2.5-Math's `pred[]` (answers its own extractor took out) graded as free text, against its
 * grader's `score[]`.
 * Reads ../shared (by path) and prints figures; never asserts. Run: npx tsx bench/verify-conventions.ts [--verbose]
 */
import { readFileSync, existsSync } from "node:fs";
import { verify } from "../src/verify/verify.js";
import { EXTRACT_NAMES } from "../src/verify/conventions.js";

const SHARED = process.env.RLVD_SHARED ?? "/work/shared/data";
const verbose = process.argv.includes("--verbose");

type Resp = { question: string; answer: string; response: string; math_verify_whole_response: number; math_verify_last_boxed: number };

function pct(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(1)}% (${a}/${b})`;
}

function short(s: string | null, n = 90): string {
  if (s === null) return "null";
  const t = s.replace(/\s+/g, " ");
  return JSON.stringify(t.length <= n ? t : "…" + t.slice(-n));
}

const path = `${SHARED}/responses/qwen25-3b-math500-responses.jsonl`;
if (!existsSync(path)) {
  console.log(`bench/verify-conventions: ${path} not found (set RLVD_SHARED)`);
} else {
  const rows = readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Resp);
  console.log(`${rows.length} Qwen2.5-3B MATH-500 responses; agreement of rlvd verify --extract X with math-verify's labels`);
  console.log("convention   last_boxed (study)    whole_response       rlvd correct");
  for (const extract of EXTRACT_NAMES) {
    let boxedAgree = 0;
    let wholeAgree = 0;
    let correct = 0;
    const diffs: string[] = [];
    for (const r of rows) {
      const v = verify(r.answer, r.response, { extract });
      if (v.correct) correct++;
      if (v.correct === (r.math_verify_last_boxed === 1)) boxedAgree++;
      else diffs.push(`  ${r.question}: last_boxed ${r.math_verify_last_boxed === 1} rlvd ${v.correct} [${v.status}] gold ${short(r.answer, 40)} -> ${v.gold.parsed} | extracted ${short(v.extracted)} -> ${v.pred.parsed}`);
      if (v.correct === (r.math_verify_whole_response === 1)) wholeAgree++;
    }
    console.log(`${extract.padEnd(12)} ${pct(boxedAgree, rows.length).padEnd(21)} ${pct(wholeAgree, rows.length).padEnd(20)} ${correct}`);
    if (verbose && extract === "boxed") for (const d of diffs) console.log(d);
  }
}

type Qwen = { idx: number; gt: string; pred: string[]; score: boolean[] };
const qwenPath = `${SHARED}/responses/qwen-math-eval-example-math-cot-100.jsonl`;
if (existsSync(qwenPath)) {
  const qwen = readFileSync(qwenPath, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Qwen);
  let agree = 0;
  let total = 0;
  let noAnswer = 0;
  const diffs: string[] = [];
  for (const q of qwen) {
    q.pred.forEach((pred, j) => {
      total++;
      const v = verify(q.gt, pred);
      if (v.status === "no_answer") noAnswer++;
      if (v.correct === q.score[j]) agree++;
      else diffs.push(`  idx ${q.idx}#${j}: score ${q.score[j]} rlvd ${v.correct} [${v.status}] gt ${short(q.gt, 40)} pred ${short(pred, 60)}`);
    });
  }
  console.log(`bare answers: Qwen pred[] graded as free text vs its score[]: ${pct(agree, total)}, ${noAnswer} read as no answer`);
  if (verbose) for (const d of diffs) console.log(d);
}
