// The verifier pool as the CLI runs it: plain Node, compiled dist/ (npm run build), no tsx anywhere.
// 1 vs 2 workers on the 500 real responses x 10, warm pools, alternated. Prints figures only.
//   node bench/verify-pool-compiled.mjs
import { readFileSync } from "node:fs";
import { VerifierPool } from "../dist/verify/pool.js";
import { verify } from "../dist/verify/verify.js";
const rows = readFileSync(new URL("../../shared/data/responses/qwen25-3b-math500-responses.jsonl", import.meta.url), "utf8").trim().split("\n").map(l => JSON.parse(l));
const items = rows.map((r) => ({ gold: String(r.answer), pred: String(r.response) }));
const all = Array.from({ length: 10 }, () => items).flat();
for (let rep = 0; rep < 2; rep++) { let t = performance.now(); for (const i of all) verify(i.gold, i.pred); console.log("in-process", Math.round(all.length / ((performance.now() - t) / 1000))); }
for (const w of [1, 2, 1, 2]) {
  const pool = new VerifierPool({ workers: w });
  await Promise.all(all.map(i => pool.verify(i.gold, i.pred))); // warm
  const t = performance.now();
  await Promise.all(all.map(i => pool.verify(i.gold, i.pred)));
  console.log(w, "workers", Math.round(all.length / ((performance.now() - t) / 1000)), "/s");
  await pool.close();
}
