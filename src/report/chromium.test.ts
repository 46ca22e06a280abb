/**
 * The report as a browser shows it: headless Chromium loads the HTML from disk, runs the explorer script, and
 * the test counts rendered charts, marks and explorer rows in the DOM, then checks a screenshot's pixels.
 * Set RLVD_SCREENSHOTS=DIR to keep the screenshots for a look.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeReport, type ReportResult } from "./report.js";
import { dumpDom, fileUrl, findChromium, screenshot } from "./test-helpers/chromium.js";
import { countPixels, readPng } from "./test-helpers/png.js";
import { studyFixture } from "./test-helpers/study-fixture.js";

const chromium = findChromium();
if (!chromium) {
  console.warn("chromium not found on PATH (Debian: apt-get install -y chromium; or set CHROMIUM=/path): the browser rendering tests are skipped");
}

describe.skipIf(!chromium)("the report in headless Chromium", () => {
  let dir: string;
  let result: ReportResult;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rlvd-chromium-report-"));
    result = await writeReport(await studyFixture(dir), { generatedAt: "2025-01-01T00:00:00Z" });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("renders every chart, the explorer filtered by the URL hash, and an opened question", async () => {
    const { dom, consoleErrors } = await dumpDom(chromium!, fileUrl(result.files.html, "bin=1&open=test/geometry/6.json"));
    expect(consoleErrors).toEqual([]);
    const figures = [...dom.matchAll(/<figure class="chart" id="([^"]+)"[^>]*>([\s\S]*?)<\/figure>/g)];
    expect(figures.map((f) => f[1]).sort()).toEqual(result.content.charts.map((c) => c.id).sort());
    expect(figures).toHaveLength(12);
    for (const [, id, body] of figures) {
      expect(body!.match(/<svg /g), id).toHaveLength(1);
      expect((body!.match(/<path |<text /g) ?? []).length, id).toBeGreaterThan(20);
    }
    expect(dom).toContain('id="explorer-count">3 of 40 questions<');
    expect(dom.match(/<tr class="q-row"/g)).toHaveLength(3);
    expect(dom).toContain("base: 1 of 32 correct (bin 1)");
    expect(dom).toMatch(/<summary>sample 0 — ✓ correct — answer: <code>12<\/code><\/summary>/);
    expect(dom).toContain("Question 6: what is 5 + 7? &lt;b&gt;not html&lt;/b&gt;");
  });

  it("filters by a change between two models", async () => {
    const { dom } = await dumpDom(chromium!, fileUrl(result.files.html, "change=lost&a=base&b=rlvr"));
    expect(dom).toContain('id="explorer-count">5 of 40 questions<'); // the five rarely-solved questions rlvr gave up
  });

  it("reads an opened question's samples from the side files (a page named with a #), and says so when they are missing or stale", { timeout: 180_000 }, async () => {
    const run = join(dir, "run");
    const side = await writeReport(run, { out: join(dir, "side", "r #1.html"), explorerPage: { inlineBytes: 0, partBytes: 4000 }, generatedAt: "2025-01-01T00:00:00Z" });
    expect(side.files.explorer).not.toBeNull();
    const url = fileUrl(side.files.html, "bin=1&open=test/geometry/6.json");
    const { dom, consoleErrors } = await dumpDom(chromium!, url);
    expect(consoleErrors).toEqual([]);
    expect(dom).toContain('id="explorer-count">3 of 40 questions<');
    expect(dom).toContain("base: 1 of 32 correct (bin 1)");
    expect(dom).toMatch(/<summary>sample 0 — ✓ correct — answer: <code>12<\/code><\/summary>/);
    expect(dom).toContain("Question 6: what is 5 + 7? &lt;b&gt;not html&lt;/b&gt;");
    expect(dom).not.toContain(`<p class="muted">loading…</p>`);

    // the folder taken away: the question still opens (prompt, counts) with a line naming the folder
    renameSync(side.files.explorer!, `${side.files.explorer!}-moved`);
    const missing = await dumpDom(chromium!, url);
    expect(missing.dom).toContain("could not read r #1.explorer/part-");
    expect(missing.dom).toContain("base: 1 of 32 correct (bin 1)");
    expect(missing.dom).not.toContain("<summary>sample 0");

    // parts of another report (its texts cut shorter) under the page's folder name: refused, not shown
    renameSync(`${side.files.explorer!}-moved`, side.files.explorer!);
    const page = readFileSync(side.files.html, "utf8");
    await writeReport(run, { out: join(dir, "side", "r #1.html"), explorerPage: { inlineBytes: 0, partBytes: 4000 }, explorer: { maxChars: 10 } });
    writeFileSync(side.files.html, page);
    const stale = await dumpDom(chromium!, url);
    expect(stale.dom).toMatch(/r #1\.explorer\/part-\d+\.js belongs to another report/);
    expect(stale.dom).not.toContain("<summary>sample 0");
  });

  it("paints the charts (screenshot pixels)", async () => {
    const png = join(dir, "report.png");
    await screenshot(chromium!, fileUrl(result.files.html), png, 1280, 8000);
    if (process.env.RLVD_SCREENSHOTS) {
      mkdirSync(process.env.RLVD_SCREENSHOTS, { recursive: true });
      copyFileSync(png, join(process.env.RLVD_SCREENSHOTS, "study-fixture.png"));
    }
    const img = readPng(readFileSync(png));
    expect([img.width, img.height]).toEqual([1280, 8000]);
    const inked = countPixels(img, (r, g, b) => r + g + b < 600);
    expect(inked / (img.width * img.height)).toBeGreaterThan(0.02);
    // rlvr's colour (#E69F00) in lines and bars; the transition heatmap's dark blue (#08519c end of the scale)
    const near = (c: [number, number, number]) => (r: number, g: number, b: number) => Math.abs(r - c[0]) + Math.abs(g - c[1]) + Math.abs(b - c[2]) < 30;
    expect(countPixels(img, near([230, 159, 0]))).toBeGreaterThan(5000);
    expect(countPixels(img, near([8, 81, 156]))).toBeGreaterThan(500);
  });
});
