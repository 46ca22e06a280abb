import { DuckDBInstance, type DuckDBConnection, type DuckDBValue } from "@duckdb/node-api";
import { ensureRunFolder, requireRunFolder, runPath } from "../core/run-folder.js";
import { RlvdError } from "../core/errors.js";
import { ADDED_COLUMNS_SQL, SCHEMA_SQL, SCHEMA_VERSION } from "./schema.js";

/**
 * The sample store of one run folder: a DuckDB file holding questions, models, samples and per-question counts.
 * One process writes a store at a time (DuckDB locks the file).
 */
export class SampleStore {
  /** run at close, whatever happened: e.g. removing staging scratch files of an aborted import */
  private readonly cleanups: Array<() => void> = [];

  private constructor(
    readonly dir: string,
    private readonly instance: DuckDBInstance,
    readonly db: DuckDBConnection,
  ) {}

  /** Opens the store of run folder `dir`, creating the folder and store when `create` is set. */
  static async open(dir: string, options: { create?: boolean } = {}): Promise<SampleStore> {
    if (options.create) await ensureRunFolder(dir);
    else requireRunFolder(dir);
    const file = runPath(dir, "db");
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(file);
    } catch (e) {
      throw new RlvdError("BAD_INPUT", `${file}: cannot open the store (${firstLine(e)})`);
    }
    const db = await instance.connect();
    const store = new SampleStore(dir, instance, db);
    await store.migrate();
    return store;
  }

  private async migrate(): Promise<void> {
    await this.db.run(SCHEMA_SQL);
    const rows = await this.all<{ value: string }>("SELECT value FROM rlvd_meta WHERE key = 'schema_version'");
    if (rows.length === 0) await this.db.run("INSERT INTO rlvd_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]);
    else if (rows[0]!.value !== SCHEMA_VERSION) {
      throw new RlvdError("BAD_INPUT", `${runPath(this.dir, "db")}: store schema version ${rows[0]!.value}, this rlvd reads ${SCHEMA_VERSION}`);
    }
    await this.db.run(ADDED_COLUMNS_SQL);
  }

  private depth = 0;

  /**
   * Runs `fn` inside a transaction: all of its writes land, or none do. Nested calls join the outer
   * transaction, so steps that are atomic on their own also compose into one atomic import.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.depth > 0) {
      this.depth++;
      try {
        return await fn();
      } finally {
        this.depth--;
      }
    }
    await this.db.run("BEGIN TRANSACTION");
    this.depth = 1;
    try {
      const result = await fn();
      await this.db.run("COMMIT");
      return result;
    } catch (e) {
      await this.db.run("ROLLBACK");
      throw e;
    } finally {
      this.depth = 0;
    }
  }

  /**
   * Store-internal (and tests'): runs a query and returns its rows as plain JS objects (BIGINT as bigint, so cast counts to INTEGER/DOUBLE). */
  async all<T>(sql: string, params?: DuckDBValue[]): Promise<T[]> {
    const reader = await this.db.runAndReadAll(sql, params);
    return reader.getRowObjectsJS() as T[];
  }

  /** Store-internal (and tests'): the layers outside store/ use the typed functions of store/index.ts. */
  async run(sql: string, params?: DuckDBValue[]): Promise<void> {
    await this.db.run(sql, params);
  }

  onClose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  close(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.db.closeSync();
    this.instance.closeSync();
  }
}

/** Opens a store, runs `fn`, and always closes it. */
export async function withStore<T>(dir: string, options: { create?: boolean }, fn: (store: SampleStore) => Promise<T>): Promise<T> {
  const store = await SampleStore.open(dir, options);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}
