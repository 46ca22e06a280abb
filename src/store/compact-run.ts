import { compactStore, type CompactOptions, type CompactResult } from "./compact.js";
import { withStore } from "./store.js";

/**
 * DuckDB's memory limit while `rlvd compact` runs (the store is open for the compaction alone). Without it DuckDB
 * may hold up to 80% of the machine's memory while it copies: rewriting one 1.58 GB uncompressed segment peaked at
 * 1.05 GB of RSS by default against 0.49 GB at 400 MB, with the same time (docs/store.md, "Compaction"); what does
 * not fit spills to the run's tmp/ folder.
 */
export const COMPACT_MEMORY_LIMIT = "512MB";

/** `rlvd compact RUN`: compacts the run folder's store (compact.ts) while its writers and readers go on. */
export async function compactRun(runDir: string, options: CompactOptions = {}): Promise<CompactResult> {
  return withStore(runDir, { write: true, autoCompact: false }, async (store) => {
    await store.run(`SET memory_limit = '${COMPACT_MEMORY_LIMIT}'`);
    return compactStore(store, options);
  });
}
