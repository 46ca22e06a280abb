import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { pidAlive, storeDir, tmpDir, WRITER_ID } from "./segments.js";

/**
 * Live writers of a run: each writing command keeps RUN/store/writers/<writer>.json current (what it writes,
 * how far it is), so `rlvd status` can say who is writing, how fast, and when it will be done. Written as a
 * temp file and renamed (no locks, safe on a shared filesystem); removed when the writer ends.
 */
export const WriterInfoSchema = z.object({
  writer: z.string(),
  host: z.string(),
  pid: z.number(),
  command: z.string(),
  model: z.string().nullable(),
  /** the shard, "I/N", when one model's sampling is split */
  shard: z.string().nullable(),
  started_at: z.string(),
  updated_at: z.string(),
  /** samples this writer has written (acknowledged) and means to write in all */
  written: z.number(),
  target: z.number().nullable(),
});
export type WriterInfo = z.infer<typeof WriterInfoSchema>;

/** How long a writer on another host may stay silent before it no longer counts as active. */
const STALE_MS = 120_000;

export class WriterRecord {
  private readonly info: WriterInfo;
  private readonly file: string;

  constructor(private readonly runDir: string, what: { command: string; model?: string | null; shard?: string | null; target?: number | null }) {
    const now = new Date().toISOString();
    this.info = {
      writer: WRITER_ID, host: hostname(), pid: process.pid, command: what.command, model: what.model ?? null, shard: what.shard ?? null,
      started_at: now, updated_at: now, written: 0, target: what.target ?? null,
    };
    this.file = join(storeDir(runDir), "writers", `${WRITER_ID}.json`);
    this.write();
  }

  update(written: number): void {
    this.info.written = written;
    this.info.updated_at = new Date().toISOString();
    this.write();
  }

  private write(): void {
    try {
      const tmp = join(tmpDir(this.runDir), `${WRITER_ID}-writer.json`);
      writeFileSync(tmp, JSON.stringify(this.info) + "\n");
      renameSync(tmp, this.file);
    } catch {
      // progress reporting only: a full disk shows up in the segment writes, named there
    }
  }

  close(): void {
    rmSync(this.file, { force: true });
  }
}

/** The writers of a run that are alive (same host: the pid runs; another host: updated within STALE_MS). */
export function activeWriters(runDir: string): WriterInfo[] {
  const dir = join(storeDir(runDir), "writers");
  if (!existsSync(dir)) return [];
  const out: WriterInfo[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
    let info: WriterInfo;
    try {
      info = WriterInfoSchema.parse(JSON.parse(readFileSync(join(dir, f), "utf8")));
    } catch {
      continue; // replaced between listing and reading, or not ours
    }
    const alive = info.host === hostname() ? pidAlive(info.pid) : Date.now() - Date.parse(info.updated_at) < STALE_MS;
    if (alive) out.push(info);
  }
  return out;
}
