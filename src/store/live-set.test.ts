import { describe, expect, it } from "vitest";
import { deletable, resolveLive, type FolderEntry } from "./live-set.js";

const plain = (name: string): FolderEntry => ({ name, compacted: false, origins: [name] });
const compacted = (name: string, origins: string[]): FolderEntry => ({ name, compacted: true, origins });
/** origin -> how many times a reader reads it */
function reads(entries: FolderEntry[]): Map<string, number> {
  const n = new Map<string, number>();
  for (const { entry, only } of resolveLive(entries)) for (const o of only ?? entry.origins) n.set(o, (n.get(o) ?? 0) + 1);
  return n;
}

describe("the live set of a folder", () => {
  it("reads a compacted file instead of the files it replaces, and two overlapping compactions without reading any origin twice", () => {
    expect(resolveLive([plain("a"), plain("b"), plain("x"), compacted("c1", ["a", "b"])]).map((l) => [l.entry.name, l.only])).toEqual([
      ["c1", null], ["x", null],
    ]);
    // two compactors that ran at once: c1 holds a, b; c2 holds b, x. c1 ranks first (same size, smaller name),
    // so c2 is read only for x
    expect(resolveLive([plain("a"), plain("b"), plain("x"), compacted("c1", ["a", "b"]), compacted("c2", ["b", "x"])]).map((l) => [l.entry.name, l.only])).toEqual([
      ["c1", null], ["c2", ["x"]],
    ]);
    // a bigger one wins outright
    expect(resolveLive([compacted("c1", ["a", "b"]), compacted("c9", ["a", "b", "x"]), plain("y")]).map((l) => [l.entry.name, l.only])).toEqual([
      ["c9", null], ["y", null],
    ]);
  });

  it("deletes only what a settled compaction that outranks it holds whole, so no two files are deleted each for the other", () => {
    const entries = [plain("a"), plain("b"), plain("x"), compacted("c1", ["a", "b"]), compacted("c2", ["a", "b"]), compacted("c3", ["b", "x"])];
    expect(deletable(entries, () => false)).toEqual([]);
    // c1 and c2 hold the same origins: the one with the larger name goes; c3 overlaps c1 only in part and stays
    expect(deletable(entries, () => true)).toEqual(["a", "b", "x", "c2"]);
    expect(deletable(entries, (n) => n === "c2")).toEqual(["a", "b"]);
  });

  /**
   * A simulation of many writers and compactors over one folder: plain files are published, compactions of
   * random live files (as a compactor listed them, possibly long ago) are published, deletions run at random
   * with the grace rule. A reader's listing is not atomic: it may miss files published or include files deleted
   * within the last `lag` ticks (lag < grace). Every listing must read every origin published before it began
   * exactly once.
   */
  it("never lets a reader miss or repeat an origin, over random histories of writers, overlapping compactors and deletions", () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const grace = 5;
    for (let history = 0; history < 100; history++) {
      type File = FolderEntry & { at: number; gone: number };
      const files: File[] = [];
      let plains = 0;
      let compactions = 0;
      const listings: Array<FolderEntry[]> = [];
      for (let t = 0; t < 60; t++) {
        const present = (at: number) => files.filter((f) => f.at <= at && f.gone > at);
        const r = rand();
        if (r < 0.4) files.push({ ...plain(`p${String(plains++).padStart(3, "0")}`), at: t, gone: Infinity });
        else if (r < 0.7) {
          // a compactor that listed the folder `age` ticks ago merges some of what it saw live then
          const age = Math.floor(rand() * 3);
          const live = resolveLive(present(t - age));
          const group = live.filter(() => rand() < 0.6);
          if (group.length >= 2) {
            // its inputs may have been deleted since it listed them: then its copy fails and it writes nothing
            if (group.every(({ entry }) => (entry as File).gone > t)) {
              const origins = [...new Set(group.flatMap(({ entry, only }) => only ?? entry.origins))].sort();
              files.push({ ...compacted(`c${String(compactions++).padStart(3, "0")}`, origins), at: t, gone: Infinity });
            }
          }
        } else {
          const now = present(t);
          for (const name of deletable(now, (n) => now.find((f) => f.name === n)!.at <= t - grace)) files.find((f) => f.name === name && f.gone > t)!.gone = t;
        }
        // a reader listing that started `lag` ticks ago and ends now
        const lag = Math.floor(rand() * 3);
        const seen = files.filter((f) => (f.at <= t - lag && f.gone > t) || ((f.at > t - lag || f.gone <= t) && f.at <= t && f.gone > t - lag && rand() < 0.5));
        const expected = files.filter((f) => !f.compacted && f.at <= t - lag).map((f) => f.name).sort();
        const got = reads(seen);
        expect([...got.keys()].filter((o) => expected.includes(o)).sort()).toEqual(expected);
        expect([...got.values()].every((n) => n === 1)).toBe(true);
        listings.push(seen);
      }
      expect(listings.length).toBe(60);
    }
  });
});
