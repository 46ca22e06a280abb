import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { DuckDBInstance, type DuckDBConnection, type DuckDBResult, type DuckDBValue } from "@duckdb/node-api";
import { ensureRunFolder, requireRunFolder, runPath } from "../core/run-folder.js";
import { RlvdError } from "../core/errors.js";
import {
  cleanAbandoned, ensureStoreDirs, modelFolder, publishFile, removeTmp, SEGMENT_FORMAT, SEGMENT_TABLES, segmentName, storageError, storeDir, tmpDir,
  tmpSegmentPath, WRITER_ID, type SegmentTable,
} from "./segments.js";
import { castColumns, DROPPED_SQL, legacyViews, logicalViews, mayRepeatKeys, rawView, sqlString } from "./views.js";
import { migrateLegacy } from "./legacy.js";
import { liveSegments, type LiveFile } from "./live-set.js";
import { autoCompact } from "./compact.js";
import { forgetStoredKeys } from "./sample-writes.js";

let instances = 0;

/**
 * A query's error when a file of its snapshot has gone (deleted after a compaction's grace period, or a forced
 * restart of a model; ESTALE on NFS): the query runs again on a fresh snapshot, up to RETRIES times in all.
 */
const MISSING_FILE = /No files found|No such file|Cannot open file|could not open file|Stale file handle|ESTALE/i;
const RETRIES = 4;

export type OpenOptions = {
  /** create the run folder and store when missing (a writer) */
  create?: boolean;
  /** the caller writes (grade): the store's folders are made and a legacy store is migrated first */
  write?: boolean;
  /**
   * withStore: after a writer's work, compact the folders it wrote into when they hold many small segments
   * (compact.ts autoCompact; default true). A compactor itself opens with false.
   */
  autoCompact?: boolean;
};

/**
 * The sample store of one run folder: immutable Parquet segments under RUN/store/ (segments.ts), read through
 * an in-memory DuckDB whose views (`samples`, `questions`, `models`, `counts`, `sample_failures`) fold one
 * snapshot of them into tables. Any number of processes, on one machine or several, write and read one run at
 * once: nothing is locked, a writer adds whole segments, a reader sees the segments that were there when it
 * opened (or last wrote). A run folder of an older rlvd (one `rlvd.duckdb` file) is read in place, and moved
 * to segments by the first writer that opens it (legacy.ts).
 */
/**
 * Side queries (SampleStore.startBeside) running at once: analyze starts its answer codes, text scans and two
 * small scans together; four let the small ones run beside the long ones rather than after them, alone.
 */
const SIDE_CONNECTIONS = 4;

export class SampleStore {
  /** run at close, whatever happened: e.g. removing staging scratch files of an aborted import */
  private readonly cleanups: Array<() => void> = [];
  /** renames waiting for the end of the current transaction */
  private pending: Array<{ tmp: string; final: string }> = [];
  private depth = 0;
  /** models whose stored keys are loaded into TEMP table `known_keys` (write-side existence checks) */
  private readonly keysLoaded = new Set<string>();

  private constructor(
    readonly dir: string,
    private readonly instance: DuckDBInstance,
    readonly db: DuckDBConnection,
    /** this process writes into the store (a store opened to read becomes a writer at its first write) */
    private writable: boolean,
    /** reading an un-migrated rlvd.duckdb in place (read-only) */
    private legacy: boolean,
  ) {}

  /** Opens the store of run folder `dir`, creating the folder and store when `create` is set. */
  static async open(dir: string, options: OpenOptions = {}): Promise<SampleStore> {
    const writable = options.create === true || options.write === true;
    if (options.create) {
      try {
        await ensureRunFolder(dir);
      } catch (e) {
        throw storageError(dir, e, "cannot create the run folder");
      }
    } else requireRunFolder(dir);
    const legacyFile = runPath(dir, "db");
    if (writable) {
      ensureStoreDirs(dir);
      cleanAbandoned(dir);
    }
    // DuckDB's spill files: beside the data for a writer, in the system temp folder for a reader (which must
    // not need write access to the run folder)
    const spill = join(writable ? tmpDir(dir) : tmpdir(), `${WRITER_ID}-duckdb-${instances++}`);
    const instance = await DuckDBInstance.create(":memory:", { temp_directory: spill });
    const db = await instance.connect();
    let legacy = existsSync(legacyFile);
    try {
      if (writable && legacy) {
        await migrateLegacy(db, dir, legacyFile);
        legacy = false;
      }
      if (legacy) await db.run(`ATTACH ${sqlString(legacyFile)} AS legacy (READ_ONLY)`);
    } catch (e) {
      db.closeSync();
      instance.closeSync();
      if (e instanceof RlvdError) throw e;
      throw new RlvdError("BAD_INPUT", `${legacyFile}: cannot open the store (${firstLine(e)})`);
    }
    const store = new SampleStore(dir, instance, db, writable, legacy);
    store.cleanups.push(() => rmSync(spill, { recursive: true, force: true }));
    await store.refresh({ dropped: true });
    return store;
  }

  /**
   * Takes a new snapshot: lists the segments and rebuilds the views. `dropped` also recomputes which rows
   * repeat an earlier key (a scan of every key: done on open, not after each of this process's own writes,
   * which never repeat a key of the snapshot they were checked against).
   */
  async refresh(options: { dropped?: boolean } = {}): Promise<void> {
    if (this.legacy) {
      const cols = await this.db.runAndReadAll("SELECT table_name, column_name FROM duckdb_columns() WHERE database_name = 'legacy'");
      const have = new Set(cols.getRowObjectsJS().map((r) => `${String(r.table_name)}.${String(r.column_name)}`));
      this.viewSql = legacyViews((t, c) => have.has(`${t}.${c}`));
      for (const sql of this.viewSql) await this.db.run(sql);
      return;
    }
    let files = new Map(SEGMENT_TABLES.map((t) => [t, liveSegments(this.dir, t)]));
    for (let attempt = 1; ; attempt++) {
      try {
        for (const t of SEGMENT_TABLES) await this.db.run(rawView(t, files.get(t)!));
        if (options.dropped || !this.droppedReady) {
          if (mayRepeatKeys(files.get("samples")!)) {
            await this.db.run(DROPPED_SQL);
            const n = await this.db.runAndReadAll("SELECT count(*)::INTEGER AS n FROM sample_dropped");
            this.hasDropped = Number(n.getRowObjectsJS()[0]!.n) > 0;
          } else this.hasDropped = false;
          this.droppedReady = true;
        }
        // the logical views bind the raw ones, which reads the files' schemas: inside the retry too
        const logical = logicalViews({ dropped: this.hasDropped, grades: files.get("grades")!.length > 0 });
        for (const sql of logical) await this.db.run(sql);
        this.snapshotFiles = files;
        // sample_dropped is a table every connection of this instance sees: side connections need only the views
        this.viewSql = [...SEGMENT_TABLES.map((t) => rawView(t, files.get(t)!)), ...logical];
        break;
      } catch (e) {
        // a segment deleted between the listing and the scan (a compaction's grace passed meanwhile): list again
        if (attempt >= RETRIES || !MISSING_FILE.test(firstLine(e))) throw e;
        files = new Map(SEGMENT_TABLES.map((t) => [t, liveSegments(this.dir, t)]));
      }
    }
  }

  /** Per model: rows hidden because they repeat an earlier writer's key, and how many of those differ in content. */
  async droppedRows(): Promise<Array<{ model: string; n: number; differs: number }>> {
    if (!this.hasDropped) return [];
    return this.all("SELECT model, count(*)::INTEGER AS n, count_if(differs)::INTEGER AS differs FROM sample_dropped GROUP BY model ORDER BY model");
  }

  /** the statements that define the current snapshot's views (replayed on each side connection) */
  private viewSql: string[] = [];
  /** side connections open now, how many side queries hold a turn, and the side queries waiting for one */
  private sideOpen = new Set<DuckDBConnection>();
  private sideRunning = 0;
  private sideWaiting: Array<() => void> = [];

  /**
   * Starts a read query on a connection of its own, with the same views over the same snapshot, so that it
   * runs on DuckDB's threads while the main connection and JavaScript do other work: analyze scans the texts
   * this way beside its answer statistics. Resolves once the query is executing, with `rows`, its result.
   *
   * Await the start before a long synchronous computation: until the query is submitted, each step of opening
   * its connection and preparing it waits for a free turn of the JavaScript thread, so a query merely
   * requested would wait for the computation to end. At most SIDE_CONNECTIONS run at once; a query past them
   * resolves at once, queued, and starts when one of those ends. A file gone from the snapshot (MISSING_FILE)
   * makes the query run again on the main connection, over a fresh snapshot (retrying).
   */
  async startBeside<T>(sql: string, params?: DuckDBValue[]): Promise<{ rows: Promise<T[]> }> {
    const { done } = await this.startBesideReading(sql, params, async (result) => (await result.getRowObjectsJS()) as T[]);
    return { rows: done };
  }

  /**
   * startBeside, its result read by `read` (chunk by chunk, say, where a row object per row costs too much);
   * resolves with `done`, what `read` returns.
   */
  async startBesideReading<T>(sql: string, params: DuckDBValue[] | undefined, read: (result: DuckDBResult) => Promise<T>): Promise<{ done: Promise<T> }> {
    if (this.sideRunning >= SIDE_CONNECTIONS) {
      const turn = new Promise<void>((go) => this.sideWaiting.push(go));
      return { done: turn.then(() => this.startBesideReading<T>(sql, params, read)).then((started) => started.done) };
    }
    this.sideRunning++;
    let db: DuckDBConnection | null = null;
    const release = () => {
      if (db !== null) {
        this.sideOpen.delete(db);
        db.closeSync();
      }
      this.sideRunning--;
      this.sideWaiting.shift()?.();
    };
    const onMain = () => this.retrying(async () => read(await this.db.run(sql, params)));
    let running: Promise<T>;
    try {
      db = await this.instance.connect();
      this.sideOpen.add(db);
      for (const view of this.viewSql) await db.run(view);
      const prepared = await db.prepare(sql);
      if (params) prepared.bind(params);
      // execute_prepared is queued on the native side by this call, before any await
      running = prepared.run().then(read).finally(() => prepared.destroySync());
    } catch (e) {
      release();
      if (!MISSING_FILE.test(firstLine(e))) throw e;
      return { done: onMain() };
    }
    const done = running.then(
      (r) => (release(), r),
      (e) => {
        release();
        if (!MISSING_FILE.test(firstLine(e))) throw e;
        return onMain();
      },
    );
    return { done };
  }


  private droppedReady = false;
  private hasDropped = false;
  /** the live files the views read (null: a legacy store, or before the first snapshot) */
  private snapshotFiles: Map<SegmentTable, LiveFile[]> | null = null;

  /**
   * The identity of the current snapshot: every file the views read (path, the origins read from it, size,
   * modification time), or null where it has none (a legacy store read in place). Segments are immutable and
   * uniquely named, so two snapshots with the same identity hold the same rows; a cache keyed by it (e.g.
   * report/analysis-cache.ts) can never serve the analysis of other data. A file gone since the listing: null.
   */
  snapshotId(): string | null {
    if (this.legacy || this.snapshotFiles === null) return null;
    const parts: string[] = [];
    try {
      for (const [table, files] of this.snapshotFiles) {
        for (const f of files) {
          const st = statSync(f.path);
          parts.push(`${table}\t${f.path}\t${f.only?.join(",") ?? ""}\t${st.size}\t${st.mtimeMs}`);
        }
      }
    } catch {
      return null;
    }
    return parts.join("\n");
  }
  /**
   * Whether this snapshot may hold samples of `model` (its samples folder has live files; true where it cannot
   * tell: a legacy store read in place, or before the first snapshot). An import of a model with none needs no
   * key checks against the store (import-direct.ts).
   */
  hasSamples(model: string): boolean {
    if (this.legacy || this.snapshotFiles === null) return true;
    const folder = join(storeDir(this.dir), "samples", modelFolder(model));
    return this.snapshotFiles.get("samples")!.some((f) => dirname(f.path) === folder);
  }

  /** the segment folders this process has published into (where an automatic compaction looks) */
  readonly wroteInto = new Set<string>();

  /**
   * Runs `fn` as one unit: the segments it writes are published (renamed into place) together at its end, in
   * the order written, or removed when it fails. Nested calls join the outer one.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    this.depth++;
    try {
      const result = await fn();
      if (this.depth === 1) await this.publishPending();
      return result;
    } catch (e) {
      if (this.depth === 1) this.discardPending();
      throw e;
    } finally {
      this.depth--;
    }
  }

  private async publishPending(): Promise<void> {
    const batch = this.pending.splice(0);
    if (batch.length === 0) return;
    let published = 0;
    try {
      for (const p of batch) {
        publishFile(p.tmp, p.final);
        published++;
        this.wroteInto.add(dirname(p.final));
      }
    } finally {
      // the renamed ones are gone from tmp/ already (an unlink of a missing file costs an error object each)
      for (const p of batch.slice(published)) removeTmp(p.tmp);
      await this.refresh();
    }
  }

  private discardPending(): void {
    for (const p of this.pending.splice(0)) removeTmp(p.tmp);
  }

  /**
   * Writes the rows of `select` (the table's columns, any order of rows) as new segments of `table`: one
   * segment per model for samples and grades. Returns the rows written (0: nothing is written).
   */
  async writeSegment(table: SegmentTable, select: string, params: DuckDBValue[] = []): Promise<number> {
    await this.ensureWriter();
    const perModel = table === "samples" || table === "grades";
    // `select` is read directly by each COPY (callers pass a staged table or a small query): no extra copy of
    // the texts in memory
    const models = perModel
      ? (await this.all<{ model: string }>(`SELECT DISTINCT model FROM (${select}) ORDER BY model`, params)).map((r) => r.model)
      : [null];
    let rows = 0;
    for (const model of models) {
      const tmp = tmpSegmentPath(this.dir);
      // one model (a sampler's batch): no filter, which would also split the COPY over DuckDB's threads
      const where = model === null || models.length === 1 ? "" : "WHERE x.model = ?";
      let n: number;
      try {
        // retried like a query: `select` may read the views (e.g. which models are new), whose files a compaction may delete
        const r = await this.retrying(() => this.db.runAndReadAll(
          `COPY (SELECT ${castColumns(table, "x")} FROM (${select}) x ${where}) TO ${sqlString(tmp)} (${SEGMENT_FORMAT})`,
          where === "" ? params : [...params, model],
        ));
        n = Number(r.getRowObjectsJS()[0]?.Count ?? 0);
      } catch (e) {
        removeTmp(tmp);
        throw storageError(tmpDir(this.dir), e, "cannot write the segment");
      }
      if (n === 0) {
        removeTmp(tmp);
        continue;
      }
      rows += n;
      const folder = model === null ? join(storeDir(this.dir), table) : join(storeDir(this.dir), table, modelFolder(model));
      this.pending.push({ tmp, final: join(folder, segmentName()) });
    }
    if (this.depth === 0) await this.publishPending();
    return rows;
  }

  /**
   * Loads the stored keys of `models` into TEMP table `known_keys` (once per model per process) for
   * write-side existence checks; `rememberKeys` adds the keys this process writes after.
   */
  async knownKeys(models: readonly string[]): Promise<void> {
    await this.db.run("CREATE TEMP TABLE IF NOT EXISTS known_keys (model VARCHAR, question_id VARCHAR, sample_index INTEGER)");
    const missing = models.filter((m) => !this.keysLoaded.has(m));
    if (missing.length === 0) return;
    await this.db.run(
      `INSERT INTO known_keys SELECT model, question_id, sample_index FROM sample_keys WHERE model IN (${missing.map(() => "?").join(", ")})`,
      missing,
    );
    for (const m of missing) this.keysLoaded.add(m);
  }

  /**
   * Forgets the loaded keys of `models` (the direct write path, sample-writes.ts, wrote some without adding them
   * to `known_keys`): the next check reloads them from the snapshot, which holds what this process published.
   */
  async forgetKnownKeys(models: readonly string[]): Promise<void> {
    const loaded = models.filter((m) => this.keysLoaded.delete(m));
    if (loaded.length > 0) await this.run(`DELETE FROM known_keys WHERE model IN (${loaded.map(() => "?").join(", ")})`, loaded);
  }

  /**
   * Queues a segment written elsewhere (sample-writes.ts, complete in `tmp`) for publishing as a new segment of
   * `table` (under `model`'s folder for samples): with the current transaction's other segments, or at once.
   */
  async queueSegment(tmp: string, table: SegmentTable, model: string | null): Promise<void> {
    const folder = model === null ? join(storeDir(this.dir), table) : join(storeDir(this.dir), table, modelFolder(model));
    this.pending.push({ tmp, final: join(folder, segmentName()) });
    if (this.depth === 0) await this.publishPending();
  }

  async rememberKeys(select: string): Promise<void> {
    await this.db.run(`INSERT INTO known_keys SELECT model, question_id, sample_index FROM (${select})`);
  }

  /** Removes every stored sample and verdict of `model` (a forced restart of its sampling). */
  async deleteModelSamples(model: string): Promise<void> {
    await this.ensureWriter();
    for (const table of ["samples", "grades"] as const) {
      const folder = join(storeDir(this.dir), table, modelFolder(model));
      if (!existsSync(folder)) continue;
      // out of sight in one rename, then removed: a reader that listed it retries on a fresh snapshot
      const trash = join(tmpDir(this.dir), `${WRITER_ID}-trash-${segmentName()}`);
      try {
        renameSync(folder, trash);
        rmSync(trash, { recursive: true, force: true });
      } catch (e) {
        throw storageError(folder, e, "cannot remove the model's samples");
      }
    }
    this.keysLoaded.delete(model);
    forgetStoredKeys(this, [model]);
    await this.db.run("DELETE FROM known_keys WHERE model = ?", [model]).catch(() => undefined);
    await this.refresh({ dropped: true });
  }

  /** Before a first write: the store's folders, abandoned files cleaned, a legacy store migrated. */
  async ensureWriter(): Promise<void> {
    if (this.writable) return;
    ensureStoreDirs(this.dir);
    cleanAbandoned(this.dir);
    if (this.legacy) {
      await this.db.run("DETACH legacy");
      await migrateLegacy(this.db, this.dir, runPath(this.dir, "db"));
      this.legacy = false;
      this.droppedReady = false;
    }
    this.writable = true;
    await this.refresh({ dropped: true });
  }

  /**
   * Store-internal (and tests'): runs a query and returns its rows as plain JS objects (BIGINT as bigint, so
   * cast counts to INTEGER/DOUBLE). A segment removed under this snapshot (compaction, a forced restart) makes
   * the query run again on a fresh snapshot (MISSING_FILE).
   */
  async all<T>(sql: string, params?: DuckDBValue[]): Promise<T[]> {
    return this.retrying(async () => (await this.db.runAndReadAll(sql, params)).getRowObjectsJS() as T[]);
  }

  /** Store-internal (and tests'): the layers outside store/ use the typed functions of store/index.ts. */
  async run(sql: string, params?: DuckDBValue[]): Promise<void> {
    await this.retrying(() => this.db.run(sql, params));
  }

  async retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (e) {
        if (this.legacy || attempt >= RETRIES || !MISSING_FILE.test(firstLine(e))) throw e;
        await this.refresh({ dropped: true });
      }
    }
  }

  onClose(cleanup: () => void): void {
    this.cleanups.push(cleanup);
  }

  close(): void {
    this.discardPending();
    for (const cleanup of this.cleanups.splice(0)) {
      try {
        cleanup();
      } catch {
        // scratch that cannot be removed (its folder is gone or unwritable): the next writer's open cleans it
      }
    }
    for (const db of this.sideOpen) db.closeSync();
    this.sideOpen.clear();
    this.db.closeSync();
    this.instance.closeSync();
  }
}

/** Opens a store, runs `fn`, and always closes it. */
export async function withStore<T>(dir: string, options: OpenOptions, fn: (store: SampleStore) => Promise<T>): Promise<T> {
  const store = await SampleStore.open(dir, options);
  try {
    const result = await fn(store);
    if (options.autoCompact !== false && store.wroteInto.size > 0) await autoCompact(store, [...store.wroteInto]);
    return result;
  } finally {
    store.close();
  }
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}
