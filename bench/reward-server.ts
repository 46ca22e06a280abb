/**
 * Reward server throughput: requests/s for OpenRLHF-style /get_reward calls (8 responses each) from 200
 * concurrent clients, with one pathological answer among them; prints the slowest normal request too.
 *
 *   npx tsx bench/reward-server.ts [--requests 2000] [--workers 2]
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createRewardServer } from "../src/train/reward-server.js";
import { VerifierPool } from "../src/verify/pool.js";

const { values } = parseArgs({ options: { requests: { type: "string", default: "2000" }, workers: { type: "string", default: "2" } } });
const pool = new VerifierPool({ workers: Number(values.workers), timeoutMs: 2000 });
const server = createRewardServer(pool);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/get_reward`;
const evil = "\\boxed{" + "{".repeat(5000) + "10^{10^{10^{10}}}" + "}".repeat(5000) + "}";
const answers = ["\\frac{1}{2}", "0.5", "\\dfrac{2}{4}", "(1,2)", "x^2+2x+1", "\\sqrt{2}", "3\\pi/4", "[0,1)"];
let next = 0;
const total = Number(values.requests);
let slowest = 0;
const started = performance.now();
await Promise.all(Array.from({ length: 200 }, async () => {
  while (next < total) {
    const i = next++;
    const query = answers.map((a, j) => (i === 7 && j === 0 ? evil : `so the answer is \\boxed{${a}}`));
    const t = performance.now();
    const r = await fetch(url, { method: "POST", body: JSON.stringify({ query, labels: answers }) });
    await r.json();
    if (i !== 7) slowest = Math.max(slowest, performance.now() - t);
  }
}));
const seconds = (performance.now() - started) / 1000;
console.log(`${total} requests x 8 responses in ${seconds.toFixed(2)} s: ${Math.round(total / seconds)} requests/s, ${Math.round((8 * total) / seconds)} verifications/s (${values.workers} workers)`);
console.log(`slowest request without the pathological answer: ${slowest.toFixed(0)} ms`);
server.close();
await pool.close();
