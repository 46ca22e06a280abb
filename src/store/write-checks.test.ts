import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readJsonl } from "../core/jsonl.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { writeFileSync } from "node:fs";
import { importSamplesFile } from "./import-samples.js";
import { storageError } from "./segments.js";
import { withStore } from "./store.js";
import { writeSamples } from "./samples.js";

const tmp = useTmpDirs();

describe("every write checked, every input byte checked", () => {
  it("a full disk, a read-only filesystem and a missing permission are named with the path", () => {
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    expect(storageError("/r/store/tmp/x", enospc, "cannot write the segment").message).toBe("/r/store/tmp/x: cannot write the segment: the disk is full (ENOSPC)");
    // DuckDB reports its own write failures as text only
    expect(storageError("/r/s", new Error("IO Error: Could not write file \"/r/s\": No space left on device"), "w").message).toBe("/r/s: w: the disk is full (ENOSPC)");
    expect(storageError("/r", Object.assign(new Error("x"), { code: "EROFS" }), "w").message).toBe("/r: w: the filesystem is read-only (EROFS)");
  });

  it("a segment that cannot be written is an error naming the path; what was stored before stays complete", async () => {
    const dir = tmp();
    const run = join(dir, "run");
    const sample = (i: number) => ({ model: "m", question_id: "q", sample_index: i, text: `t${i}`, correct: true });
    await withStore(run, { create: true }, (s) => writeSamples(s, [sample(0), sample(1)]));
    // the store's tmp/ replaced by a file: every new segment fails to be created, as on a full or read-only disk
    const { rmSync } = await import("node:fs");
    await expect(withStore(run, { create: true }, async (s) => {
      rmSync(join(run, "store", "tmp"), { recursive: true, force: true });
      writeFileSync(join(run, "store", "tmp"), "not a folder");
      return writeSamples(s, [sample(2)]);
    })).rejects.toThrow(/store[/\\]tmp.*: cannot (write the segment|stage|create the (scratch folder|staging file))/);
    rmSync(join(run, "store", "tmp"), { force: true });
    expect(await withStore(run, {}, (s) => s.all("SELECT sample_index FROM samples ORDER BY 1"))).toEqual([{ sample_index: 0 }, { sample_index: 1 }]);
  });

  it("invalid UTF-8 in an input file is a file:line error, or U+FFFD with lossy", async () => {
    const dir = tmp();
    const file = join(dir, "bad.jsonl");
    const good = Buffer.from('{"model": "m", "question": "q", "sample_index": 0, "response": "é ok", "correct": true}\n');
    const bad = Buffer.concat([Buffer.from('{"model": "m", "question": "q", "sample_index": 1, "response": "x'), Buffer.from([0xc3, 0x28]), Buffer.from('", "correct": true}\n')]);
    writeFileSync(file, Buffer.concat([good, good, bad]));
    await expect(importSamplesFile(join(dir, "run"), file)).rejects.toThrow(/bad\.jsonl:3: invalid UTF-8/);
    const lines: unknown[] = [];
    for await (const l of readJsonl(file, { lossy: true })) lines.push(l.value);
    expect((lines[2] as { response: string }).response).toBe("x\uFFFD(");
    const r = await importSamplesFile(join(dir, "run2"), writeJsonl(dir, "ok.jsonl", [{ model: "m", question: "q", response: "\uFFFD is a real character", correct: true }]));
    expect(r.inserted).toBe(1);
  });

  it("finds the bad line when a chunk boundary falls inside a valid character before it", async () => {
    const dir = tmp();
    const file = join(dir, "big.jsonl");
    // lines of multibyte text past the 1 MB read size, then one bad byte
    const line = JSON.stringify({ model: "m", question: "q", response: "ü".repeat(1000) }) + "\n";
    const n = Math.ceil((1.5 * (1 << 20)) / Buffer.byteLength(line));
    writeFileSync(file, Buffer.concat([Buffer.from(line.repeat(n)), Buffer.from([0xff, 0x0a])]));
    let count = 0;
    await expect((async () => { for await (const _ of readJsonl(file)) count++; })()).rejects.toThrow(new RegExp(`big\\.jsonl:${n + 1}: invalid UTF-8`));
    expect(count).toBeGreaterThan(0);
  });
});
