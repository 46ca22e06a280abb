// Character-level tokenizer: one token per Unicode code point, plus the special tokens <pad> <bos> <eos>
// <unk>. Characters outside the vocabulary encode to <unk>. Saved as a Hugging Face tokenizer.json
// (a WordLevel model over single characters, a pre-tokenizer that isolates every character, a Fuse decoder).
import { InputError } from "../core/errors.js";

export const SPECIAL_TOKENS = { pad: "<pad>", bos: "<bos>", eos: "<eos>", unk: "<unk>" } as const;
export type SpecialRole = keyof typeof SPECIAL_TOKENS;

export type EncodeOptions = { bos?: boolean; eos?: boolean };

export class CharTokenizer {
  /** id -> piece (specials first, then characters) */
  readonly pieces: readonly string[];
  private readonly ids: Map<string, number>;
  readonly pad: number;
  readonly bos: number;
  readonly eos: number;
  readonly unk: number;
  private readonly special: ReadonlySet<number>;

  /** `pieces`: every token in id order; the four special tokens must be among them. */
  constructor(pieces: readonly string[]) {
    this.pieces = pieces;
    this.ids = new Map(pieces.map((p, i) => [p, i]));
    if (this.ids.size !== pieces.length) throw new Error("tokenizer pieces must be distinct");
    const id = (r: SpecialRole) => {
      const v = this.ids.get(SPECIAL_TOKENS[r]);
      if (v === undefined) throw new Error(`tokenizer lacks the special token ${SPECIAL_TOKENS[r]}`);
      return v;
    };
    this.pad = id("pad");
    this.bos = id("bos");
    this.eos = id("eos");
    this.unk = id("unk");
    this.special = new Set([this.pad, this.bos, this.eos, this.unk]);
  }

  /** The specials, then every distinct character of `text` in code-point order. */
  static fromText(text: string | Iterable<string>): CharTokenizer {
    const chars = new Set<string>();
    for (const s of typeof text === "string" ? [text] : text) for (const ch of s) chars.add(ch);
    const sorted = [...chars].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharTokenizer([...Object.values(SPECIAL_TOKENS), ...sorted]);
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  isSpecial(id: number): boolean {
    return this.special.has(id);
  }

  encode(text: string, options: EncodeOptions = {}): number[] {
    const out: number[] = [];
    if (options.bos) out.push(this.bos);
    for (const ch of text) {
      const id = this.ids.get(ch);
      out.push(id === undefined || this.special.has(id) ? this.unk : id);
    }
    if (options.eos) out.push(this.eos);
    return out;
  }

  /** Text of the ids; special tokens are left out unless keepSpecial (then <unk> etc. appear literally). */
  decode(ids: ArrayLike<number>, options: { keepSpecial?: boolean } = {}): string {
    let s = "";
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!options.keepSpecial && this.special.has(id)) continue;
      s += this.pieces[id] ?? "";
    }
    return s;
  }

  /** The Hugging Face tokenizer.json object. */
  toJSON(): object {
    const vocab: Record<string, number> = {};
    this.pieces.forEach((p, i) => (vocab[p] = i));
    return {
      version: "1.0",
      truncation: null,
      padding: null,
      added_tokens: [...this.special].sort((a, b) => a - b).map((id) => ({
        id, content: this.pieces[id], single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
      })),
      normalizer: null,
      pre_tokenizer: { type: "Split", pattern: { Regex: "[\\s\\S]" }, behavior: "Isolated", invert: false },
      // <bos> before every sequence, as rlvd's own encode({bos: true}) does when it samples and trains
      post_processor: {
        type: "TemplateProcessing",
        single: [{ SpecialToken: { id: SPECIAL_TOKENS.bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
        pair: [{ SpecialToken: { id: SPECIAL_TOKENS.bos, type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }, { SpecialToken: { id: SPECIAL_TOKENS.bos, type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
        special_tokens: { [SPECIAL_TOKENS.bos]: { id: SPECIAL_TOKENS.bos, ids: [this.bos], tokens: [SPECIAL_TOKENS.bos] } },
      },
      decoder: { type: "Fuse" },
      model: { type: "WordLevel", vocab, unk_token: SPECIAL_TOKENS.unk },
    };
  }

  /** Reads a tokenizer.json object written by toJSON (file names the source in errors). */
  static fromJSON(json: unknown, file: string): CharTokenizer {
    const model = (json as { model?: { type?: unknown; vocab?: unknown } } | null)?.model;
    if (!model || model.type !== "WordLevel" || typeof model.vocab !== "object" || model.vocab === null) {
      throw new InputError(file, undefined, "not a character-level tokenizer (expected model.type WordLevel with a vocab)");
    }
    const entries = Object.entries(model.vocab as Record<string, unknown>);
    const pieces: string[] = new Array(entries.length);
    for (const [piece, id] of entries) {
      if (typeof id !== "number" || !Number.isInteger(id) || id < 0 || id >= entries.length || pieces[id] !== undefined) {
        throw new InputError(file, undefined, `vocab ids must be 0..${entries.length - 1}, each once (bad id for ${JSON.stringify(piece)})`);
      }
      const special = (Object.values(SPECIAL_TOKENS) as string[]).includes(piece);
      if (!special && [...piece].length !== 1) throw new InputError(file, undefined, `vocab entry ${JSON.stringify(piece)} is not a single character`);
      pieces[id] = piece;
    }
    try {
      return new CharTokenizer(pieces);
    } catch (e) {
      throw new InputError(file, undefined, (e as Error).message);
    }
  }
}
