/**
 * `rlvd report`: analyses a run folder and writes one self-contained HTML page (charts rendered to inline SVG
 * from Vega-Lite specs, findings, tables, question explorer) and summary.md beside it; optionally every chart's
 * spec and data for restyling.
 */
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve } from "node:path";
import { VERSION } from "../core/version.js";
import { runPath } from "../core/run-folder.js";
import { withStore } from "../store/store.js";
import { analyzeStoreCached, type Analysis, type AnalyzeOptions } from "./analyze-run.js";
import { buildCharts, orderModels, type ReportChart } from "./charts.js";
import { dynamicsCharts } from "./charts-dynamics.js";
import { explorerData, type ExplorerData, type ExplorerOptions } from "./explorer.js";
import { explorerPage, type ExplorerPageOptions } from "./explorer-page.js";
import { findingRecords, judgeFindings, type Finding } from "./findings.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";
import { renderSvg } from "./render-svg.js";
import { reportTables, type ReportTable, type ReportTables } from "./tables.js";
import { classTable, tallyClasses, type ResponseClassifier } from "./response-classes.js";
import { readTrainLogs, type TrainLog } from "./train-log.js";
import { STUDY_MODELS } from "./study-models.js";

export type ReportOptions = AnalyzeOptions & {
  /** the HTML file (default: DIR/report.html); summary.md goes beside it */
  out?: string;
  /** also write each chart's Vega-Lite spec and data to this folder */
  specsDir?: string;
  /** page title (default: "rlvd report: <folder name>") */
  title?: string;
  explorer?: ExplorerOptions;
  /** where the explorer's details go: inline up to a size, else side files (explorer-page.ts; tests lower the sizes) */
  explorerPage?: Omit<ExplorerPageOptions, "dir">;
  /** sort responses into classes (e.g. solution formats) and add a table of each model's classes */
  classify?: ResponseClassifier;
  /** further tables made from the analysis, each its own section (e.g. report/published.ts) */
  extraTables?: (analysis: Analysis) => ReportTable[];
  /** fixed timestamp for reproducible output (tests) */
  generatedAt?: string;
};

export type ReportContent = {
  analysis: Analysis;
  models: string[];
  findings: Finding[];
  tables: ReportTables;
  charts: ReportChart[];
  trainLogs: TrainLog[];
  explorer: ExplorerData;
};

export type ReportResult = {
  html: string;
  markdown: string;
  /** paths written */
  /** `explorer`: the folder of the explorer's side files beside the HTML, or null when the details are inline */
  files: { html: string; markdown: string; findings: string; specs: string[]; explorer: string | null };
  content: ReportContent;
};

/** Everything the report shows, computed from a run folder (no rendering). */
export async function reportContent(runDir: string, options: ReportOptions = {}): Promise<ReportContent> {
  return withStore(runDir, {}, async (store) => {
    const analysis = await analyzeStoreCached(store, options);
    const study = { ...STUDY_MODELS, ...options.study };
    const models = orderModels(analysis, study);
    analysis.comparisons.sort((a, b) => models.indexOf(a.other) - models.indexOf(b.other));
    const trainLogs = await readTrainLogs(runDir);
    options.onProgress?.("building the question explorer");
    const explorer = await explorerData(store, analysis, models, options.explorer);
    const classes = options.classify ? classTable(await tallyClasses(store, options.classify), models, options.classify) : null;
    return {
      analysis,
      models,
      findings: judgeFindings(analysis, study),
      tables: { ...reportTables(analysis, models, trainLogs, classes), extra: options.extraTables?.(analysis) ?? [] },
      charts: [...buildCharts(analysis, trainLogs, study), ...dynamicsCharts(analysis, trainLogs)],
      trainLogs,
      explorer,
    };
  });
}

/** Writes DIR/report.html (or `out`), summary.md and findings.json beside it and, with `specsDir`, the chart specs. */
export async function writeReport(runDir: string, options: ReportOptions = {}): Promise<ReportResult> {
  const content = await reportContent(runDir, options);
  const htmlFile = resolve(options.out ?? runPath(runDir, "report"));
  const outDir = dirname(htmlFile);
  const markdownFile = join(outDir, "summary.md");
  const findingsFile = join(outDir, "findings.json");
  const title = options.title ?? `rlvd report: ${basename(resolve(runDir))}`;
  const rel = (p: string) => {
    const r = relative(outDir, resolve(p)).split("\\").join("/");
    return r === "" ? "." : r;
  };

  options.onProgress?.("rendering charts");
  const rendered: Array<{ chart: ReportChart; svg: string }> = [];
  for (const chart of content.charts) rendered.push({ chart, svg: await renderSvg(chart.spec, chart.id) });

  const samplesFile = join(runDir, "samples.jsonl");
  const hasSamples = content.explorer.questions.some((q) => q.s);
  const samplesLink = !hasSamples ? null : existsSync(samplesFile) ? { href: rel(samplesFile) } : { command: `rlvd export jsonl --run ${runDir} --out ${samplesFile}` };
  const sideDir = `${basename(htmlFile).replace(/\.html?$/i, "")}.explorer`;
  const page = explorerPage(content.explorer, { ...options.explorerPage, dir: sideDir });
  const common = { title, runDir, analysis: content.analysis, models: content.models, findings: content.findings, tables: content.tables };
  const html = renderHtml({
    ...common,
    generatedAt: options.generatedAt ?? new Date().toISOString(),
    version: VERSION,
    charts: rendered,
    explorer: page,
    samplesLink,
    specsHref: options.specsDir ? rel(options.specsDir) : null,
  });
  const markdown = renderMarkdown(common);

  await mkdir(outDir, { recursive: true });
  // the side files first, so the page never points at parts it does not yet have
  const explorerDir = await writeSideFiles(join(outDir, sideDir), page.files);
  await writeAtomic(htmlFile, html);
  await writeAtomic(markdownFile, markdown);
  await writeAtomic(findingsFile, JSON.stringify(findingRecords(content.findings), null, 2) + "\n");
  const specs = options.specsDir ? await writeSpecs(options.specsDir, content.charts) : [];
  return { html, markdown, files: { html: htmlFile, markdown: markdownFile, findings: findingsFile, specs, explorer: explorerDir }, content };
}

/**
 * Writes the explorer's side files into `dir` as a whole: into a fresh folder, then renamed over the old one,
 * so the folder holds one report's parts, never a mix. With no files, a folder an earlier report left there is
 * removed (this report's page does not read it). Returns the folder, or null.
 */
async function writeSideFiles(dir: string, files: ReadonlyArray<{ name: string; text: string }>): Promise<string | null> {
  if (files.length === 0) {
    await rm(dir, { recursive: true, force: true });
    return null;
  }
  const tmp = `${dir}.${process.pid}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp);
  for (const f of files) await writeFile(join(tmp, f.name), f.text);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return dir;
}

/**
 * Writes `<id>.vl.json` (the spec, data inline: opens as-is in the Vega editor or `vl2svg`), `<id>.data.json`
 * (the rows alone) and `index.json` (id, title, caption, files) for every chart.
 */
export async function writeSpecs(dir: string, charts: readonly ReportChart[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  const index = [];
  for (const c of charts) {
    const spec = join(dir, `${c.id}.vl.json`);
    const data = join(dir, `${c.id}.data.json`);
    await writeFile(spec, JSON.stringify(c.spec, null, 2) + "\n");
    await writeFile(data, JSON.stringify(c.data, null, 1) + "\n");
    files.push(spec, data);
    index.push({ id: c.id, title: c.title, caption: c.caption, spec: `${c.id}.vl.json`, data: `${c.id}.data.json` });
  }
  const indexFile = join(dir, "index.json");
  await writeFile(indexFile, JSON.stringify(index, null, 2) + "\n");
  files.push(indexFile);
  return files;
}

async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, text);
  await rename(tmp, file);
}
