import { InputError, RlvdError } from "../core/errors.js";
import { forgetStoredKeys } from "./sample-writes.js";
import type { StagingTable } from "./staging.js";
import type { SampleStore } from "./store.js";

/** How a staged batch lands in a table whose rows are identified by `key` and compared on `values`. */
export type CommitSpec = {
  table: "samples" | "counts";
  key: readonly string[];
  /** columns that must agree when the same key arrives twice */
  values: readonly string[];
  /** columns that must agree where both sides have a value (NULL: not known, e.g. a store older than the column) */
  lenient?: readonly string[];
  /**
   * columns that must agree only while the stored row still holds what was imported: `asImported` is a
   * condition on the stored row `b` (e.g. a verdict rlvd has since re-graded no longer compares with the file's)
   */
  untilReplaced?: { columns: readonly string[]; asImported: string };
  /** all columns of `table`, in order; the staging table has these plus `line` */
  columns: readonly string[];
  /** `error`: a key that arrives with different values is an error naming the line; `ignore`: first write wins */
  onConflict: "error" | "ignore";
  /** the file the rows came from, for messages */
  source: string;
  /** how a key reads in a message, e.g. (row) => `sample (m, q, 3)` */
  describe: (row: Record<string, unknown>) => string;
  /**
   * the caller has landed a question row for every question id of the batch in the same transaction (a
   * harness import stages its questions beside its samples): the id-only placeholder rows, which the views
   * would fold away under those rows, are not written. The questions view does not see a transaction's
   * segments before it ends, so without this every id of the import was written twice.
   */
  questionsLanded?: boolean;
};

export type CommitResult = { staged: number; inserted: number; unchanged: number };

/**
 * Moves staged rows into their table. Identical repeats (within the batch or already stored) are no-ops;
 * conflicting repeats are an error (or ignored). Nothing is written unless everything checks out, and the
 * write itself is one transaction (new segments, published together), so a failed import leaves the store
 * exactly as it was.
 */
export async function commitStaged(store: SampleStore, staged: StagingTable, spec: CommitSpec): Promise<CommitResult> {
  await staged.finish();
  const s = staged.name;
  const keyList = spec.key.join(", ");
  const on = spec.key.map((k) => `a.${k} = b.${k}`).join(" AND ");
  const differs = [
    ...spec.values.map((v) => `a.${v} IS DISTINCT FROM b.${v}`),
    ...(spec.lenient ?? []).map((v) => `coalesce(a.${v} <> b.${v}, false)`),
    ...(spec.untilReplaced ? [`((${spec.untilReplaced.asImported}) AND (${spec.untilReplaced.columns.map((v) => `a.${v} IS DISTINCT FROM b.${v}`).join(" OR ")}))`] : []),
  ].join(" OR ");

  const dupKeys = await store.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM (SELECT 1 FROM ${s} GROUP BY ${keyList} HAVING count(*) > 1)`);
  let source = s;
  if (dupKeys[0]!.n > 0) {
    if (spec.onConflict === "error") {
      const clash = await store.all<Record<string, unknown> & { line: number; first_line: number }>(
        `WITH d AS (SELECT ${keyList} FROM ${s} GROUP BY ${keyList} HAVING count(*) > 1),
              r AS (SELECT x.* FROM ${s} x SEMI JOIN d USING (${keyList}))
         SELECT a.*, b.line AS first_line FROM r a JOIN r b ON ${on} AND b.line < a.line WHERE ${differs}
         ORDER BY a.line LIMIT 1`,
      );
      if (clash.length > 0) {
        const c = clash[0]!;
        throw new InputError(spec.source, c.line, `${spec.describe(c)} repeats line ${c.first_line} with different values`);
      }
    }
    source = `${s}_dedup`;
    await store.run(
      `CREATE OR REPLACE TEMP TABLE ${source} AS SELECT * FROM ${s} QUALIFY row_number() OVER (PARTITION BY ${keyList} ORDER BY line) = 1`,
    );
  }

  if (spec.onConflict === "error") {
    const clash = await store.all<Record<string, unknown> & { line: number }>(
      `SELECT a.* FROM ${source} a JOIN ${spec.table} b ON ${on} WHERE ${differs} ORDER BY a.line LIMIT 1`,
    );
    if (clash.length > 0) {
      const c = clash[0]!;
      throw new InputError(spec.source, c.line, `${spec.describe(c)} is already in the store with different values`);
    }
  }

  const total = (await store.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${source}`))[0]!.n;
  // existence: samples against this process's key cache (one scan of the snapshot per model, then the rows
  // it writes itself), counts against the (small) counts view
  let existing: string = spec.table;
  let models: string[] = [];
  if (spec.table === "samples") {
    models = (await store.all<{ model: string }>(`SELECT DISTINCT model FROM ${source}`)).map((r) => r.model);
    await store.knownKeys(models);
    existing = "known_keys";
  }
  // the usual batch is all new (a sampler's next requests): it is written straight from the staged table; only
  // a batch that repeats stored keys (a rerun, a re-import) is filtered into a table of its new rows first
  const isFresh = `NOT EXISTS (SELECT 1 FROM ${existing} b WHERE ${on})`;
  const freshRows = (await store.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${source} a WHERE ${isFresh}`))[0]!.n;
  let fresh = source;
  if (freshRows < total) {
    fresh = `${source}_new`;
    await store.run(`CREATE OR REPLACE TEMP TABLE ${fresh} AS SELECT ${spec.columns.map((c) => `a.${c}`).join(", ")} FROM ${source} a WHERE ${isFresh}`);
  }
  const inserted = freshRows === 0 ? 0 : await store.transaction(async () => {
    await store.writeSegment("models", `SELECT DISTINCT model AS name, NULL AS spec, NULL AS meta FROM ${fresh} a WHERE NOT EXISTS (SELECT 1 FROM models m WHERE m.name = a.model)`);
    if (!spec.questionsLanded) {
      await store.writeSegment("questions", `SELECT DISTINCT question_id AS id, NULL AS prompt, NULL AS answer, NULL AS meta FROM ${fresh} a WHERE NOT EXISTS (SELECT 1 FROM questions q WHERE q.id = a.question_id)`);
    }
    return store.writeSegment(spec.table, `SELECT * FROM ${fresh}`);
  });
  if (spec.table === "samples" && inserted > 0) {
    await store.rememberKeys(`SELECT * FROM ${fresh}`);
    // the direct write path (sample-writes.ts) keeps its own copy of the stored keys: it reloads them
    forgetStoredKeys(store, models);
  }
  if (fresh !== source) await store.run(`DROP TABLE IF EXISTS temp.main.${fresh}`);
  await staged.drop();
  if (source !== s) await store.run(`DROP TABLE IF EXISTS temp.main.${source}`);
  return { staged: staged.rows, inserted, unchanged: total - inserted };
}

/** Guards SQL identifiers built from code (never from user input). */
export function assertIdentifier(name: string): void {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new RlvdError("INTERNAL", `bad identifier ${name}`);
}
