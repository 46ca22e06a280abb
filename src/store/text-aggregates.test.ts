import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { aggregateTexts } from "../metrics/sample-stats.js";
import { keywordPattern, STUDY_KEYWORDS } from "../metrics/text-stats.js";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { writeSamples } from "./samples.js";
import { withStore } from "./store.js";
import { caseInsensitiveIsExact, textAggregates } from "./text-aggregates.js";
import { StagingTable } from "./staging.js";
import { seededRng } from "../metrics/rng.js";
import type { SampleStore } from "./store.js";
import type { KeywordAggregate, TextAggregate } from "../metrics/sample-stats.js";

const tmp = useTmpDirs();

const texts: Array<[string, boolean, string]> = [
  ["Wait, let me think. Hmm... HOWEVER, however: OK", true, "a"],
  ["awaiting the verified okapi; okay", false, "a"],
  ["Let’s reconsider. Correction: we double-check to verify.", false, "b"],
  ["wait wait WAIT.", true, "b"],
  ["I made a mistake; on second thought, let me recalculate. Actually ok?", false, "c"],
  ["plain answer 42", true, "c"],
  ["ünïcödé wait—hmm…", false, "c"],
];

describe("text aggregates in SQL", () => {
  it("match the in-memory computation exactly (RE2 and JS read the same pattern)", async () => {
    const run = join(tmp(), "run");
    const bins = new Map([["a", 0], ["b", 1]]); // c is not binned
    const sql = await withStore(run, { create: true }, async (store) => {
      await writeSamples(store, texts.map(([text, correct, q], i) => ({ model: "m", question_id: q, sample_index: i, text, correct, n_tokens: i % 2 ? null : text.length })));
      return textAggregates(store, "m", bins, STUDY_KEYWORDS);
    });
    const js = aggregateTexts(texts.map(([text, correct, q], i) => ({ text, correct, bin: bins.get(q) ?? -1, n_tokens: i % 2 ? null : text.length })), STUDY_KEYWORDS);
    const order = <T extends { correct: boolean }>(rows: T[], key: (r: T) => string) => [...rows].sort((x, y) => key(x).localeCompare(key(y)));
    expect(order(sql.cells, (c) => `${c.correct}|${c.bin}`)).toEqual(order(js.cells, (c) => `${c.correct}|${c.bin}`));
    expect(order(sql.keywords, (k) => `${k.correct}|${k.keyword}`)).toEqual(order(js.keywords, (k) => `${k.correct}|${k.keyword}`));
    // and by hand: the correct responses hold wait x4, let me think, hmm, however x2, ok
    const correctTotal = sql.cells.filter((c) => c.correct).reduce((s, c) => s + c.keyword_total, 0);
    expect(correctTotal).toBe(9);
  });
});

/**
 * The previous implementation (session 8), kept as the reference the one-pass scan must equal: every text
 * lowered by DuckDB, matched into a TEMP table of match lists, then summed per (correctness, bin) and tallied
 * per keyword.
 */
async function previousTextAggregates(store: SampleStore, model: string, binOf: ReadonlyMap<string, number>, pattern: string): Promise<{ cells: TextAggregate[]; keywords: KeywordAggregate[] }> {
  const bins = await StagingTable.create(store, "staged_bins", [["question_id", "VARCHAR"], ["bin", "INTEGER"]]);
  for (const [q, b] of binOf) bins.push([q, b]);
  await bins.finish();
  try {
    await store.run(
      `CREATE OR REPLACE TEMP TABLE text_matches AS
       SELECT s.correct, coalesce(b.bin, -1) AS bin, length(s.text) AS chars, s.n_tokens, regexp_extract_all(lower(s.text), ?) AS kws
         FROM samples s LEFT JOIN staged_bins b ON b.question_id = s.question_id
        WHERE s.model = ? AND s.correct IS NOT NULL AND s.text IS NOT NULL`,
      [pattern, model],
    );
    const cells = await store.all<TextAggregate>(
      `SELECT correct, bin, count(*)::INTEGER AS responses, coalesce(sum(chars), 0)::DOUBLE AS chars,
              coalesce(sum(n_tokens), 0)::DOUBLE AS tokens, count(n_tokens)::INTEGER AS token_responses,
              coalesce(sum(len(kws)), 0)::DOUBLE AS keyword_total, count_if(len(kws) > 0)::INTEGER AS with_keyword
         FROM text_matches GROUP BY correct, bin ORDER BY correct, bin`,
    );
    const keywords = await store.all<KeywordAggregate>(
      `SELECT correct, replace(kw, '’', '''') AS keyword, count(*)::INTEGER AS count
         FROM (SELECT correct, unnest(kws) AS kw FROM text_matches) GROUP BY ALL ORDER BY ALL`,
    );
    return { cells, keywords };
  } finally {
    await store.run("DROP TABLE IF EXISTS temp.main.text_matches");
    await bins.drop();
  }
}

// texts where lower() and RE2's (?i) part ways, and ASCII ones that take the case-insensitive path
const UNICODE_TEXTS = [
  "Make ſure you verify", // ſ (U+017F): (?i)s matches it, lower() leaves it: "make sure" must not count
  "MAKE ſURE, o\u212A? OK.", // K (U+212A KELVIN SIGN)
  "WA\u0130T, let me think", // İ (U+0130)
  "ΣΟΦΟΣ hmm ΣΑΣ wait", // final sigma
  "Let’s check. LET’S CHECK. let's check", // the right single quote, non-ASCII
  "🤔 Hmm… ACTUALLY, actually: I Made A Mistake", // surrogate pairs
  "ok\u0000wait\u0000HMM", // NUL, ASCII
  "Ünïcödé HOWEVER however",
  "WAIT wait Wait wAiT; On Second Thought, Let Me Recalculate.", // ASCII, mixed case
  "To Be Sure, To Confirm, DOUBLE-CHECK, Double-Check, Looking Back", // ASCII
  "okay awaiting hmmm okapi", // ASCII, no whole-word match
  "",
  "plain 42",
];

function randomText(rng: () => number): string {
  const pieces = ["wait", "WAIT", "Wait", "hmm", "HMM", "ok", "OK", "o\u212A", "let me think", "LET ME THINK", "let’s check", "LET'S CHECK", "make sure", "make ſure",
    "however", "HOWEVER", "I made a mistake", "verify", "VERIFY", "actually", " ", " ", ", ", ".", "\n", "a", "x", "ß", "\u0130", "é", "Σ", "🤔", "’", "'", "-", "okay", "waiting"];
  let s = "";
  const n = Math.floor(rng() * 30);
  for (let i = 0; i < n; i++) s += pieces[Math.floor(rng() * pieces.length)];
  return s;
}

describe("the one-pass text scan against the previous implementation", () => {
  const keywordLists: Array<[string, readonly string[]]> = [
    ["the study's keywords", STUDY_KEYWORDS],
    ["keywords in capitals", ["WAIT", "Hmm", "Let Me Think", "OK", "let's check"]],
    ["a non-ASCII keyword (lower() everywhere)", ["wait", "straße", "ÉTÉ", "hmm"]],
  ];

  it("takes the case-insensitive path only for ASCII keyword lists", () => {
    expect(caseInsensitiveIsExact(STUDY_KEYWORDS)).toBe(true);
    expect(caseInsensitiveIsExact(["WAIT", "Let Me Think"])).toBe(true);
    expect(caseInsensitiveIsExact(["wait", "straße"])).toBe(false);
    expect(caseInsensitiveIsExact(["ſure"])).toBe(false);
  });

  it.each(keywordLists)("gives identical cells and keyword counts on unicode and random texts (%s)", async (_name, keywords) => {
    const run = join(tmp(), "run");
    const rng = seededRng(7);
    const samples = [
      ...UNICODE_TEXTS.map((text, i) => ({ text, q: `u${i % 4}`, correct: i % 3 !== 0 })),
      ...Array.from({ length: 400 }, (_, i) => ({ text: randomText(rng), q: `r${i % 9}`, correct: rng() < 0.5 })),
    ];
    const bins = new Map([["u0", 0], ["u1", 0], ["u2", 1], ["r0", 2], ["r1", 2], ["r2", 1], ["r3", 0]]); // u3, r4..r8: unbinned
    const { before, after, other } = await withStore(run, { create: true }, async (store) => {
      await writeSamples(store, [
        ...samples.map((s, i) => ({ model: "m", question_id: s.q, sample_index: i, text: s.text, correct: s.correct, n_tokens: i % 5 === 0 ? null : i })),
        // not counted: ungraded, without text, another model
        { model: "m", question_id: "u0", sample_index: 9000, text: "wait wait", correct: null },
        { model: "m", question_id: "u0", sample_index: 9001, text: null, correct: true },
        { model: "other", question_id: "u0", sample_index: 0, text: "WAIT hmm", correct: true },
      ]);
      return {
        before: await previousTextAggregates(store, "m", bins, keywordPattern(keywords)),
        after: await textAggregates(store, "m", bins, keywords),
        other: await textAggregates(store, "other", bins, keywords),
      };
    });
    expect(after).toEqual(before);
    // the fixture exercises what it is for: keywords found, several cells
    expect(before.keywords.length).toBeGreaterThan(2);
    expect(before.cells.length).toBeGreaterThan(4);
    expect(other.cells.reduce((s, c) => s + c.responses, 0)).toBe(1);
  });

  it("does not count a keyword that only RE2's case folding would find (make ſure)", async () => {
    const run = join(tmp(), "run");
    const result = await withStore(run, { create: true }, async (store) => {
      await writeSamples(store, [
        { model: "m", question_id: "a", sample_index: 0, text: "Make ſure. MAKE SURE.", correct: true },
        { model: "m", question_id: "a", sample_index: 1, text: "MAKE SURE, make sure", correct: true },
      ]);
      return textAggregates(store, "m", new Map([["a", 0]]), ["make sure"]);
    });
    // by hand: one in the first text (its ſ spelling is not "make sure" after lower()), two in the second
    expect(result.keywords).toEqual([{ correct: true, keyword: "make sure", count: 3 }]);
    expect(result.cells).toEqual([{ correct: true, bin: 0, responses: 2, chars: 41, tokens: 0, token_responses: 0, keyword_total: 3, with_keyword: 2 }]);
  });
});
