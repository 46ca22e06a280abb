import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { RlvdError } from "../core/errors.js";

/**
 * The on-disk layout of a run's segment store (docs/store.md):
 *
 *   RUN/store/samples/<model>/<segment>.parquet   sample rows, one model per folder
 *   RUN/store/grades/<model>/<segment>.parquet    verdicts written after the samples (rlvd grade)
 *   RUN/store/{questions,models,counts,failures}/<segment>.parquet
 *   RUN/store/writers/<writer>.json               one file per live writer (rlvd status)
 *   RUN/store/tmp/                                segments being written, and writers' scratch files
 *
 * A segment is written once, by one writer, under a temporary name in tmp/, fsynced, and renamed into its
 * folder: a reader lists the folders and sees whole segments or none, on one machine or several sharing a
 * filesystem (rename is atomic on NFS too; no lock is taken anywhere). Names start with the time, so listing
 * order is write order (first write wins on a repeated key). Which files a reader reads — the live set, once
 * compaction has merged some — is live-set.ts's rule.
 */
export const STORE_DIR = "store";
export const SEGMENT_TABLES = ["samples", "grades", "questions", "models", "counts", "failures"] as const;
export type SegmentTable = (typeof SEGMENT_TABLES)[number];

/**
 * How segments are written: Parquet with zstd at level 1, which every reader (DuckDB, pandas, polars, Spark)
 * decodes. Level 1 rather than DuckDB's default 3: the Parquet+zstd COPY is most of a writer's CPU, and for
 * 16,384 samples of ~2 KB distinct text it took 14 us a sample at level 1 against 40 us at level 3 (best of 5,
 * load ~9), for files 5% larger (8.7 against 8.3 MB, a quarter of the text); lz4_raw costs the same as level 1
 * for files 1.7x larger, and turning off dictionaries or bloom filters did not help (docs/store.md, "The write
 * path"). Row groups of 16,384 rows (a sampler's batch) instead of 122,880: each DuckDB thread holds a whole
 * row group before it writes it, which with 2 KB texts put a writer compacting its segments at 1.0-1.5 GB.
 */
export const SEGMENT_FORMAT = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE 16384";

/** How long another host's temporary file may sit before it counts as abandoned (no pid to check there). */
const FOREIGN_TMP_AGE_MS = 6 * 3600_000;

export function storeDir(runDir: string): string {
  return join(runDir, STORE_DIR);
}

/** A model name as a folder name: letters, digits, `.`, `_` and `-` kept, every other byte as %XX. */
export function modelFolder(model: string): string {
  // a leading "." is encoded too: no folder is hidden, "." or ".."
  const enc = [...Buffer.from(model, "utf8")].map((b, i) => {
    const c = String.fromCharCode(b);
    return /[A-Za-z0-9_-]/.test(c) || (c === "." && i > 0) ? c : `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  });
  return enc.join("");
}

/** This process's writer id: host, pid and a random tag (pids repeat across hosts and restarts). */
export const WRITER_ID = `${hostname().replace(/[^A-Za-z0-9.-]/g, "_")}-${process.pid}-${randomBytes(3).toString("hex")}`;
let sequence = 0;

/** A new segment file name, ordered by time: `<ms base36>-<writer>-<seq>.parquet`. */
export function segmentName(): string {
  return `${Date.now().toString(36).padStart(9, "0")}-${WRITER_ID}-${(sequence++).toString(36).padStart(5, "0")}.parquet`;
}

/** Creates the store's folders (writers only: a reader never writes into the run folder). */
export function ensureStoreDirs(runDir: string): void {
  try {
    for (const t of [...SEGMENT_TABLES, "tmp", "writers"]) mkdirSync(join(storeDir(runDir), t), { recursive: true });
  } catch (e) {
    throw storageError(storeDir(runDir), e, "cannot create the store folders");
  }
}

export function tmpDir(runDir: string): string {
  return join(storeDir(runDir), "tmp");
}

/** A path for a segment being written by this process. */
export function tmpSegmentPath(runDir: string): string {
  return join(tmpDir(runDir), `${WRITER_ID}-${(sequence++).toString(36)}.parquet`);
}

/** Makes a written temporary file durable and moves it to its final name (the moment a write is acknowledged). */
export function publishFile(tmp: string, final: string): void {
  try {
    fsyncPath(tmp);
    mkdirSync(join(final, ".."), { recursive: true });
    renameSync(tmp, final);
    syncDir(join(final, ".."));
  } catch (e) {
    throw storageError(final, e, "cannot write the segment");
  }
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function syncDir(dir: string): void {
  try {
    fsyncPath(dir);
  } catch {
    // some filesystems refuse fsync on a folder; the rename itself is atomic either way
  }
}

/**
 * Removes what dead writers left behind: half-written segments and scratch files in tmp/, and their writers/
 * records (a pid on this host
 * that no longer runs; on another host, files older than FOREIGN_TMP_AGE_MS), and the `.staging-*.ndjson`
 * scratch files older rlvd versions left in the run folder itself. Returns the paths removed.
 */
export function cleanAbandoned(runDir: string): string[] {
  const removed: string[] = [];
  const host = hostname().replace(/[^A-Za-z0-9.-]/g, "_");
  for (const folder of [tmpDir(runDir), join(storeDir(runDir), "writers")]) {
    if (!existsSync(folder)) continue;
    for (const f of readdirSync(folder)) {
      const path = join(folder, f);
      const owner = /^(.+)-(\d+)-[0-9a-f]{6}[-.]/.exec(f);
      let dead: boolean;
      if (owner && owner[1] === host) dead = !pidAlive(Number(owner[2]));
      else dead = ageMs(path) > FOREIGN_TMP_AGE_MS;
      if (dead) {
        rmSync(path, { recursive: true, force: true });
        removed.push(path);
      }
    }
  }
  if (existsSync(runDir)) {
    for (const f of readdirSync(runDir)) {
      const m = /^\.staging-.+-(\d+)\.ndjson$/.exec(f);
      if (m && !pidAlive(Number(m[1]))) {
        rmSync(join(runDir, f), { force: true });
        removed.push(join(runDir, f));
      }
    }
  }
  return removed;
}

/** Removes a temporary file if it is there; a folder that is itself broken (the error being reported) is left to the next open. */
export function removeTmp(path: string): void {
  try {
    rmSync(path, { force: true });
  } catch {
    // e.g. ENOTDIR when tmp/ is gone: the write's own error says what happened
  }
}

export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function ageMs(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return 0;
  }
}

/** A filesystem failure as one line naming the path; a full disk and a read-only folder are named as such. */
export function storageError(path: string, e: unknown, what: string): RlvdError {
  if (e instanceof RlvdError) return e;
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  const message = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  const why =
    code === "ENOSPC" || /No space left/i.test(message) ? "the disk is full (ENOSPC)"
    : code === "EROFS" || /read-only file system/i.test(message) ? "the filesystem is read-only (EROFS)"
    : code === "EACCES" || code === "EPERM" || /Permission denied/i.test(message) ? "no permission to write there"
    : code === "EDQUOT" ? "the disk quota is exhausted (EDQUOT)"
    : message;
  return new RlvdError("BAD_INPUT", `${path}: ${what}: ${why}`, { cause: e });
}
