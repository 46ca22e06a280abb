/**
 * Reward server under OpenRLHF-shaped load: `--clients` concurrent clients each POSTing /get_reward batches of
 * `--batch` items (query = decode(prompt + response) with ChatML, Llama 3 and DeepSeek-R1 templates, left
 * padding, spacing-changed decodes and left-truncated prompts; see src/train/openrlhf-fixtures.ts), with a
 * pathological answer (nested braces, towers of powers) in every `--evil-every`-th batch. Prints requests/s,
 * items/s and latency percentiles, with and without the pathological batches.
 *
 *   npx tsx bench/reward-server.ts [--clients 200] [--batch 16] [--requests 1000] [--workers 2] [--evil-every 10]
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { chatml, cleanUpSpaces, fewShot, llama3, r1 } from "../src/train/openrlhf-fixtures.js";
import { createRewardServer } from "../src/train/reward-server.js";
import { VerifierPool } from "../src/verify/pool.js";

const { values } = parseArgs({
  options: {
    clients: { type: "string", default: "200" }, batch: { type: "string", default: "16" }, requests: { type: "string", default: "1000" },
    workers: { type: "string", default: "2" }, "evil-every": { type: "string", default: "10" }, timeout: { type: "string", default: "2000" },
  },
});
const [clients, batch, total, workers, evilEvery] = ["clients", "batch", "requests", "workers", "evil-every"].map((k) => Number(values[k as keyof typeof values]));
const pool = new VerifierPool({ workers, timeoutMs: Number(values.timeout) });
const server = createRewardServer(pool);
await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/get_reward`;

const evil = "\\boxed{" + "{".repeat(5000) + "10^{10^{10^{10}}}" + "}".repeat(5000) + "}";
const answers = ["\\frac{1}{2}", "0.5", "\\dfrac{2}{4}", "(1,2)", "x^2+2x+1", "\\sqrt{2}", "3\\pi/4", "[0,1)"];
const reasoning = "Let me work through this carefully. ".repeat(30);
function item(i: number, j: number, pathological: boolean): { query: string; prompt: string; label: unknown } {
  const gold = answers[(i + j) % answers.length]!;
  const question = `Problem ${i}.${j}: compute the value. ` + "Some context. ".repeat(20);
  const response = `${reasoning}\nSo the answer is \\boxed{${pathological ? evil : gold}}`;
  switch (j % 5) {
    case 0: return { query: chatml(question) + response + "<|im_end|>", prompt: chatml(question), label: gold };
    case 1: return { query: "<|endoftext|>".repeat(20) + llama3(question) + response + "<|eot_id|>", prompt: llama3(question), label: gold };
    case 2: return { query: r1(question) + reasoning + "</think>\n\n" + response + "<｜end▁of▁sentence｜>", prompt: r1(question), label: [gold, "unused"] };
    case 3: return { query: cleanUpSpaces(fewShot(question)) + " " + response, prompt: fewShot(question), label: gold };
    default: { const p = chatml(question); return { query: p.slice(120) + response, prompt: p, label: gold }; }
  }
}

let next = 0;
const latencies: Array<{ ms: number; evil: boolean }> = [];
let failed = 0;
const started = performance.now();
await Promise.all(Array.from({ length: clients }, async () => {
  while (next < total) {
    const i = next++;
    const pathological = evilEvery > 0 && i % evilEvery === 3;
    const items = Array.from({ length: batch }, (_, j) => item(i, j, pathological && j === 0));
    const body = JSON.stringify({ query: items.map((x) => x.query), prompts: items.map((x) => x.prompt), labels: items.map((x) => x.label) });
    const t = performance.now();
    const r = await fetch(url, { method: "POST", body });
    const json = (await r.json()) as { scores?: number[] };
    latencies.push({ ms: performance.now() - t, evil: pathological });
    const expected = items.map((_, j) => (pathological && j === 0 ? 0 : 1));
    if (r.status !== 200 || JSON.stringify(json.scores) !== JSON.stringify(expected)) failed++;
  }
}));
const seconds = (performance.now() - started) / 1000;
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]! : NaN;
};
const all = latencies.map((l) => l.ms), normal = latencies.filter((l) => !l.evil).map((l) => l.ms), bad = latencies.filter((l) => l.evil).map((l) => l.ms);
console.log(`${total} requests x ${batch} items, ${clients} concurrent clients, ${workers} verifier workers: ${seconds.toFixed(2)} s`);
console.log(`throughput: ${(total / seconds).toFixed(1)} requests/s, ${((total * batch) / seconds).toFixed(0)} items/s`);
console.log(`latency all: p50 ${pct(all, 50).toFixed(0)} ms, p99 ${pct(all, 99).toFixed(0)} ms, max ${pct(all, 100).toFixed(0)} ms`);
console.log(`latency without a pathological answer (${normal.length}): p50 ${pct(normal, 50).toFixed(0)} ms, p99 ${pct(normal, 99).toFixed(0)} ms`);
console.log(`latency with one (${bad.length}): p50 ${pct(bad, 50).toFixed(0)} ms, p99 ${pct(bad, 99).toFixed(0)} ms`);
console.log(`wrong or failed responses: ${failed}`);
server.close();
await pool.close();
