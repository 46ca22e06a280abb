// A saved checkpoint's tokenizer as Hugging Face's own Rust `tokenizers` (the npm binding) reads it, and the
// special tokens tokenizer_config.json names, as transformers resolves them: every named special token must
// be in the vocabulary, else transformers adds it as a new id past vocab_size (PreTrainedTokenizerFast
// registers each named special token with the Rust tokenizer's add_special_tokens, transformers 4.x
// tokenization_utils_fast.py) — which is what happened with LlamaTokenizerFast's default <s>/</s>.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Tokenizer } from "tokenizers";
import { afterAll, describe, expect, it } from "vitest";
import { saveCheckpoint } from "./checkpoint.js";
import { createModel } from "./model.js";
import { CharTokenizer } from "./tokenizer.js";

const dir = mkdtempSync(join(tmpdir(), "rlvd-hftok-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checkpoint tokenizer in Hugging Face tokenizers", () => {
  it("encodes and decodes as rlvd does, and names only special tokens of its own vocabulary", async () => {
    const tok = CharTokenizer.fromText("hello world, 1+1=2\n");
    const m = await createModel({ vocabSize: 24, dim: 16, layers: 1, heads: 2, context: 32 }, 1, { tokenizer: tok });
    await saveCheckpoint(m, dir);
    m.dispose();
    const json = (f: string) => JSON.parse(readFileSync(join(dir, f), "utf8"));
    const config = json("config.json"), tcfg = json("tokenizer_config.json"), smap = json("special_tokens_map.json");
    const hf = Tokenizer.fromFile(join(dir, "tokenizer.json"));

    for (const text of ["hello world", "1+1=2\nhello", "héllo"]) {
      const enc = await hf.encode(text, null, { addSpecialTokens: true });
      expect(enc.getIds(), text).toEqual(tok.encode(text, { bos: true }));
      expect(await hf.decode(enc.getIds(), true), text).toBe(tok.decode(tok.encode(text, { bos: true })));
    }
    expect(tcfg.tokenizer_class).toBe("PreTrainedTokenizerFast");
    expect(smap).toEqual({ bos_token: "<bos>", eos_token: "<eos>", pad_token: "<pad>", unk_token: "<unk>" });
    for (const [key, idKey] of [["bos_token", "bos_token_id"], ["eos_token", "eos_token_id"], ["pad_token", "pad_token_id"]] as const) {
      expect(hf.tokenToId(tcfg[key]), key).toBe(config[idKey]);
      expect(tcfg.added_tokens_decoder[String(config[idKey])].content).toBe(tcfg[key]);
    }
    expect(hf.tokenToId(tcfg.unk_token)).toBe(tok.unk);
    // registering every named special token, as transformers does on load, adds nothing past the vocabulary ...
    const before = hf.getVocabSize(true);
    expect(before).toBe(tok.vocabSize);
    hf.addSpecialTokens([tcfg.bos_token, tcfg.eos_token, tcfg.pad_token, tcfg.unk_token]);
    expect(hf.getVocabSize(true)).toBe(before);
    expect(before).toBeLessThanOrEqual(config.vocab_size);
    // ... whereas LlamaTokenizerFast's defaults would have grown it past vocab_size
    const llamaDefaults = Tokenizer.fromFile(join(dir, "tokenizer.json"));
    expect([llamaDefaults.tokenToId("<s>"), llamaDefaults.tokenToId("</s>")]).toEqual([null, null]);
    llamaDefaults.addSpecialTokens(["<s>", "</s>"]);
    expect(llamaDefaults.getVocabSize(true)).toBe(before + 2);
  });
});
