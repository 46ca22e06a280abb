/**
 * Where `rlvd analyze` spends its time on a run folder: every SQL statement the store sends (wall and process
 * CPU, both DuckDB threads included) and the JavaScript between statements, in order, then totals by
 * statement kind. Prints figures with the load average; asserts nothing.
 *
 *   npx tsx bench/analyze-profile.ts RUN [--no-fit] [--top 25]
 *
 * A streamed query (answersByQuestion) is timed up to its first chunk; the rest of its consumption is in the
 * JavaScript that follows it.
 */
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { DuckDBConnection } from "@duckdb/node-api";
import { analyzeRun } from "../src/report/analyze-run.js";

const { values, positionals } = parseArgs({ allowPositionals: true, options: { "no-fit": { type: "boolean" }, top: { type: "string", default: "25" } } });
const run = positionals[0];
if (!run) throw new Error("usage: npx tsx bench/analyze-profile.ts RUN [--no-fit]");

type Entry = { sql: string; wall: number; cpu: number; gapWall: number; gapCpu: number };
const entries: Entry[] = [];
let lastEnd = performance.now();
let lastCpu = cpuNow();
/** nesting depth: a method that calls another of the timed ones (runAndReadAll may call run) is timed once */
let depth = 0;

function cpuNow(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

function timed<A extends unknown[], R>(name: "run" | "runAndReadAll" | "stream") {
  const proto = DuckDBConnection.prototype as unknown as Record<string, (...a: A) => Promise<R>>;
  const original = proto[name]!;
  proto[name] = async function (this: unknown, ...args: A): Promise<R> {
    if (depth > 0) return original.apply(this, args);
    depth++;
    const t0 = performance.now();
    const c0 = cpuNow();
    const gapWall = (t0 - lastEnd) / 1000;
    const gapCpu = c0 - lastCpu;
    try {
      return await original.apply(this, args);
    } finally {
      depth--;
      lastEnd = performance.now();
      lastCpu = cpuNow();
      entries.push({ sql: String(args[0]).replace(/\s+/g, " ").slice(0, 140), wall: (lastEnd - t0) / 1000, cpu: lastCpu - c0, gapWall, gapCpu });
    }
  };
}
timed("run");
timed("runAndReadAll");
timed("stream");

const load0 = loadavg()[0]!;
const t0 = performance.now();
const c0 = cpuNow();
await analyzeRun(run, { fit: values["no-fit"] ? false : undefined });
const wall = (performance.now() - t0) / 1000;
const cpu = cpuNow() - c0;
const tailGapWall = (performance.now() - lastEnd) / 1000;

const sqlWall = entries.reduce((a, e) => a + e.wall, 0);
const sqlCpu = entries.reduce((a, e) => a + e.cpu, 0);
console.log(`analyze ${wall.toFixed(2)} s wall, ${cpu.toFixed(2)} s CPU; SQL ${sqlWall.toFixed(2)} s wall / ${sqlCpu.toFixed(2)} s CPU over ${entries.length} statements; JS between ${(wall - sqlWall).toFixed(2)} s wall / ${(cpu - sqlCpu).toFixed(2)} s CPU; peak RSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
console.log(`load average (1 min): ${load0.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after`);
console.log("\nin order (statements and the JavaScript before each, over 0.05 s):");
for (const e of entries) {
  if (e.gapWall > 0.05) console.log(`  JS    ${e.gapWall.toFixed(2).padStart(7)} s wall ${e.gapCpu.toFixed(2).padStart(7)} s CPU`);
  if (e.wall > 0.05) console.log(`  SQL   ${e.wall.toFixed(2).padStart(7)} s wall ${e.cpu.toFixed(2).padStart(7)} s CPU  ${e.sql}`);
}
if (tailGapWall > 0.05) console.log(`  JS    ${tailGapWall.toFixed(2).padStart(7)} s wall (after the last statement)`);
console.log(`\ntop ${values.top} statements by CPU:`);
for (const e of [...entries].sort((a, b) => b.cpu - a.cpu).slice(0, Number(values.top))) {
  console.log(`  ${e.cpu.toFixed(2).padStart(7)} s CPU ${e.wall.toFixed(2).padStart(7)} s wall  ${e.sql}`);
}
