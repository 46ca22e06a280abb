// Checkpoints: save/load round trip in the Hugging Face layout, and one-line errors for bad files.
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { initCheckpoint, loadCheckpoint, loadOptimizerState, saveCheckpoint, saveOptimizerState } from "./checkpoint.js";
import { createModel } from "./model.js";
import { AdamW } from "./optim.js";
import { ensureWasm } from "./test-helpers/wasm.js";
import { CharTokenizer } from "./tokenizer.js";

const dir = mkdtempSync(join(tmpdir(), "rlvd-ckpt-"));
beforeAll(() => ensureWasm());
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkpoints", () => {
  it("round-trips parameters, config, tokenizer and step", async () => {
    const tok = CharTokenizer.fromText("hello world\n");
    const m = await createModel({ vocabSize: 16, dim: 32, layers: 2, heads: 4, context: 24 }, 9, { tokenizer: tok });
    m.step = 17;
    const out = join(dir, "rt");
    await saveCheckpoint(m, out);
    const cfg = JSON.parse(readFileSync(join(out, "config.json"), "utf8"));
    expect(cfg).toMatchObject({ architectures: ["LlamaForCausalLM"], hidden_size: 32, intermediate_size: 80, num_hidden_layers: 2, num_attention_heads: 4, vocab_size: 16, max_position_embeddings: 24, tie_word_embeddings: false });
    const st = readFileSync(join(out, "model.safetensors"));
    const header = JSON.parse(st.subarray(8, 8 + Number(st.readBigUInt64LE(0))).toString());
    expect(header["model.layers.1.mlp.gate_proj.weight"]).toMatchObject({ dtype: "F32", shape: [80, 32] });
    expect(Object.keys(header)).toHaveLength(1 + 1 + 2 * 9 + 2);
    const back = await loadCheckpoint(out);
    expect(Array.from(back.params)).toEqual(Array.from(m.params));
    expect(back.config).toEqual(m.config);
    expect(back.step).toBe(17);
    expect(back.tokenizer!.pieces).toEqual(tok.pieces);
    expect(Array.from(back.lastLogits([1, 5, 6]))).toEqual(Array.from(m.lastLogits([1, 5, 6])));
    m.dispose();
    back.dispose();
  });

  it("gives a one-line error naming the file for truncated or malformed files", async () => {
    const out = join(dir, "bad");
    await initCheckpoint({ out, dim: 32, layers: 1, heads: 2, vocab: 20, context: 16, seed: 1 });
    const st = join(out, "model.safetensors");
    const full = readFileSync(st);
    truncateSync(st, full.length - 100);
    await expect(loadCheckpoint(out)).rejects.toThrow(new RegExp(`^${st.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: truncated: tensor lm_head.weight`));
    truncateSync(st, 5);
    await expect(loadCheckpoint(out)).rejects.toThrow(/model\.safetensors: truncated/);
    writeFileSync(st, full);
    writeFileSync(join(out, "config.json"), "{ not json");
    await expect(loadCheckpoint(out)).rejects.toThrow(/config\.json: not valid JSON/);
    writeFileSync(join(out, "config.json"), JSON.stringify({ hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 3, vocab_size: 20, intermediate_size: 80, max_position_embeddings: 16 }));
    await expect(loadCheckpoint(out)).rejects.toThrow(/config\.json: invalid model shape: dim 32 is not a multiple of heads 3/);
    writeFileSync(join(out, "config.json"), JSON.stringify({ hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, vocab_size: 20, intermediate_size: 88, max_position_embeddings: 16 }));
    await expect(loadCheckpoint(out)).rejects.toThrow(/model\.safetensors: tensor model\.layers\.0\.mlp\.gate_proj\.weight has shape \[80,32\], config\.json implies \[88,32\]/);
    await expect(loadCheckpoint(join(dir, "nope"))).rejects.toThrow(/checkpoint directory not found/);
  });
});

describe("optimizer state", () => {
  it("resuming from a checkpoint + optimizer state continues training exactly", async () => {
    const config = { vocabSize: 12, dim: 32, layers: 1, heads: 2, context: 8 };
    const batch = { B: 2, T: 8, tokens: Array.from({ length: 16 }, (_, i) => (i * 7) % 12), targets: Array.from({ length: 16 }, (_, i) => (i * 5) % 12) };
    const train = (m: Awaited<ReturnType<typeof createModel>>, opt: AdamW, steps: number) => {
      for (let s = 0; s < steps; s++) {
        m.zeroGrad();
        m.forwardBackward(batch);
        opt.step(1e-2);
      }
    };
    const a = await createModel(config, 1);
    const oa = new AdamW(a);
    train(a, oa, 4);
    const out = join(dir, "resume");
    await saveCheckpoint(a, out);
    await saveOptimizerState(oa, out);
    train(a, oa, 3);
    const b = await loadCheckpoint(out);
    const ob = new AdamW(b);
    await loadOptimizerState(ob, out);
    expect(ob.t).toBe(4);
    expect(b.step).toBe(4);
    train(b, ob, 3);
    expect(Array.from(b.params)).toEqual(Array.from(a.params));
    const other = await createModel({ ...config, dim: 16 }, 1);
    await expect(loadOptimizerState(new AdamW(other), out)).rejects.toThrow(/optimizer\.safetensors: optimizer state for \d+ parameters, the model has \d+/);
  });
});

describe("tokenizer", () => {
  it("encodes characters, maps unknown ones to <unk>, and decodes without specials", () => {
    const t = CharTokenizer.fromText("ab\n→");
    expect(t.pieces.slice(0, 4)).toEqual(["<pad>", "<bos>", "<eos>", "<unk>"]);
    const ids = t.encode("ab?→\n", { bos: true, eos: true });
    expect(ids[0]).toBe(t.bos);
    expect(ids[3]).toBe(t.unk);
    expect(ids.at(-1)).toBe(t.eos);
    expect(t.decode(ids)).toBe("ab→\n");
    expect(t.decode(ids, { keepSpecial: true })).toBe("<bos>ab<unk>→\n<eos>");
    expect(t.encode("<unk>")).toHaveLength(5); // specials are never produced from text
    const back = CharTokenizer.fromJSON(JSON.parse(JSON.stringify(t.toJSON())), "tokenizer.json");
    expect(back.pieces).toEqual(t.pieces);
    expect(() => CharTokenizer.fromJSON({ model: { type: "BPE" } }, "x/tokenizer.json")).toThrow(/^x\/tokenizer\.json: not a character-level tokenizer/);
  });
});
