/**
 * How the question explorer's data reach the page. The table's own columns (id, prompt, gold answer, subject,
 * level, each model's result) are inline: the table, its filters and its count need them at once. Each
 * question's detail (most frequent answers, samples) is needed only when the question is opened, and at the
 * study's scale it is most of the page (2 models x 7,500 questions of ~760-character excerpts: 12 of 13.5 MB),
 * and a page that carries it inline takes seconds more to open, growing with the question count (docs/report.md,
 * "Opening large reports"). So it is kept out of the page's parse:
 * - up to `inlineBytes` of it: inline, as JSON text in its own <script type="application/json">, parsed on the
 *   first question opened (the page stays one self-contained file);
 * - more: in parts of about `partBytes` in a folder beside the page (`report.explorer/part-K.js`), each a
 *   classic script the page adds when a question of that part is opened. A classic script is what Chromium
 *   and Firefox load from a file:// page (fetch and XHR of file:// are refused there), so the page still opens
 *   from disk; each part names the report it belongs to, so a stale folder is reported, not shown.
 */
import { createHash } from "node:crypto";
import type { ExplorerAnswer, ExplorerData, ExplorerQuestion, ExplorerSample } from "./explorer.js";
import { PART_CALLBACK } from "./explorer-script.js";
import { scriptJson } from "./html.js";

/** One question's detail: [most frequent answers per model, shown samples per model] (either null when none), or 0 when it has neither. */
export type ExplorerDetail = [ExplorerAnswer[][] | null, ExplorerSample[][] | null] | 0;

/** Where the details are: none at all, inline, or in `parts` files of `per` questions each under `dir` (relative to the page). */
export type DetailPlacement =
  | { kind: "none" }
  | { kind: "inline" }
  | { kind: "files"; dir: string; per: number; parts: number; token: string };

/**
 * One question in the page's index, as an array (keys would be a third of the index at 7,500 questions):
 * [id, prompt, gold answer, subject, level, results per model].
 */
export type IndexRow = [string, string, string, string | null, string | null, ExplorerQuestion["r"]];

/** What the page's <script id="explorer-data"> holds: the questions without their detail, and where the detail is. */
export type ExplorerIndex = Omit<ExplorerData, "questions"> & {
  questions: IndexRow[];
  /** any question has samples (the page then notes the cap and links every sample) */
  has_samples: boolean;
  detail: DetailPlacement;
};

export type ExplorerPage = {
  index: ExplorerIndex;
  /** the details as JSON text for <script id="explorer-detail"> (one entry per question, in order), or null */
  inlineDetail: string | null;
  /** side files to write under `detail.dir` (empty unless the placement is "files") */
  files: Array<{ name: string; text: string }>;
};

export type ExplorerPageOptions = {
  /** folder for side files, relative to the page (e.g. "report.explorer") */
  dir: string;
  /** details up to this many bytes of JSON stay inline (default 2 MB: MATH-500 x 6 models x 4 short samples fits) */
  inlineBytes?: number;
  /** aimed-at size of one side file (default 256 kB: one opened question reads that much) */
  partBytes?: number;
};

/** The name of side file `k`, as the page's script builds it too. */
export const partName = (k: number): string => `part-${k}.js`;


export function explorerPage(data: ExplorerData, options: ExplorerPageOptions): ExplorerPage {
  const { inlineBytes = 2_000_000, partBytes = 256_000 } = options;
  const questions = data.questions.map((q): IndexRow => [q.id, q.prompt, q.answer, q.subject, q.level, q.r]);
  const details = data.questions.map((q): string => scriptJson(q.a || q.s ? [q.a ?? null, q.s ?? null] : 0));
  const hasDetail = data.questions.some((q) => q.a || q.s);
  const bytes = details.reduce((n, d) => n + Buffer.byteLength(d) + 1, 0);
  const base = { ...withoutQuestions(data), questions, has_samples: data.questions.some((q) => q.s) };
  if (!hasDetail) return { index: { ...base, detail: { kind: "none" } }, inlineDetail: null, files: [] };
  if (bytes <= inlineBytes) return { index: { ...base, detail: { kind: "inline" } }, inlineDetail: `[${details.join(",")}]`, files: [] };

  const per = Math.max(1, Math.floor((partBytes * details.length) / bytes));
  const parts = Math.ceil(details.length / per);
  const token = createHash("sha256").update(details.join("\n")).digest("hex").slice(0, 16);
  const files = Array.from({ length: parts }, (_, k) => ({
    name: partName(k),
    text: `${PART_CALLBACK}(${JSON.stringify(token)},${k},[${details.slice(k * per, (k + 1) * per).join(",")}]);\n`,
  }));
  return { index: { ...base, detail: { kind: "files", dir: options.dir, per, parts, token } }, inlineDetail: null, files };
}

function withoutQuestions(data: ExplorerData): Omit<ExplorerData, "questions"> {
  const { questions: _q, ...rest } = data;
  return rest;
}

/** The explorer's data back from a page and its inline detail or side files (tests; the inverse of explorerPage). */
export function joinExplorerPage(index: ExplorerIndex, detail: ExplorerDetail[]): ExplorerData {
  const { detail: _d, has_samples: _h, questions, ...rest } = index;
  return {
    ...rest,
    questions: questions.map(([id, prompt, answer, subject, level, r], i) => {
      const q: ExplorerQuestion = { id, prompt, answer, subject, level, r };
      const d = detail[i];
      if (!d) return q;
      return { ...q, ...(d[0] ? { a: d[0] } : {}), ...(d[1] ? { s: d[1] } : {}) };
    }),
  };
}
