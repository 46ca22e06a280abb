import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { modelFolder, publishFile, SEGMENT_FORMAT, storageError, storeDir, tmpSegmentPath, type SegmentTable } from "./segments.js";
import { SEGMENT_COLUMNS, sqlString } from "./views.js";

/**
 * Moves a run folder of an older rlvd (every table in one `rlvd.duckdb` file, schema.ts) to segments: each
 * table, and each model's samples, becomes one segment with a fixed name that sorts before any later write.
 * Fixed names make the migration idempotent: two writers migrating at once, or a rerun after a kill, write the
 * same files over each other. Only when all are in place is `rlvd.duckdb` renamed to `rlvd.duckdb.migrated`
 * (kept: an older rlvd can still read it), and until then readers read the old file in place.
 */
export const LEGACY_SEGMENT = "000000000-legacy.parquet";

export async function migrateLegacy(db: DuckDBConnection, runDir: string, file: string): Promise<void> {
  await db.run(`ATTACH ${sqlString(file)} AS legacy_src (READ_ONLY)`);
  try {
    const cols = (await db.runAndReadAll("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'legacy_src'")).getRowObjectsJS();
    const have = new Set(cols.map((r) => `${String(r.table_name)}.${String(r.column_name)}`));
    const select = (from: string, seg: SegmentTable) =>
      SEGMENT_COLUMNS[seg].map(([c, t]) => (have.has(`${from}.${c}`) ? `${c}::${t} AS ${c}` : `NULL::${t} AS ${c}`)).join(", ");
    const copy = async (sql: string, params: string[], final: string) => {
      const tmp = tmpSegmentPath(runDir);
      const r = await db.runAndReadAll(`COPY (${sql}) TO ${sqlString(tmp)} (${SEGMENT_FORMAT})`, params);
      if (Number(r.getRowObjectsJS()[0]?.Count ?? 0) > 0) publishFile(tmp, final);
    };
    const tables: Array<[string, SegmentTable]> = [["questions", "questions"], ["models", "models"], ["counts", "counts"], ["sample_failures", "failures"]];
    for (const [from, seg] of tables) {
      if (!have.has(`${from}.${SEGMENT_COLUMNS[seg][0]![0]}`)) continue;
      await copy(`SELECT ${select(from, seg)} FROM legacy_src.${from}`, [], join(storeDir(runDir), seg, LEGACY_SEGMENT));
    }
    const models = (await db.runAndReadAll("SELECT DISTINCT model FROM legacy_src.samples ORDER BY model")).getRowObjectsJS().map((r) => String(r.model));
    for (const m of models) {
      await copy(
        `SELECT ${select("samples", "samples")} FROM legacy_src.samples WHERE model = ? ORDER BY question_id, sample_index`,
        [m],
        join(storeDir(runDir), "samples", modelFolder(m), LEGACY_SEGMENT),
      );
    }
  } catch (e) {
    throw storageError(file, e, "cannot migrate the store to segments");
  } finally {
    await db.run("DETACH legacy_src");
  }
  try {
    if (existsSync(file)) renameSync(file, `${file}.migrated`);
  } catch (e) {
    // another writer renamed it first
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw storageError(file, e, "cannot retire the migrated store");
  }
}
