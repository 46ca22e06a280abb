import { describe, expect, it } from "vitest";
import type { ExplorerData, ExplorerQuestion } from "./explorer.js";
import { explorerPage, joinExplorerPage, type ExplorerDetail } from "./explorer-page.js";
import { PART_CALLBACK } from "./explorer-script.js";

function data(n: number, withDetail: (i: number) => boolean): ExplorerData {
  const questions: ExplorerQuestion[] = Array.from({ length: n }, (_, i) => ({
    id: `q${i}`, prompt: `p${i} <b>`, answer: String(i), subject: null, level: null, r: [[4, i % 5, 1], null],
    ...(withDetail(i) ? { a: [[[String(i), 3, 3]], []], s: [[[0, 1, String(i), `${"x".repeat(100 + i)}</script>`, 500]], []] } : {}),
  }));
  return { models: ["a", "b"], base: "a", bins: ["0", "1-4"], cap: 1, max_chars: 3000, questions };
}

/** Runs each side file as the page does (a call of the part callback) and collects the rows in order. */
function readParts(files: Array<{ name: string; text: string }>, token: string): ExplorerDetail[] {
  const rows: ExplorerDetail[] = [];
  files.forEach((f, k) => {
    expect(f.name).toBe(`part-${k}.js`);
    new Function(PART_CALLBACK, f.text)((t: string, at: number, part: ExplorerDetail[]) => {
      expect([t, at]).toEqual([token, k]);
      rows.push(...part);
    });
  });
  return rows;
}

describe("explorerPage", () => {
  it("keeps no detail field when no question has answers or samples", () => {
    const d = data(5, () => false);
    const p = explorerPage(d, { dir: "r.explorer" });
    expect(p.index.detail).toEqual({ kind: "none" });
    expect([p.inlineDetail, p.files]).toEqual([null, []]);
    expect(p.index.has_samples).toBe(false);
    expect(joinExplorerPage(p.index, [])).toEqual(d);
  });

  it("inlines details up to the byte limit, one entry per question (0 without detail)", () => {
    const d = data(6, (i) => i % 2 === 0);
    const p = explorerPage(d, { dir: "r.explorer", inlineBytes: 1e6 });
    expect(p.index.detail).toEqual({ kind: "inline" });
    const rows = JSON.parse(p.inlineDetail!) as ExplorerDetail[];
    expect(rows).toHaveLength(6);
    expect(rows[1]).toBe(0);
    expect(p.index.questions[0]).toEqual(["q0", "p0 <b>", "0", null, null, [[4, 0, 1], null]]);
    expect(joinExplorerPage(p.index, rows)).toEqual(d);
    // exactly at the limit still inline, one byte less goes to files
    const bytes = Buffer.byteLength(p.inlineDetail!) - 1; // the entries and their separators, without the brackets' one extra
    expect(explorerPage(d, { dir: "r.explorer", inlineBytes: bytes }).index.detail.kind).toBe("inline");
    expect(explorerPage(d, { dir: "r.explorer", inlineBytes: bytes - 1 }).index.detail.kind).toBe("files");
  });

  it("splits larger details into parts of consecutive questions of about partBytes", () => {
    const d = data(100, (i) => i % 3 !== 1);
    const p = explorerPage(d, { dir: "r.explorer", inlineBytes: 0, partBytes: 2000 });
    if (p.index.detail.kind !== "files") throw new Error(p.index.detail.kind);
    const { per, parts, token, dir } = p.index.detail;
    expect(dir).toBe("r.explorer");
    expect(parts).toBe(Math.ceil(100 / per));
    expect(p.files).toHaveLength(parts);
    for (const f of p.files.slice(0, -1)) {
      expect(f.text.length).toBeGreaterThan(1000);
      expect(f.text.length).toBeLessThan(4000);
    }
    expect(p.inlineDetail).toBeNull();
    expect(joinExplorerPage(p.index, readParts(p.files, token))).toEqual(d);
    // `<` stays escaped inside the parts, as in the page (the texts end in "</script>")
    expect(p.files.some((f) => f.text.includes("<"))).toBe(false);
    expect(p.files[0]!.text).toContain("\\u003c/script>");
    // another report's details: another token
    const other = explorerPage(data(100, (i) => i % 3 === 1), { dir: "r.explorer", inlineBytes: 0, partBytes: 2000 });
    expect(other.index.detail.kind === "files" && other.index.detail.token).not.toBe(token);
  });
});
