import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { ensureRunFolder, readManifest, recordInManifest } from "./run-folder.js";

const tmp = useTmpDirs();

describe("run.json history", () => {
  it("loses no entry when many writers record at once", async () => {
    const run = join(tmp(), "run");
    await ensureRunFolder(run);
    // 4 writers x 10 entries, interleaved: a read-modify-write of one file loses most of these
    await Promise.all(Array.from({ length: 4 }, (_, w) => (async () => {
      for (let i = 0; i < 10; i++) await recordInManifest(run, { command: "sample", writer: w, i });
    })()));
    const history = (await readManifest(run)).history;
    expect(history.length).toBe(40);
    expect(new Set(history.map((h) => `${h.writer}/${h.i}`)).size).toBe(40);
    // each writer's entries in the order it wrote them
    for (let w = 0; w < 4; w++) expect(history.filter((h) => h.writer === w).map((h) => h.i)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it("keeps the entries an older run.json holds, before the new ones, and writes the merged history into run.json", async () => {
    const run = join(tmp(), "run");
    await ensureRunFolder(run);
    const file = join(run, "run.json");
    const old = JSON.parse(readFileSync(file, "utf8"));
    writeFileSync(file, JSON.stringify({ ...old, history: [{ at: "2025-01-01T00:00:00.000Z", command: "import samples" }] }));
    await recordInManifest(run, { command: "grade" });
    expect((await readManifest(run)).history.map((h) => h.command)).toEqual(["import samples", "grade"]);
    expect(JSON.parse(readFileSync(file, "utf8")).history.map((h: { command: string }) => h.command)).toEqual(["import samples", "grade"]);
  }, 60_000);
});
