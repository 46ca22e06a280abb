/**
 * How long headless Chromium takes to open a report, against the number of questions (issue 15's report bar:
 * < 25 MB, < 5 s at 2 models x 7,500 questions). What the page carries grows with questions and models, not with
 * k: at k = 16 and ~2 KB responses the explorer already shows one excerpt per (model, question), as at k = 256, so
 * a run of 2 x 7,500 x 16 samples makes the same page as the full-scale run of bench/store-segments.ts in a
 * fraction of the time.
 *
 *   npx tsx bench/report-open.ts build --questions 7500 [--models 2] [--k 16] [--chars 2000] --run DIR
 *     writes the run and DIR/report.html with this checkout's code (the run is kept, for other checkouts)
 *   npx tsx bench/report-open.ts open A.html [B.html ...] [--rounds 3] [--question]
 *     opens each page in turn (alternating, round by round) and an empty page first in every round; prints
 *     seconds launch -> DOM dumped, the page's own performance marks (when it prints them: console lines
 *     "rlvd-timing ..."), and the load average; --question also opens each at its first question (#open=q0) and
 *     checks that question's samples are in the DOM
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs, promisify } from "node:util";
import { pathToFileURL } from "node:url";
import { writeReport } from "../src/report/report.js";
import { findChromium } from "../src/report/test-helpers/chromium.js";
import { withStore } from "../src/store/store.js";
import { writeSamples } from "../src/store/samples.js";
import { upsertQuestions } from "../src/store/questions.js";
import { seededRng } from "../src/metrics/rng.js";
import type { Sample } from "../src/core/types.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    questions: { type: "string", default: "7500" }, models: { type: "string", default: "2" }, k: { type: "string", default: "16" },
    chars: { type: "string", default: "2000" }, run: { type: "string" }, rounds: { type: "string", default: "3" }, question: { type: "boolean" },
  },
});

const WORDS = "the of and to in is that for it as with was on be by this answer let step check then value sum equals therefore since wait hmm actually".split(" ");

async function build(run: string): Promise<void> {
  const Q = Number(values.questions), K = Number(values.k), CHARS = Number(values.chars);
  const models = Array.from({ length: Number(values.models) }, (_, i) => (i === 0 ? "base" : `m${i}`));
  const rng = seededRng(7);
  const t0 = performance.now();
  await withStore(run, { create: true }, async (store) => {
    await upsertQuestions(store, Array.from({ length: Q }, (_, q) => ({ question: { id: `q${q}`, prompt: `Question ${q}: what is ${q} + ${q}?`, answer: String(q) }, line: null })));
    let batch: Sample[] = [];
    for (const model of models) {
      for (let q = 0; q < Q; q++) {
        const p = ((q * 2654435761) % 1000) / 1000;
        for (let i = 0; i < K; i++) {
          let text = `${model} ${q} ${i}: `;
          while (text.length < CHARS - 40) text += WORDS[Math.floor(rng() * WORDS.length)] + (rng() < 0.08 ? ".\n" : " ");
          const correct = rng() < p;
          text = `${text.slice(0, CHARS - 40)} So the answer is \\boxed{${correct ? q : "x"}}.`;
          batch.push({ model, question_id: `q${q}`, sample_index: i, text, extracted: correct ? String(q) : "x", correct, verify_status: "ok", n_tokens: text.length >> 2, finish_reason: "stop" });
          if (batch.length >= 16_384) { await writeSamples(store, batch); batch = []; }
        }
      }
    }
    if (batch.length) await writeSamples(store, batch);
  });
  const t1 = performance.now();
  const out = join(run, "report.html");
  await writeReport(run, { out });
  const t2 = performance.now();
  const side = sideBytes(out);
  console.log(`${models.length} models x ${Q} questions x ${K} samples of ~${CHARS} chars: written in ${((t1 - t0) / 1000).toFixed(1)} s; report ${((t2 - t1) / 1000).toFixed(1)} s, HTML ${(statSync(out).size / 1e6).toFixed(2)} MB${side ? `, side files ${(side / 1e6).toFixed(2)} MB` : ""}; load ${loadavg()[0]!.toFixed(2)}`);
}

/** Bytes of the explorer's side files beside a report (report.explorer/), 0 when it has none. */
function sideBytes(html: string): number {
  const dir = join(dirname(html), "report.explorer");
  try {
    return readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}

const exec = promisify(execFile);

async function open(binary: string, url: string): Promise<{ s: number; marks: string; dom: string }> {
  const profile = mkdtempSync(join(tmpdir(), "rlvd-bench-chromium-"));
  try {
    const t = performance.now();
    // the same flags as bench/store-segments.ts (the figure the bar is measured with)
    const { stdout, stderr } = await exec(binary, ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", `--user-data-dir=${profile}`, "--enable-logging=stderr", "--v=0", "--dump-dom", url], {
      timeout: 300_000, maxBuffer: 1 << 30,
    });
    const s = (performance.now() - t) / 1000;
    if (url.startsWith("file:") && !/id="explorer-count">\d+ of \d+ questions</.test(stdout)) throw new Error(`${url}: the explorer did not render`);
    const marks = [...stderr.matchAll(/rlvd-timing ([^"]*)"/g)].map((m) => m[1]).join(" ");
    return { s, marks, dom: stdout };
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

async function openAll(pages: string[]): Promise<void> {
  const binary = findChromium();
  if (!binary) throw new Error("no chromium on PATH (or $CHROMIUM)");
  for (let r = 0; r < Number(values.rounds); r++) {
    const blank = await open(binary, "about:blank");
    const row = [`round ${r + 1}: empty ${blank.s.toFixed(2)} s`];
    for (const p of pages) {
      const o = await open(binary, pathToFileURL(p).href);
      row.push(`${p} ${o.s.toFixed(2)} s${o.marks ? ` [${o.marks}]` : ""}`);
      if (values.question) {
        const q = await open(binary, `${pathToFileURL(p).href}#open=q0`);
        if (!/<summary>sample \d+ — /.test(q.dom)) throw new Error(`${p}#open=q0: the question's samples are not shown`);
        row.push(`#open=q0 ${q.s.toFixed(2)} s`);
      }
    }
    console.log(`${row.join(" | ")} | load ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  }
}

if (positionals[0] === "build") await build(values.run ?? mkdtempSync(join(tmpdir(), "rlvd-bench-report-")));
else if (positionals[0] === "open") await openAll(positionals.slice(1));
else {
  console.error("usage: report-open.ts build --questions N --run DIR | open A.html [B.html ...]");
  process.exit(2);
}
