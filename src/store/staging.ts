import { DuckDBDataChunk, type DuckDBType, type DuckDBValue } from "@duckdb/node-api";
import type { SampleStore } from "./store.js";

const CHUNK_ROWS = 2048;

/**
 * Appends rows, column by column, into a TEMP table in chunks (DuckDB's fastest path from JS). Staged rows
 * are invisible to the real tables until a transaction copies them over, so a failure half-way through
 * leaves the store as it was.
 */
export class StagingTable {
  private columns: DuckDBValue[][];
  private appender: Awaited<ReturnType<SampleStore["db"]["createAppender"]>> | null = null;
  rows = 0;

  private constructor(
    private readonly store: SampleStore,
    readonly name: string,
    private readonly types: DuckDBType[],
  ) {
    this.columns = types.map(() => []);
  }

  /** Creates (or replaces) temp table `name` with `columnsSql` (e.g. "a VARCHAR, b INTEGER") of the given types. */
  static async create(store: SampleStore, name: string, columnsSql: string, types: DuckDBType[]): Promise<StagingTable> {
    await store.run(`CREATE OR REPLACE TEMP TABLE ${name} (${columnsSql})`);
    const table = new StagingTable(store, name, types);
    table.appender = await store.db.createAppender(name, "main", "temp");
    return table;
  }

  push(values: DuckDBValue[]): void {
    for (let i = 0; i < values.length; i++) this.columns[i]!.push(values[i]!);
    this.rows++;
    if (this.columns[0]!.length >= CHUNK_ROWS) this.flush();
  }

  private flush(): void {
    const count = this.columns[0]!.length;
    if (count === 0 || !this.appender) return;
    const chunk = DuckDBDataChunk.create(this.types, count);
    chunk.setColumns(this.columns);
    this.appender.appendDataChunk(chunk);
    this.columns = this.types.map(() => []);
  }

  /** Flushes everything appended so far; the table is then ready to query. */
  finish(): void {
    this.flush();
    this.appender?.closeSync();
    this.appender = null;
  }

  async drop(): Promise<void> {
    this.appender?.closeSync();
    this.appender = null;
    await this.store.run(`DROP TABLE IF EXISTS temp.main.${this.name}`);
  }
}
