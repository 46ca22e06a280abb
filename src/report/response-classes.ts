import type { SampleStore } from "../store/store.js";
import { textTallies } from "../store/queries.js";
import { fmt } from "./text-table.js";
import type { ReportTable } from "./tables.js";

/**
 * A way to sort responses into named classes (e.g. the solution formats of the embedded world), so the report
 * can show which kinds of answer each model writes and how often each kind is right: how a model's accuracy moved
 * as well as how much.
 */
export type ResponseClassifier = {
  title: string;
  /** the classes in column order; a response the classifier puts elsewhere counts under its own name at the end */
  classes: string[];
  classify: (text: string) => string;
  note?: string;
};

export type ClassTally = { model: string; cls: string; n: number; correct: number };

/** Per model and class: responses and correct ones (identical texts are grouped in SQL and classified once). */
export async function tallyClasses(store: SampleStore, classifier: ResponseClassifier): Promise<ClassTally[]> {
  const rows = await textTallies(store);
  const tallies = new Map<string, ClassTally>();
  for (const r of rows) {
    const cls = classifier.classify(r.text);
    const key = `${r.model}\u0000${cls}`;
    const t = tallies.get(key) ?? { model: r.model, cls, n: 0, correct: 0 };
    t.n += r.n;
    t.correct += r.correct;
    tallies.set(key, t);
  }
  return [...tallies.values()];
}

/** One row per model: each class's share of its responses and the share of those that are right. */
export function classTable(tallies: readonly ClassTally[], models: readonly string[], classifier: ResponseClassifier): ReportTable | null {
  // nothing the classifier recognises (e.g. a world's formats on imported math responses): no table
  if (!tallies.some((t) => classifier.classes.includes(t.cls))) return null;
  const extra = [...new Set(tallies.map((t) => t.cls))].filter((c) => !classifier.classes.includes(c)).sort();
  const classes = [...classifier.classes, ...extra];
  const rows = models.filter((m) => tallies.some((t) => t.model === m)).map((model) => {
    const mine = tallies.filter((t) => t.model === model);
    const total = mine.reduce((s, t) => s + t.n, 0);
    return [model, ...classes.map((c) => {
      const t = mine.find((x) => x.cls === c);
      return t ? `${fmt((100 * t.n) / total, 1)}% (${fmt((100 * t.correct) / t.n, 0)}% right)` : "-";
    })];
  });
  return {
    id: "response-classes",
    title: classifier.title,
    header: ["model", ...classes],
    rows,
    note: classifier.note ?? "share of each model's responses in each class, and how many of those are right",
  };
}
