import { closeSync, existsSync, fsyncSync, openSync, readdirSync, rmSync, statSync, utimesSync, writeSync } from "node:fs";
import { hostname } from "node:os";
import { join, relative, sep } from "node:path";
import { Progress, type ProgressSink } from "../core/progress.js";
import {
  COMPACTED_SUFFIX, deletable, fileSize, readFolder, readSidecar, resolveLive, SIDECAR_SUFFIX, sidecarOf, tableFolders,
  type FolderEntry, type LiveFile, type Sidecar,
} from "./live-set.js";
import { hasUncompressedChunks } from "./parquet-footer.js";
import { modelFolder, pidAlive, publishFile, SEGMENT_FORMAT, SEGMENT_TABLES, segmentName, storageError, storeDir, tmpDir, tmpSegmentPath, WRITER_ID, type SegmentTable } from "./segments.js";
import { castColumns, rawSelect, sqlString } from "./views.js";
import type { SampleStore } from "./store.js";

/**
 * Compaction: merges a folder's small segments into larger ones, and rewrites lone uncompressed ones with zstd,
 * while writers go on writing and readers go on reading (docs/store.md). A compaction never changes what a reader
 * sees: it writes a new segment holding the rows of some live files, each row with its origin (live-set.ts),
 * publishes its sidecar and then the segment by rename, and deletes files only once a compacted file holding all
 * their origins has been in place longer than the grace period. Nothing is locked; two compactors at once may do the same work twice, never harm.
 */
export type CompactOptions = {
  /**
   * How long a compacted segment must have been published before the files it replaces are deleted: a reader
   * that listed the folder before it appeared keeps reading the originals meanwhile (and a query on a snapshot
   * older than this re-reads a fresh one). 0 deletes at once, safe only when no reader runs.
   */
  graceMs?: number;
  /** the size a compacted segment grows to (bytes of its inputs); files under a quarter of it count as small */
  targetBytes?: number;
  /** compact a folder only when it has at least this many small live files */
  minSmall?: number;
  /**
   * Also rewrite, alone, each plain live file that no merge takes and whose footer says its columns are stored
   * uncompressed (samplers' and direct imports' segments, parquet-writer.ts), so that a lone large segment is
   * compressed too; the rewrite is a compaction of one file, with the same publish, grace and deletion rules.
   */
  compress?: boolean;
  /** merge only the live files this picks (the automatic trigger: a writer's own segments) */
  pick?: (entry: FolderEntry) => boolean;
  /** only these tables / only this model's folders */
  tables?: readonly SegmentTable[];
  model?: string;
  progress?: ProgressSink | null;
};

export const COMPACT_DEFAULTS = {
  graceMs: 10 * 60_000,
  targetBytes: 256 * 2 ** 20,
  minSmall: 2,
  compress: true,
} satisfies Partial<CompactOptions>;

/** A writer compacts the folders it wrote into on its way out once they hold this many small files. */
export const AUTO_MIN_SMALL = 16;

/**
 * What counts as small for a writer's exit compaction: files under 8 MiB, the segments of a sampler's
 * time-based flushes and of short responses. A full batch of ~2 KB texts (16,384 samples, ~33 MB, written
 * uncompressed by sample-writes.ts) is left to `rlvd compact`: merging those on the way out rewrote and
 * compressed every segment a writer had written (a third of its time at the scale, and its peak memory),
 * and a reader reads 33 MB segments about as well as merged ones.
 */
export const AUTO_SMALL_BYTES = 8 * 2 ** 20;

/** What a compaction did in one folder (`folder` relative to RUN/store, e.g. `samples/base`). */
export type FolderCompaction = {
  folder: string;
  table: SegmentTable;
  /** live files before and after */
  before: number;
  after: number;
  /**
   * files merged, files rewritten alone because they were uncompressed (`compress`), compacted files written
   * (one per merge and one per rewrite), files deleted (replaced ones whose grace had passed)
   */
  merged: number;
  compressed: number;
  written: number;
  removed: number;
  rows: number;
  bytes_written: number;
};
export type CompactResult = { folders: FolderCompaction[]; seconds: number };

/** On another host a sidecar's writer cannot be checked; one whose segment never came is removed after this. */
const FOREIGN_SIDECAR_AGE_MS = 6 * 3600_000;

/** Compacts every folder of the store (or those `options` name). */
export async function compactStore(store: SampleStore, options: CompactOptions = {}): Promise<CompactResult> {
  const started = Date.now();
  const tables = options.tables ?? SEGMENT_TABLES;
  const folders = tables.flatMap((table) =>
    tableFolders(store.dir, table)
      .filter((f) => options.model === undefined || (table !== "samples" && table !== "grades") || f.endsWith(sep + modelFolder(options.model)))
      .map((folder) => ({ table, folder })),
  );
  const progress = new Progress("compacting", folders.length, options.progress ?? null, 5_000, " folders");
  const out: FolderCompaction[] = [];
  for (const [i, { table, folder }] of folders.entries()) {
    out.push(await compactFolder(store, table, folder, options));
    progress.update(i + 1);
  }
  progress.finish();
  await store.refresh({ dropped: true });
  return { folders: out, seconds: (Date.now() - started) / 1000 };
}

/**
 * The automatic trigger: a writer ending compacts each folder it wrote into that holds at least AUTO_MIN_SMALL
 * small live files. It is an optimisation of reads only, so its failure (a full disk, say) does not fail the
 * writer, whose samples are already stored: the next compaction, automatic or `rlvd compact`, tries again.
 */
export async function autoCompact(store: SampleStore, folders: readonly string[]): Promise<void> {
  for (const folder of folders) {
    const table = tableOf(store.dir, folder);
    if (table === null) continue;
    try {
      const isSmall = (e: FolderEntry) => fileSize(join(folder, e.name)) < AUTO_SMALL_BYTES;
      const small = resolveLive(readFolder(folder)).filter((l) => isSmall(l.entry));
      // a writer with enough small segments of its own merges just those: writers that end together (the
      // shards of one model) then merge disjoint sets instead of each rewriting the whole folder (measured at
      // the issue's scale: two writers of a model each re-encoding ~1 GB on exit); the others' segments are
      // theirs to merge, or the next compaction's
      const mine = small.filter((l) => ownSegment(l.entry));
      // no lone rewrites on the way out (compress: false): compressing full batches is `rlvd compact`'s job
      if (mine.length >= AUTO_MIN_SMALL) await compactFolder(store, table, folder, { minSmall: AUTO_MIN_SMALL, pick: (e) => ownSegment(e) && isSmall(e), compress: false });
      else if (small.length >= AUTO_MIN_SMALL) await compactFolder(store, table, folder, { minSmall: AUTO_MIN_SMALL, pick: isSmall, compress: false });
    } catch {
      // see above: reads stay correct over uncompacted segments, only slower
    }
  }
}

/**
 * One folder: delete what settled compactions replaced, merge the small live files, rewrite alone the
 * uncompressed plain files no merge took (`compress`), delete again.
 */
export async function compactFolder(store: SampleStore, table: SegmentTable, folder: string, options: CompactOptions = {}): Promise<FolderCompaction> {
  const o = { ...COMPACT_DEFAULTS, ...options };
  const result: FolderCompaction = {
    folder: relative(storeDir(store.dir), folder).split(sep).join("/"), table, before: 0, after: 0, merged: 0, compressed: 0, written: 0, removed: 0, rows: 0, bytes_written: 0,
  };
  result.removed += removeReplaced(folder, o.graceMs);
  const entries = readFolder(folder);
  const live = resolveLive(entries);
  result.before = live.length;
  const picked = live.filter((l) => o.pick === undefined || o.pick(l.entry));
  const small = picked.filter((l) => l.only !== null || fileSize(join(folder, l.entry.name)) < o.targetBytes / 4);
  const merges = small.length >= o.minSmall ? groups(folder, small, o.targetBytes) : [];
  const inMerge = new Set(merges.flat());
  // a compacted file outranks the plain file of its one origin (live-set.ts), so a rewrite of one plain file
  // replaces it under the same rules as a merge; compacted files are zstd already (SEGMENT_FORMAT)
  const alone = o.compress ? picked.filter((l) => !inMerge.has(l) && !l.entry.compacted && uncompressed(join(folder, l.entry.name))).map((l) => [l]) : [];
  for (const group of [...merges, ...alone]) {
    const written = await writeCompacted(store, table, folder, group);
    if (written === null) continue;
    if (group.length === 1 && !group[0]!.entry.compacted) result.compressed++;
    else result.merged += group.length;
    result.written++;
    result.rows += written.rows;
    result.bytes_written += written.bytes;
  }
  result.removed += removeReplaced(folder, o.graceMs);
  result.after = resolveLive(readFolder(folder)).length;
  return result;
}

type Live = { entry: FolderEntry; only: string[] | null };

/**
 * Whether a segment's footer says it stores column data uncompressed. A file gone meanwhile (another compactor
 * deleted it) is not; a file that is not whole Parquet is an error naming it, as it would be for every reader.
 */
function uncompressed(path: string): boolean {
  if (!existsSync(path)) return false;
  try {
    return hasUncompressedChunks(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

/** A plain segment this process wrote (segmentName: `<time>-<writer>-<seq>.parquet`). */
function ownSegment(entry: FolderEntry): boolean {
  return !entry.compacted && entry.name.includes(`-${WRITER_ID}-`);
}

/** Runs of small files in origin order, each up to `target` bytes; a group is worth writing with 2+ files or an overlap to resolve. */
function groups(folder: string, small: readonly Live[], target: number): Live[][] {
  const out: Live[][] = [];
  let group: Live[] = [];
  let bytes = 0;
  for (const l of small) {
    const size = fileSize(join(folder, l.entry.name));
    if (group.length > 0 && bytes + size > target) {
      out.push(group);
      group = [];
      bytes = 0;
    }
    group.push(l);
    bytes += size;
  }
  if (group.length > 0) out.push(group);
  return out.filter((g) => g.length >= 2 || g.some((l) => l.only !== null));
}

/**
 * Writes one compacted segment of `group`: its rows copied with their origins into a file in tmp/, its sidecar
 * renamed into the folder first and the segment after, so a reader that lists the segment finds its sidecar.
 * Returns null when an input vanished meanwhile (another compactor's deletion: this group is its business now).
 */
async function writeCompacted(store: SampleStore, table: SegmentTable, folder: string, group: readonly Live[]): Promise<{ rows: number; bytes: number } | null> {
  const files: LiveFile[] = group.map(({ entry, only }) => ({
    path: join(folder, entry.name), name: entry.name, compacted: entry.compacted, only, firstOrigin: (only ?? entry.origins)[0]!,
  }));
  const origins = [...new Set(group.flatMap(({ entry, only }) => only ?? entry.origins))].sort();
  const tmp = tmpSegmentPath(store.dir);
  const sidecarTmp = `${tmp}.sidecar.json`;
  const stem = segmentName().slice(0, -".parquet".length);
  const final = join(folder, stem + COMPACTED_SUFFIX);
  const sidecarFinal = join(folder, stem + SIDECAR_SUFFIX);
  let rows: number;
  try {
    const r = await store.db.runAndReadAll(
      `COPY (SELECT ${castColumns(table, "x")}, x.seg AS origin_segment, x.rn AS origin_row FROM (${rawSelect(table, files)}) x) TO ${sqlString(tmp)} (${SEGMENT_FORMAT})`,
    );
    rows = Number(r.getRowObjectsJS()[0]?.Count ?? 0);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (files.some((f) => !existsSync(f.path))) return null;
    throw storageError(tmpDir(store.dir), e, "cannot write the compacted segment");
  }
  const sidecar: Sidecar = { origins, rows, writer: WRITER_ID, host: hostname(), pid: process.pid, written_at: new Date().toISOString() };
  let sidecarPublished = false;
  try {
    writeWhole(sidecarTmp, JSON.stringify(sidecar) + "\n");
    publishFile(sidecarTmp, sidecarFinal);
    sidecarPublished = true;
    // the grace period runs from the moment the segment appears: its mtime, set just before the rename
    const now = new Date();
    utimesSync(tmp, now, now);
    publishFile(tmp, final);
  } catch (e) {
    rmSync(tmp, { force: true });
    rmSync(sidecarTmp, { force: true });
    if (sidecarPublished) rmSync(sidecarFinal, { force: true });
    throw storageError(final, e, "cannot publish the compacted segment");
  }
  return { rows, bytes: fileSize(final) };
}

/**
 * Deletes the files of `folder` that settled compacted files replace (live-set.ts deletable), each compacted
 * one before its sidecar, and sidecars whose segment never came (their writer died between the two renames).
 */
function removeReplaced(folder: string, graceMs: number): number {
  const now = Date.now();
  const settled = (name: string) => {
    try {
      return now - statSync(join(folder, name)).mtimeMs >= graceMs;
    } catch {
      return false;
    }
  };
  let removed = 0;
  for (const name of deletable(readFolder(folder), settled)) {
    try {
      rmSync(join(folder, name), { force: true });
      if (name.endsWith(COMPACTED_SUFFIX)) rmSync(join(folder, sidecarOf(name)), { force: true });
    } catch (e) {
      throw storageError(join(folder, name), e, "cannot remove a replaced segment");
    }
    removed++;
  }
  if (existsSync(folder)) {
    for (const f of readdirSync(folder).filter((n) => n.endsWith(SIDECAR_SUFFIX))) {
      const segment = f.slice(0, -SIDECAR_SUFFIX.length) + COMPACTED_SUFFIX;
      if (existsSync(join(folder, segment))) continue;
      let sidecar: Sidecar | null = null;
      try {
        sidecar = readSidecar(join(folder, f));
      } catch {
        // not readable as a sidecar: judged by its age alone
      }
      const here = sidecar !== null && sidecar.host === hostname();
      const dead = here ? sidecar!.pid !== process.pid && !pidAlive(sidecar!.pid) : now - mtime(join(folder, f)) > FOREIGN_SIDECAR_AGE_MS;
      if (dead) rmSync(join(folder, f), { force: true });
    }
  }
  return removed;
}

function writeWhole(path: string, text: string): void {
  const fd = openSync(path, "w");
  try {
    const bytes = Buffer.from(text, "utf8");
    for (let off = 0; off < bytes.length; ) {
      const n = writeSync(fd, bytes, off, bytes.length - off);
      if (n <= 0) throw Object.assign(new Error("no bytes written"), { code: "ENOSPC" });
      off += n;
    }
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return Date.now();
  }
}

/** The table a segment folder belongs to (its first component under RUN/store), or null for anything else. */
function tableOf(runDir: string, folder: string): SegmentTable | null {
  const top = relative(storeDir(runDir), folder).split(sep)[0];
  return (SEGMENT_TABLES as readonly string[]).includes(top ?? "") ? (top as SegmentTable) : null;
}
