import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import { storeDir, type SegmentTable } from "./segments.js";

/**
 * Which segment files a reader reads: the live set (docs/store.md, "Compaction").
 *
 * A plain segment holds the rows one writer wrote; its *origin* is its own file name. A compacted segment
 * (`<name>.compact.parquet`) holds the rows of several origins, each row carrying its origin's name and its row
 * number there (`origin_segment`, `origin_row`), and its sidecar (`<name>.compact.json`, renamed into place
 * before the segment) lists those origins. So every row of a run has one identity — (origin, row) — wherever it
 * lies, and the order rules of views.ts ("first write wins" by origin name and row) read the same before and
 * after a compaction.
 *
 * The rule: every origin seen in a listing is read from exactly one file that holds it — a compacted one when
 * any does (the one with the most origins, then the smallest name), else its plain file. A file none of whose
 * origins it is chosen for is skipped; a compacted file chosen for only some of its origins (two compactors
 * that ran at once and overlap) is read with a filter on `origin_segment`. No row is read twice, because each
 * origin has one provider and a provider holds all rows of each origin it lists; none is missed, because a file
 * is deleted only while a compacted file holding all its origins has been published for longer than the grace
 * period (compact.ts), so any listing that could miss the one sees the other.
 */
export const COMPACTED_SUFFIX = ".compact.parquet";
export const SIDECAR_SUFFIX = ".compact.json";

/** The sidecar of a compacted segment: its origins, and who wrote it (a sidecar whose segment never came is cleaned). */
export const SidecarSchema = z.object({
  origins: z.array(z.string()).min(1),
  rows: z.number().int().nonnegative(),
  writer: z.string(),
  host: z.string(),
  pid: z.number().int(),
  written_at: z.string(),
});
export type Sidecar = z.infer<typeof SidecarSchema>;

/** One segment file of a folder as listed: its origins (a plain file: itself). */
export type FolderEntry = { name: string; compacted: boolean; origins: readonly string[] };

/** A file to read and, when it is read only in part, the origins to read from it. */
export type LiveFile = { path: string; name: string; compacted: boolean; only: string[] | null; firstOrigin: string };

/** The folders of one table: one per model for samples and grades, the table's own folder otherwise. */
export function tableFolders(runDir: string, table: SegmentTable): string[] {
  const dir = join(storeDir(runDir), table);
  if (!existsSync(dir)) return [];
  if (table !== "samples" && table !== "grades") return [dir];
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort().map((n) => join(dir, n));
}

export function isCompacted(name: string): boolean {
  return name.endsWith(COMPACTED_SUFFIX);
}

export function sidecarOf(name: string): string {
  return name.slice(0, -COMPACTED_SUFFIX.length) + SIDECAR_SUFFIX;
}

/**
 * The segment files of a folder with their origins. A compacted segment whose sidecar is gone is being deleted
 * (the segment goes first, its sidecar after): it is left out when the segment has gone too, and is an error
 * naming the file when the segment is still there (someone removed the sidecar by hand).
 */
export function readFolder(folder: string): FolderEntry[] {
  if (!existsSync(folder)) return [];
  const out: FolderEntry[] = [];
  for (const name of readdirSync(folder).filter((f) => f.endsWith(".parquet") && !f.startsWith(".")).sort()) {
    if (!isCompacted(name)) {
      out.push({ name, compacted: false, origins: [name] });
      continue;
    }
    const sidecar = readSidecar(join(folder, sidecarOf(name)));
    if (sidecar === null) {
      if (!existsSync(join(folder, name))) continue;
      throw new RlvdError("BAD_INPUT", `${join(folder, name)}: compacted segment without its sidecar ${sidecarOf(name)} (the list of segments it replaces); restore it or remove the segment`);
    }
    out.push({ name, compacted: true, origins: sidecar.origins });
  }
  return out;
}

/** A sidecar's contents; null when the file is not there. */
export function readSidecar(path: string): Sidecar | null {
  let raw: string;
  try {
    raw = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  try {
    return SidecarSchema.parse(JSON.parse(raw));
  } catch (e) {
    throw new RlvdError("BAD_INPUT", `${path}: not a compacted segment's sidecar (${e instanceof Error ? e.message.split("\n")[0] : String(e)})`);
  }
}

/** Which file provides which origins: the rule of this file's comment, as a pure function of a folder's entries. */
export function resolveLive(entries: readonly FolderEntry[]): Array<{ entry: FolderEntry; only: string[] | null }> {
  const provider = new Map<string, FolderEntry>();
  for (const c of entries.filter((e) => e.compacted).sort(byRank)) for (const o of c.origins) if (!provider.has(o)) provider.set(o, c);
  for (const p of entries.filter((e) => !e.compacted)) if (!provider.has(p.name)) provider.set(p.name, p);
  const chosen = new Map<FolderEntry, string[]>();
  for (const [origin, entry] of provider) chosen.set(entry, [...(chosen.get(entry) ?? []), origin]);
  return entries
    .filter((e) => chosen.has(e))
    .map((entry) => {
      const mine = chosen.get(entry)!.sort();
      return { entry, only: mine.length === entry.origins.length ? null : mine };
    })
    .sort((a, b) => cmp(first(a.only ?? a.entry.origins), first(b.only ?? b.entry.origins)));
}

/**
 * The files of a folder that may be deleted: those whose every origin a *settled* compacted file holds (one
 * published longer ago than the grace period, `settled(name)`) that outranks them — more origins, or as many and
 * compacted where they are plain, or as many and a smaller name. Outranking is a strict order, so two compactors
 * deleting at once can never delete two files each for the other: the highest-ranked holder of an origin stays.
 */
export function deletable(entries: readonly FolderEntry[], settled: (name: string) => boolean): string[] {
  const holders = entries.filter((e) => e.compacted && settled(e.name)).map((e) => ({ e, set: new Set(e.origins) }));
  return entries
    .filter((f) => holders.some((h) => h.e !== f && byRank(h.e, f) < 0 && f.origins.every((o) => h.set.has(o))))
    .map((f) => f.name);
}

/** The live set of one table: the files a reader reads, in origin order. */
export function liveSegments(runDir: string, table: SegmentTable): LiveFile[] {
  return tableFolders(runDir, table).flatMap((folder) =>
    resolveLive(readFolder(folder)).map(({ entry, only }) => ({
      path: join(folder, entry.name), name: entry.name, compacted: entry.compacted, only, firstOrigin: first(only ?? entry.origins),
    })),
  );
}

export function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** Higher rank first: more origins; then compacted before plain; then the smaller name. */
function byRank(a: FolderEntry, b: FolderEntry): number {
  if (a.origins.length !== b.origins.length) return b.origins.length - a.origins.length;
  if (a.compacted !== b.compacted) return a.compacted ? -1 : 1;
  return cmp(a.name, b.name);
}

function first(names: readonly string[]): string {
  return names.reduce((m, n) => (n < m ? n : m), names[0]!);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
