// How a harness import lands (import-harness.ts land): each question row written once (no id-only placeholder
// rows after the import's own), and no folding of repeated ids when every id of the file is distinct. Both are
// shortcuts, so the store must read exactly as with the full landing that every import used before: the test
// lands each fixture both ways (the full one by switching the shortcuts off below) and compares the tables.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { QUESTIONS, RESPONSES, lmEvalFile, lmEvalLine, lmEvalRepeatsFile, openrlhfFile, verlDumpFile } from "../test-helpers/harness-fixtures.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { importSamplesFile, type ImportSamplesOptions } from "./import-samples.js";
import { withStore } from "./store.js";

/** true: land as before the shortcuts (fold every id, write the placeholder question rows) */
const full = vi.hoisted(() => ({ on: false, distinct: [] as boolean[] }));
vi.mock("./questions.js", async (importOriginal) => {
  const m = await importOriginal<typeof import("./questions.js")>();
  return {
    ...m,
    commitStagedQuestions: (...a: Parameters<typeof m.commitStagedQuestions>) => {
      full.distinct.push(a[3]?.distinct === true);
      return m.commitStagedQuestions(a[0], a[1], a[2], full.on ? {} : a[3]);
    },
  };
});
vi.mock("./samples.js", async (importOriginal) => {
  const m = await importOriginal<typeof import("./samples.js")>();
  return { ...m, commitSamples: (...a: Parameters<typeof m.commitSamples>) => m.commitSamples(a[0], a[1], full.on ? { ...a[2], questionsLanded: false } : a[2]) };
});

const tmp = useTmpDirs();

const tables = (run: string) =>
  withStore(run, {}, async (s) => ({
    samples: await s.all<Record<string, unknown>>("SELECT * FROM samples ORDER BY ALL"),
    questions: await s.all<Record<string, unknown>>("SELECT * FROM questions ORDER BY ALL"),
    models: await s.all("SELECT * FROM models ORDER BY ALL"),
    grades: await s.all("SELECT * EXCLUDE (seg, rn) FROM raw_grades ORDER BY ALL"),
    counts: await s.all("SELECT * FROM counts ORDER BY ALL"),
  }));
const questionRows = (run: string) =>
  withStore(run, {}, async (s) => (await s.all<{ n: number }>("SELECT count(*)::INTEGER AS n FROM raw_questions"))[0]!.n);

type Step = { file: string; options: ImportSamplesOptions };

/** Runs the imports in order into a fresh run, with the shortcuts or without; results (or error messages) and tables. */
async function landAll(run: string, steps: Step[], fullLanding: boolean) {
  full.on = fullLanding;
  full.distinct = [];
  try {
    const results: unknown[] = [];
    for (const { file, options } of steps) {
      for (const staging of ["auto", "js"] as const) {
        results.push(await importSamplesFile(run, file, { ...options, staging }).then(({ reader: _, ...r }) => r, (e: Error) => `error: ${e.message}`));
      }
    }
    return { results, tables: await tables(run), questionRows: await questionRows(run), distinct: full.distinct };
  } finally {
    full.on = false;
  }
}

async function bothLandings(dir: string, steps: Step[]) {
  const before = await landAll(join(dir, "run-full"), steps, true);
  const after = await landAll(join(dir, "run-short"), steps, false);
  expect(after.results).toEqual(before.results);
  expect(after.tables).toEqual(before.tables);
  return { before, after };
}

const doc = lmEvalLine;

describe("landing a harness import", () => {
  it("distinct ids: the same tables, each question row written once instead of twice", async () => {
    const dir = tmp();
    const { before, after } = await bothLandings(dir, [{ file: lmEvalFile(dir), options: { model: "m" } }]);
    const ids = after.tables.questions.length;
    expect(ids).toBe(QUESTIONS.length);
    expect(after.tables.questions.every((q) => q.answer !== null && q.prompt !== null)).toBe(true);
    // the import's rows, then (before) one id-only placeholder per id from the sample commit; the re-imports add nothing
    expect(before.questionRows).toBe(2 * ids);
    expect(after.questionRows).toBe(ids);
    // the shortcut was taken: both stagings (DuckDB and record by record) found the ids distinct
    expect(after.distinct).toEqual([true, true]);
  });

  it("distinct ids, k > 1, and a second model over the same questions (ids already stored)", async () => {
    const dir = tmp();
    const file = lmEvalRepeatsFile(dir);
    const { after } = await bothLandings(dir, [{ file, options: { model: "a" } }, { file, options: { model: "b" } }]);
    expect(after.tables.samples.length).toBe(2 * QUESTIONS.length * 2);
    expect(after.questionRows).toBe(QUESTIONS.length);
  });

  it("repeated ids (verl's n responses per prompt, OpenRLHF's rounds, one lm-eval document twice): the same tables", async () => {
    const dir = tmp();
    const twice = writeJsonl(dir, "samples_twice.jsonl", [doc(0), doc(1), doc(0), doc(2)]);
    const { after } = await bothLandings(dir, [
      { file: verlDumpFile(dir, 10), options: { model: "v" } },
      { file: openrlhfFile(dir), options: { model: "o" } },
      { file: twice, options: { model: "l" } },
    ]);
    // verl's 3 chat prompts, OpenRLHF's 4 prompts, lm-eval's documents 0-2
    expect(after.tables.questions.length).toBe(3 + 4 + 3);
    // none of these files has distinct ids: every landing folded (DuckDB reads only the lm-eval file)
    expect(after.distinct).toEqual([false, false, false, false, false, false]);
  });

  it("clashing gold answers are reported as before: within the file, and against the store; nothing lands", async () => {
    const dir = tmp();
    // a prompt whose later line gives another ground truth (verl: the id is the prompt's hash)
    const clashInFile = join(dir, "7.jsonl");
    const v = { input: "What is 1 + 1?", output: "2", score: 1.0, step: 7 };
    writeFileSync(clashInFile, [{ ...v, gts: "2" }, { ...v, gts: "2" }, { ...v, gts: "3" }].map((x) => JSON.stringify(x)).join("\n") + "\n");
    // distinct ids in the file, but document 1's target differs from what the first import stored
    const first = writeJsonl(dir, "samples_a.jsonl", [doc(0), doc(1)]);
    const clashStored = writeJsonl(dir, "samples_b.jsonl", [doc(1, { target: "999" }), doc(2)]);
    const { after } = await bothLandings(dir, [
      { file: clashInFile, options: { model: "v" } },
      { file: first, options: { model: "a" } },
      { file: clashStored, options: { model: "b" } },
    ]);
    const errors = after.results.filter((r): r is string => typeof r === "string");
    // each import runs both ways (DuckDB staging where it reads the format, then record by record): same words
    expect(errors).toHaveLength(4);
    expect(errors[1]).toBe(errors[0]);
    expect(errors[3]).toBe(errors[2]);
    expect(errors[0]).toMatch(new RegExp(`^error: ${clashInFile.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:3: question \\S+ has answer "3" but line 1 gave "2"$`));
    expect(errors[2]).toBe(`error: ${clashStored}:1: question 1 has answer "999" but the store has "${QUESTIONS[1]!.answer}"`);
    // only the file without a clash landed
    expect(after.tables.samples.map((s) => s.model)).toEqual(["a", "a"]);
  });
});
