import { readFileSync } from "node:fs";
import { withStore } from "../src/store/store.js";
const dir = process.argv[2]!;
const meta = new Map(readFileSync(`${dir}/stages/world/test.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l)).map((q) => [q.id, q.meta]));
const rows = await withStore(dir, {}, (s) => s.all<{ q: string; model: string; c: number; n: number }>("SELECT question_id AS q, model, sum(correct::INT)::INT AS c, count(*)::INT AS n FROM samples WHERE model IN ('base','rlvr') GROUP BY 1,2"));
const by = new Map<string, { base?: number; rlvr?: number; n: number }>();
for (const r of rows) { const e = by.get(r.q) ?? { n: r.n }; (e as any)[r.model] = r.c; by.set(r.q, e); }
const groups = new Map<string, { q: number; dacc: number; lost: number; won: number }>();
for (const [q, e] of by) {
  const n = e.n, b = e.base! / n;
  if (!(e.base! >= 1 && e.base! <= Math.max(4, Math.round(4 * n / 256)))) continue;
  const m = meta.get(q); const key = `len${m.length} ${m.facts.split(",").filter((s: string) => s !== "known").sort().join("+") || "all-known"}`;
  const g = groups.get(key) ?? { q: 0, dacc: 0, lost: 0, won: 0 };
  g.q++; g.dacc += e.rlvr! / n - b; if (e.rlvr === 0) g.lost++; groups.set(key, g);
}
for (const [k, g] of [...groups].sort((a, b) => b[1].q - a[1].q)) console.log(k.padEnd(36), "q", g.q, "mean dacc", (g.dacc / g.q).toFixed(3), "lost", g.lost);
