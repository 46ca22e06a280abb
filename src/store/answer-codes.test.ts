import { cpSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { writeSamples } from "./samples.js";
import { withStore } from "./store.js";
import { answerCodesByQuestion, answersByQuestion, startAnswerCodes } from "./queries.js";
import { mayRepeatKeys } from "./views.js";
import { storeDir } from "./segments.js";
import type { LiveFile } from "./live-set.js";
import { codeAnswers, type CodedAnswers } from "../metrics/answers.js";
import type { Sample } from "../core/types.js";

const tmp = useTmpDirs();

describe("answer codes read from the store", () => {
  it("number each question's distinct strings by first appearance in sample order, over segments written out of order", async () => {
    const run = join(tmp(), "run");
    const spellings = ["5", " 5", "5 ", "1/2", "0.5", "", "x"];
    const all: Sample[] = [];
    for (const q of ["a", "b", "c"]) {
      for (let i = 0; i < 20; i++) {
        const k = (i * 7 + q.charCodeAt(0)) % (spellings.length + 1);
        all.push({ model: "m", question_id: q, sample_index: i, text: `t${i}`, extracted: k === spellings.length ? null : spellings[k]!, correct: q === "c" && i === 3 ? null : (i * 3) % 5 < 2 });
      }
    }
    all.push({ model: "other", question_id: "a", sample_index: 0, text: "t", extracted: "9", correct: true });
    // a question none of whose samples has an answer: no distinct strings, every code -1
    for (let i = 0; i < 12; i++) all.push({ model: "m", question_id: "d", sample_index: i, text: `t${i}`, extracted: null, correct: false });
    const got = await withStore(run, { create: true }, async (store) => {
      // the higher indices land first, in their own segment
      await writeSamples(store, all.filter((s) => s.sample_index >= 10));
      await writeSamples(store, all.filter((s) => s.sample_index < 10));
      const coded: CodedAnswers[] = [];
      for await (const q of answerCodesByQuestion(store, "m")) coded.push(q);
      const lists: Array<{ question_id: string; extracted: (string | null)[]; correct: boolean[] }> = [];
      for await (const q of answersByQuestion(store, "m")) lists.push(q);
      const beside = await (await startAnswerCodes(store, "m")).done;
      return { coded, lists, beside };
    });
    expect(got.coded.map((q) => q.question_id)).toEqual(["a", "b", "c", "d"]);
    for (const [i, q] of got.coded.entries()) {
      const l = got.lists[i]!;
      // the coding written in JS (metrics/answers.ts), against the one done in SQL
      const js = codeAnswers(l.extracted, l.correct, l.question_id);
      const plain = (c: CodedAnswers) => ({ question_id: c.question_id, answers: c.answers, sizes: Array.from(c.sizes), rightVotes: Array.from(c.rightVotes), codes: Array.from(c.codes) });
      expect(plain(q)).toEqual(plain(js));
    }
    // question c's ungraded sample 3 is left out, as answersByQuestion leaves it out
    expect(got.coded[2]!.codes.length).toBe(19);
    // by hand, question a: sample i takes spellings[(7i + 97) % 8], 8 being null; samples 0-3 give k = 1, 0, 7, 6
    expect(got.coded[0]!.answers.slice(0, 2)).toEqual([" 5", "5"]);
    expect(Array.from(got.coded[0]!.codes).slice(0, 4)).toEqual([0, 1, -1, 2]);
    expect(got.coded[3]).toMatchObject({ answers: [], codes: new Int32Array(12).fill(-1) });
    // the same codes read on a side connection, all at once
    expect(got.beside).toEqual(got.coded);
  });
});

describe("a side query whose snapshot lost a file", () => {
  it("runs again on the main connection, over a fresh snapshot (a compaction deleted a segment meanwhile)", async () => {
    const run = join(tmp(), "run");
    const sample = (q: string, i: number, extracted: string): Sample => ({ model: "m", question_id: q, sample_index: i, text: "t", extracted, correct: extracted === "1" });
    const folder = join(storeDir(run), "samples", "m");
    const got = await withStore(run, { create: true }, async (store) => {
      await writeSamples(store, [sample("a", 0, "1"), sample("a", 1, "2")]);
      const first = readdirSync(folder).filter((f) => f.endsWith(".parquet"));
      await writeSamples(store, [sample("b", 0, "3"), sample("b", 1, "3")]);
      // the snapshot now names both segments; the first one goes, as a compaction's grace would end
      for (const f of first) rmSync(join(folder, f));
      return (await startAnswerCodes(store, "m")).done;
    });
    expect(got.map((q) => ({ question_id: q.question_id, answers: q.answers, codes: Array.from(q.codes) }))).toEqual([{ question_id: "b", answers: ["3"], codes: [0, 0] }]);
  });
});

describe("which snapshots need the repeated-key scan", () => {
  const file = (path: string, compacted = false, only: string[] | null = null): LiveFile => ({ path, name: path.split("/").pop()!, compacted, only, firstOrigin: path });
  it("is none for one plain file per model folder, and any two files of a folder or a compacted file", () => {
    expect(mayRepeatKeys([])).toBe(false);
    expect(mayRepeatKeys([file("/r/store/samples/a/1.parquet"), file("/r/store/samples/b/2.parquet")])).toBe(false);
    expect(mayRepeatKeys([file("/r/store/samples/a/1.parquet"), file("/r/store/samples/a/2.parquet")])).toBe(true);
    expect(mayRepeatKeys([file("/r/store/samples/a/1.compact.parquet", true)])).toBe(true);
    expect(mayRepeatKeys([file("/r/store/samples/a/1.compact.parquet", false, ["x"])])).toBe(true);
  });

  it("still finds a key two writers both wrote, each in its own segment", async () => {
    const dir = tmp();
    const one = join(dir, "one");
    const two = join(dir, "two");
    const write = (run: string, text: string, correct: boolean) =>
      withStore(run, { create: true }, async (store) => {
        await writeSamples(store, [{ model: "m", question_id: "q", sample_index: 0, text, correct }]);
        return store.droppedRows();
      });
    expect(await write(one, "first", true)).toEqual([]);
    await write(two, "second", false);
    // a writer that had not seen the first write: its segment lands in the same folder, later in name order
    const folder = (run: string) => join(storeDir(run), "samples", "m");
    const seg = readdirSync(folder(two)).find((f) => f.endsWith(".parquet"))!;
    cpSync(join(folder(two), seg), join(folder(one), `zzzz-${seg}`));
    const after = await withStore(one, {}, async (store) => ({ dropped: await store.droppedRows(), texts: await store.all<{ text: string }>("SELECT text FROM samples") }));
    expect(after).toEqual({ dropped: [{ model: "m", n: 1, differs: 1 }], texts: [{ text: "first" }] });
  });
});
