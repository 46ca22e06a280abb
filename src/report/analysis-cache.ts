import { resolve } from "node:path";
import type { SampleStore } from "../store/store.js";
import type { Analysis, AnalyzeOptions } from "./analyze-run.js";

/**
 * The analyses this process has computed, keyed by the store snapshot they read and the options that shape
 * them, so a report made right after an analysis of the same run (the experiment's `analyze` then `report`
 * stages, in one process) reuses it instead of computing it again. Nothing is written to disk: a read-only
 * command needs no write access, and a stale file could outlive the code that wrote it.
 *
 * Never stale: the key holds every file the snapshot reads with its size and modification time
 * (SampleStore.snapshotId; segments are immutable and uniquely named), so any write, compaction or removal
 * since makes a new key; an analysis whose store refreshed while it ran (a retry after a vanished file) is not
 * kept; a legacy single-file store, or options with a function of one's own (`equivalent`), are never cached.
 */
const MAX_ENTRIES = 4;
const entries = new Map<string, Analysis>();

/**
 * Each analysis option's default as the key spells it, or false for an option that does not change the
 * content. Every key of AnalyzeOptions must be listed (the type checker refuses a new option until it is), so
 * no option can change the analysis without changing the key.
 */
const IN_KEY: Record<keyof AnalyzeOptions, { default: unknown } | false> = {
  base: { default: null }, ks: { default: null }, binEdges: { default: null }, keywords: { default: null }, grouping: { default: null },
  equivalent: { default: null }, seed: { default: 0 }, confidence: { default: 0.95 }, study: { default: {} }, findings: { default: {} },
  fitKs: { default: null }, fit: { default: true }, fitVariant: { default: null }, fitBins: { default: false }, mixedGrading: { default: "warn" },
  onProgress: false, // what is said while computing, not what is computed
};

/** The options that decide an analysis' content, defaults filled in, as one string (null: not cacheable). */
export function optionsKey(options: AnalyzeOptions): string | null {
  // a function of one's own (an equivalence) cannot be compared
  if (options.equivalent !== undefined) return null;
  const key: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(IN_KEY)) {
    if (spec === false) continue;
    key[name] = (options as Record<string, unknown>)[name] ?? spec.default;
  }
  return stableJson(key);
}

/** `compute(store)`'s analysis, or a copy of the one computed before for the same snapshot and options. */
export async function cachedAnalysis(
  store: SampleStore,
  options: AnalyzeOptions,
  compute: () => Promise<Analysis>,
): Promise<Analysis> {
  const opts = optionsKey(options);
  const snapshot = store.snapshotId();
  if (opts === null || snapshot === null) return compute();
  const key = `${resolve(store.dir)}\n${opts}\n${snapshot}`;
  const hit = entries.get(key);
  if (hit) {
    options.onProgress?.("reusing the analysis of this snapshot");
    entries.delete(key);
    entries.set(key, hit); // most recently used last
    return structuredClone(hit);
  }
  const analysis = await compute();
  // the store took a new snapshot while the analysis ran (a retried query): its rows may come from either
  if (store.snapshotId() !== snapshot) return analysis;
  entries.set(key, structuredClone(analysis));
  while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
  return analysis;
}

/** Forgets every cached analysis (tests). */
export function clearAnalysisCache(): void {
  entries.clear();
}

/** JSON with object keys sorted; a key set to undefined stays (a spread of it overrides a default, unlike a missing key). */
function stableJson(x: unknown): string {
  return JSON.stringify(x, (_k, v: unknown) => {
    if (v === undefined) return "\u0000undefined";
    return v !== null && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v;
  });
}
