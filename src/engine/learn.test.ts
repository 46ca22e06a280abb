// The engine learns: a 2-layer model trained from scratch to reverse strings ("abc=" -> "cba<eos>"),
// with the loss on the answer only, reaches > 99% exact match under greedy decoding on fresh strings.
import { beforeAll, expect, it } from "vitest";
import { createModel } from "./model.js";
import { AdamW, clipGradNorm, getLr } from "./optim.js";
import { Xoshiro128 } from "./rng.js";
import { generate } from "./sample.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

beforeAll(() => ensureWasm());

const ALPHABET = "abcdefgh";
const reverse = (s: string) => [...s].reverse().join("");
const randomString = (r: Xoshiro128) => Array.from({ length: 1 + r.int(6) }, () => ALPHABET[r.int(ALPHABET.length)]).join("");

function exactMatch(model: Awaited<ReturnType<typeof createModel>>, seed: number, n: number): number {
  const r = new Xoshiro128(seed);
  const xs = Array.from({ length: n }, () => randomString(r));
  const out = generate(model, xs.map((x) => `${x}=`), { temperature: 0, maxTokens: 8 });
  return out.filter((c, i) => c.finishReason === "stop" && c.text === reverse(xs[i])).length / n;
}

it("a 2-layer model learns to reverse strings to > 99% exact match", async () => {
  const started = performance.now();
  const tok = CharTokenizer.fromText(`${ALPHABET}=`);
  const T = 16, B = 64, maxSteps = 900;
  const model = await createModel({ vocabSize: tok.vocabSize, dim: 64, layers: 2, heads: 4, context: T }, 1, { tokenizer: tok });
  const opt = new AdamW(model, { weightDecay: 0.01 });
  const rng = new Xoshiro128(0);
  const tokens = new Int32Array(B * T), targets = new Int32Array(B * T);
  let step = 0, acc = 0;
  for (; step < maxSteps; step++) {
    tokens.fill(tok.pad);
    targets.fill(-1);
    for (let b = 0; b < B; b++) {
      const x = randomString(rng);
      const prompt = tok.encode(`${x}=`, { bos: true });
      const ids = [...prompt, ...tok.encode(reverse(x), { eos: true })];
      for (let t = 0; t < ids.length - 1; t++) {
        tokens[b * T + t] = ids[t];
        if (t + 1 >= prompt.length) targets[b * T + t] = ids[t + 1]; // loss on the answer only
      }
    }
    model.zeroGrad();
    model.forwardBackward({ B, T, tokens, targets });
    clipGradNorm(model, 1);
    opt.step(getLr({ lr: 3e-3, warmup: 50, shape: "cosine", steps: 600, minLr: 3e-4 }, step));
    if (step >= 299 && (step + 1) % 100 === 0 && exactMatch(model, 1000 + step, 256) >= 0.995) break;
  }
  acc = exactMatch(model, 7, 1000);
  const seconds = (performance.now() - started) / 1000;
  console.log(`reversal: ${step + 1} steps, exact match ${(100 * acc).toFixed(1)}% on 1000 fresh strings, ${seconds.toFixed(1)} s`);
  expect(acc).toBeGreaterThan(0.99);
  model.dispose();
}, 120_000);
