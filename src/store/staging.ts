import type { DuckDBAppender } from "@duckdb/node-api";
import { storageError, tmpDir } from "./segments.js";
import type { SampleStore } from "./store.js";

/** A staging column: name and DuckDB type. */
export type StagingColumn = readonly [name: string, type: "VARCHAR" | "INTEGER" | "BIGINT" | "BOOLEAN" | "DOUBLE"];

/**
 * Collects rows for a TEMP table through DuckDB's appender: each value goes straight into the table's column
 * vectors, with no per-row JSON text and no scratch file. Measured per 16,384 samples of ~2 KB (CPU time, one
 * DuckDB thread): 0.13-0.27 s through the appender against 0.7-1.5 s for writing newline-delimited JSON and
 * loading it with DuckDB's JSON reader (the path this replaced); with 200,000 short rows 0.5-0.65 s against
 * 1.8-2.1 s. Staged rows are invisible to the store until a commit writes them as segments, so a failure
 * half-way leaves the store as it was. DuckDB keeps the table in memory and spills it to its temp folder past
 * its memory limit.
 */
export class StagingTable {
  private appender: DuckDBAppender | null = null;
  /** true once the table holds its rows (appender closed) */
  private loaded = false;
  private readonly appenders: Array<(v: unknown) => void>;
  rows = 0;

  private constructor(
    private readonly store: SampleStore,
    readonly name: string,
    columns: readonly StagingColumn[],
  ) {
    this.appenders = columns.map(([, type]) => this.appendFor(type));
  }

  static async create(store: SampleStore, name: string, columns: readonly StagingColumn[]): Promise<StagingTable> {
    const table = new StagingTable(store, name, columns);
    const ddl = columns.map(([n, t]) => `${n} ${t}`).join(", ");
    await store.run(`CREATE OR REPLACE TEMP TABLE ${name} (${ddl})`);
    table.appender = await store.db.createAppender(name, "main", "temp");
    store.onClose(() => table.closeAppender());
    return table;
  }

  /** A staging table filled by a query (e.g. DuckDB reading an input file itself); `select` must yield the columns. */
  static async fromSelect(store: SampleStore, name: string, columns: readonly StagingColumn[], select: string, params: string[] = []): Promise<StagingTable> {
    const table = new StagingTable(store, name, columns);
    await store.run(`CREATE OR REPLACE TEMP TABLE ${name} AS ${select}`, params);
    table.rows = (await store.all<{ n: number }>(`SELECT count(*)::INTEGER AS n FROM ${name}`))[0]!.n;
    table.loaded = true;
    return table;
  }

  /** One column's append: JS values as the column's type (non-finite numbers as NULL; bigint seeds must fit in 2^53). */
  private appendFor(type: StagingColumn[1]): (v: unknown) => void {
    const nullable = (append: (v: unknown) => void) => (v: unknown) => {
      if (v === undefined || v === null || (typeof v === "number" && !Number.isFinite(v))) this.appender!.appendNull();
      else append(v);
    };
    switch (type) {
      case "VARCHAR":
        return nullable((v) => this.appender!.appendVarchar(typeof v === "string" ? v : String(v)));
      case "INTEGER":
        return nullable((v) => this.appender!.appendInteger(Number(v)));
      case "BIGINT":
        return nullable((v) => this.appender!.appendBigInt(typeof v === "bigint" ? v : BigInt(Math.trunc(Number(v)))));
      case "BOOLEAN":
        return nullable((v) => this.appender!.appendBoolean(Boolean(v)));
      case "DOUBLE":
        return nullable((v) => this.appender!.appendDouble(Number(v)));
    }
  }

  /** Adds a row; values in column order. */
  push(values: readonly unknown[]): void {
    if (this.appender === null) throw new Error(`staging table ${this.name} is already finished`);
    try {
      for (let i = 0; i < this.appenders.length; i++) this.appenders[i]!(values[i]);
      this.appender.endRow();
    } catch (e) {
      // DuckDB flushes full chunks into the table as rows arrive; past its memory limit it spills to disk
      throw storageError(tmpDir(this.store.dir), e, `cannot stage ${this.rows + 1} rows (nothing of this batch is stored; what was stored before is intact)`);
    }
    this.rows++;
  }

  /** Makes everything pushed so far visible in TEMP table `name`. */
  async finish(): Promise<void> {
    if (this.loaded) return;
    try {
      this.appender?.flushSync();
    } catch (e) {
      throw storageError(tmpDir(this.store.dir), e, `cannot stage ${this.rows} rows (nothing of this batch is stored; what was stored before is intact)`);
    } finally {
      this.closeAppender();
    }
    this.loaded = true;
  }

  private closeAppender(): void {
    const a = this.appender;
    this.appender = null;
    if (a === null) return;
    try {
      a.closeSync();
    } catch {
      // closing flushes again: an error here was already raised by finish (or the batch is being abandoned)
    }
  }

  async drop(): Promise<void> {
    this.closeAppender();
    await this.store.run(`DROP TABLE IF EXISTS temp.main.${this.name}`);
  }
}
