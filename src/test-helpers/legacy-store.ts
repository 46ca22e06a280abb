import { rmSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { SCHEMA_SQL } from "../store/schema.js";
import { withStore } from "../store/store.js";

/**
 * Turns a run folder into one an rlvd from before segments wrote: its store's current content as tables of
 * one `rlvd.duckdb` file (store/schema.ts, the old layout), the segments removed. `dropColumns` makes it older
 * still (e.g. samples.grading, added in a later release of that layout).
 */
export async function toLegacyStore(run: string, options: { dropColumns?: Array<[table: string, column: string]> } = {}): Promise<void> {
  const tables = ["questions", "models", "samples", "counts", "sample_failures"];
  const data = await withStore(run, {}, async (s) => {
    const out: Record<string, Array<Record<string, unknown>>> = {};
    for (const t of tables) out[t] = await s.all(`SELECT * FROM ${t}`);
    return out;
  });
  rmSync(join(run, "store"), { recursive: true, force: true });
  const instance = await DuckDBInstance.create(join(run, "rlvd.duckdb"));
  const db = await instance.connect();
  try {
    await db.run(SCHEMA_SQL);
    await db.run("INSERT INTO rlvd_meta VALUES ('schema_version', '1')");
    for (const t of tables) {
      for (const row of data[t]!) {
        const cols = Object.keys(row);
        await db.run(`INSERT INTO ${t} (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`, cols.map((c) => {
          const v = row[c];
          return v === undefined ? null : typeof v === "bigint" ? Number(v) : (v as string | number | boolean | null);
        }));
      }
    }
    for (const [t, c] of options.dropColumns ?? []) await db.run(`ALTER TABLE ${t} DROP COLUMN ${c}`);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
}
