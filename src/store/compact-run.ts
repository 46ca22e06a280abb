import { compactStore, type CompactOptions, type CompactResult } from "./compact.js";
import { withStore } from "./store.js";

/** `rlvd compact RUN`: compacts the run folder's store (compact.ts) while its writers and readers go on. */
export async function compactRun(runDir: string, options: CompactOptions = {}): Promise<CompactResult> {
  return withStore(runDir, { write: true, autoCompact: false }, (store) => compactStore(store, options));
}
