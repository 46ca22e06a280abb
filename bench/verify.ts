/**
 * Verifier figures: agreement with math-verify's own test cases and verdicts, agreement with Qwen's grader on
 * its evaluation outputs, single-thread throughput, and batch throughput with 1 and 2 workers.
 * Reads ../shared (by path) and prints figures; never asserts. Run: npx tsx bench/verify.ts [--verbose] [--quick]
 */
import { readFileSync, existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { verify, type VerifyOptions } from "../src/verify/verify.js";
// The pool is measured as the CLI and library run it, compiled (dist/): its workers then load plain JavaScript.
// Run from source, each worker also runs tsx's loader, which costs a large share of a core.
const compiledPool = new URL("../dist/verify/pool.js", import.meta.url);
const poolSource = existsSync(compiledPool) ? "dist/ (compiled)" : "src/ through tsx (run npm run build to measure the compiled pool)";
const { verifyBatch, VerifierPool } = (await import(existsSync(compiledPool) ? compiledPool.href : "../src/verify/pool.js")) as typeof import("../src/verify/pool.js");

const SHARED = process.env.RLVD_SHARED ?? "/work/shared/data";
const verbose = process.argv.includes("--verbose");
const quick = process.argv.includes("--quick");

function jsonl<T>(path: string): T[] {
  return readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
}

function short(s: string, n = 160): string {
  const t = s.replace(/\s+/g, " ");
  return t.length <= n ? t : "…" + t.slice(-n);
}

type Case = { gold: string; pred: string; expected: boolean; options: { precision?: number; strict?: boolean; allow_set_relation_comp?: boolean; match_types?: ("latex" | "expr")[] }; source: string };
type Resp = { question: string; answer: string; response: string; math_verify_whole_response: number; math_verify_last_boxed: number };
type Qwen = { idx: number; gt: string; code: string[]; score: boolean[]; pred: string[] };

function pct(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(1)}% (${a}/${b})`;
}

async function main(): Promise<void> {
  const casesPath = `${SHARED}/verifier/math-verify-cases.jsonl`;
  const respPath = `${SHARED}/responses/qwen25-3b-math500-responses.jsonl`;
  const qwenPath = `${SHARED}/responses/qwen-math-eval-example-math-cot-100.jsonl`;
  if (![casesPath, respPath, qwenPath].every(existsSync)) {
    console.log(`bench/verify: data not found under ${SHARED} (set RLVD_SHARED)`);
    return;
  }

  // 1. math-verify's test cases, with the options each test used
  const cases = jsonl<Case>(casesPath);
  let agree = 0;
  for (const c of cases) {
    const o: VerifyOptions = {};
    if (c.options.precision !== undefined) o.floatRounding = c.options.precision;
    if (c.options.strict !== undefined) o.strict = c.options.strict;
    if (c.options.allow_set_relation_comp !== undefined) o.allowSetRelationComp = c.options.allow_set_relation_comp;
    if (c.options.match_types !== undefined) o.matchTypes = c.options.match_types;
    const r = verify(c.gold, c.pred, o);
    if (r.correct === c.expected) agree++;
    else if (verbose) console.log(`  case ${c.source.split("::")[1]} expected ${c.expected}: gold ${JSON.stringify(short(c.gold, 80))} -> ${r.gold.parsed} | pred ${JSON.stringify(short(c.pred, 100))} -> ${r.pred.parsed} [${r.status}]`);
  }
  console.log(`math-verify test cases: agreement ${pct(agree, cases.length)}`);

  // 2. 500 real responses, math-verify's verdict on the whole response
  const resp = jsonl<Resp>(respPath);
  agree = 0;
  const disagreements: string[] = [];
  for (const r of resp) {
    const v = verify(r.answer, r.response);
    const ref = r.math_verify_whole_response === 1;
    if (v.correct === ref) agree++;
    else disagreements.push(`  ${r.question}: math-verify ${ref} rlvd ${v.correct} [${v.status}] gold ${JSON.stringify(r.answer)} -> ${v.gold.parsed} | extracted ${JSON.stringify(v.extracted === null ? null : short(v.extracted, 80))} -> ${v.pred.parsed}`);
  }
  console.log(`math-verify verdicts on 500 Qwen2.5-3B MATH-500 responses: agreement ${pct(agree, resp.length)}`);
  if (verbose) for (const d of disagreements) console.log(d);

  // 3. Qwen2.5-Math evaluation outputs and their grader's score[]
  const qwen = jsonl<Qwen>(qwenPath);
  agree = 0;
  let total = 0;
  const qd: string[] = [];
  for (const q of qwen) {
    q.code.forEach((text, j) => {
      total++;
      const v = verify(q.gt, text);
      if (v.correct === q.score[j]) agree++;
      else qd.push(`  idx ${q.idx}#${j}: score ${q.score[j]} rlvd ${v.correct} [${v.status}] gt ${JSON.stringify(q.gt)} qwen-pred ${JSON.stringify(q.pred[j])} rlvd-extracted ${JSON.stringify(v.extracted)}`);
    });
  }
  console.log(`Qwen grader score[] on 800 qwen-math-eval responses: agreement ${pct(agree, total)}`);
  if (verbose) for (const d of qd) console.log(d);

  // 4. throughput, single thread, in-process
  const items = resp.map((r) => ({ gold: r.answer, pred: r.response }));
  const rounds = quick ? 1 : 3;
  let best = 0;
  for (let k = 0; k < rounds; k++) {
    const t0 = performance.now();
    for (const it of items) verify(it.gold, it.pred);
    const rate = items.length / ((performance.now() - t0) / 1000);
    best = Math.max(best, rate);
  }
  console.log(`throughput, verify() in-process, 1 thread: ${best.toFixed(0)} responses/s (best of ${rounds}; math-verify: 137/s)`);

  // 5. batch API, 1 vs 2 workers: a warm pool (start-up timed separately), rounds alternated, best of 3,
  //    because other processes share this machine's two cores. The warm-up is long (several thousand items
  //    per worker): V8 compiles the verifier's hot paths on background threads for the first few thousand
  //    items, and a short warm-up measures that compiler competing with the second worker for the second core.
  const big = quick ? items : Array.from({ length: 20 }, () => items).flat();
  const warmup = quick ? items : Array.from({ length: 40 }, () => items).flat();
  const bestPool: Record<number, number> = {};
  const coresUsed: Record<number, number> = {};
  const counts = [1, Math.min(2, cpus().length) || 1];
  for (let round = 0; round < (quick ? 1 : 3); round++) {
    for (const workers of counts) {
      const t0 = performance.now();
      const pool = new VerifierPool({ workers });
      await Promise.all(items.slice(0, 16 * workers).map((it) => pool.verify(it.gold, it.pred)));
      const startup = performance.now() - t0;
      await Promise.all(warmup.map((it) => pool.verify(it.gold, it.pred))); // JIT warm-up in every worker
      const t1 = performance.now();
      const cpu0 = process.cpuUsage();
      const res = await Promise.all(big.map((it) => pool.verify(it.gold, it.pred)));
      const seconds = (performance.now() - t1) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const rate = big.length / seconds;
      const cores = (cpu.user + cpu.system) / 1e6 / seconds;
      await pool.close();
      const timeouts = res.filter((r) => r.status === "timeout").length;
      if (rate > (bestPool[workers] ?? 0)) {
        bestPool[workers] = rate;
        coresUsed[workers] = cores;
      }
      if (verbose) console.log(`  round ${round}: ${workers} worker(s) ${rate.toFixed(0)}/s using ${cores.toFixed(2)} cores, start-up ${startup.toFixed(0)} ms, ${timeouts} timeouts`);
    }
  }
  for (const workers of counts) {
    const perCore = bestPool[workers]! / coresUsed[workers]!;
    console.log(`throughput, worker pool ${workers} worker${workers > 1 ? "s" : ""}: ${bestPool[workers]!.toFixed(0)} responses/s, the process using ${coresUsed[workers]!.toFixed(2)} cores = ${perCore.toFixed(0)}/s per core (warm pool from ${poolSource}, ${big.length} items, best of ${quick ? 1 : 3}; load average ${loadavg()[0]!.toFixed(1)})`);
  }
  if (counts.length === 2) console.log(`scaling, ${counts[1]} workers vs 1: ${(bestPool[counts[1]!]! / bestPool[1]!).toFixed(2)}x`);
  const t0 = performance.now();
  const res = await verifyBatch(items, { workers: counts[counts.length - 1]! });
  console.log(`verifyBatch (pool start-up included), ${counts[counts.length - 1]} workers: ${(items.length / ((performance.now() - t0) / 1000)).toFixed(0)} responses/s, ${res.filter((r) => r.status === "timeout").length} timeouts`);
}

await main();
