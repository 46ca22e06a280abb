/**
 * `rlvd run` over served models on a CPU: two tiny embedded checkpoints behind rlvd serve's server, a spec with
 * two sample stages (boxed grading), analyze and report. Prints the first run's seconds, the cached rerun's and
 * the rerun's after the models moved to other servers (URLs are not in the cache key).
 *
 *   npx tsx bench/real-run.ts [QUESTIONS] [K]
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EmbeddedBackend } from "../src/backends/embedded.js";
import { createOpenAIServer } from "../src/backends/serve.js";
import { main } from "../src/cli/main.js";
import { initCheckpoint } from "../src/engine/index.js";

const questions = Number(process.argv[2] ?? 20);
const k = Number(process.argv[3] ?? 16);
const dir = mkdtempSync(join(tmpdir(), "rlvd-real-bench-"));
const servers: Array<{ close: () => void }> = [];
async function serve(name: string, seed: number): Promise<string[]> {
  await initCheckpoint({ out: join(dir, name), dim: 32, layers: 1, heads: 2, vocab: 48, context: 64, seed });
  const backend = await EmbeddedBackend.open(join(dir, name), { tree: false, lanes: 2 });
  const urls: string[] = [];
  for (let i = 0; i < 2; i++) {
    const server = createOpenAIServer(backend, { modelName: name });
    servers.push(server);
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
  }
  return urls;
}
const [base, rl] = [await serve("base", 1), await serve("rl", 2)];
writeFileSync(join(dir, "q.jsonl"), Array.from({ length: questions }, (_, i) => JSON.stringify({ id: `q${i}`, problem: `${i}+1=?`, answer: String(i + 1) })).join("\n") + "\n");
const sample = (id: string) => `  - { id: ${id}, kind: sample, model: "openai:${id}", dataset: q.jsonl, template: question, k: ${k}, sampling: { temperature: 1, topK: 0, maxTokens: 8 }, grade: { extract: boxed }, nPerRequest: 4 }`;
writeFileSync(join(dir, "spec.yaml"), ["name: bench", "stages:", sample("base"), sample("rl"), "  - { id: analyze, kind: analyze, base: base }", "  - { id: report, kind: report, base: base, formats: none }"].join("\n") + "\n");
const quiet = { out: () => {}, err: () => {}, isTTY: false };
async function run(label: string, endpoints: [string, string]): Promise<void> {
  const t = Date.now();
  const code = await main(["run", join(dir, "spec.yaml"), "--out", join(dir, "run"), "--endpoint", `base=${endpoints[0]}`, "--endpoint", `rl=${endpoints[1]}`], quiet);
  console.log(`${label}: ${((Date.now() - t) / 1000).toFixed(2)} s (exit ${code})`);
}
console.log(`${questions} questions x k = ${k} x 2 models`);
await run("first run", [base[0]!, rl[0]!]);
await run("rerun (cached)", [base[0]!, rl[0]!]);
await run("rerun, models on other servers", [base[1]!, rl[1]!]);
for (const s of servers) s.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
