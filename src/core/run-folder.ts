import { mkdir, readdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "./errors.js";
import { VERSION } from "./version.js";

/**
 * A run folder holds everything about one study: `store/` (the sample store's segments; `rlvd.duckdb` in
 * run folders of older versions), `run.json` (this manifest) and `history/` (its entries, one file each),
 * `metrics.json`, `report.html`, checkpoints. The manifest records what was done to the folder and when.
 */
export const RUN_FILES = { db: "rlvd.duckdb", store: "store", manifest: "run.json", history: "history", metrics: "metrics.json", report: "report.html" } as const;

const ManifestSchema = z.object({
  rlvd_version: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  history: z.array(z.record(z.string(), z.unknown())),
}).passthrough();
export type RunManifest = z.infer<typeof ManifestSchema>;

export function runPath(dir: string, file: keyof typeof RUN_FILES): string {
  return join(dir, RUN_FILES[file]);
}

/** Creates the folder and its manifest if needed. */
export async function ensureRunFolder(dir: string): Promise<void> {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new RlvdError("BAD_ARGUMENT", `${dir}: exists and is not a folder`);
  await mkdir(dir, { recursive: true });
  if (!existsSync(runPath(dir, "manifest"))) {
    const now = new Date().toISOString();
    await writeManifest(dir, { rlvd_version: VERSION, created_at: now, updated_at: now, history: [] });
  }
}

/** Fails with a clear message unless `dir` is a run folder with a store. */
export function requireRunFolder(dir: string): void {
  if (!existsSync(runPath(dir, "store")) && !existsSync(runPath(dir, "db"))) {
    throw new RlvdError("NOT_FOUND", `${dir}: not a run folder (no ${RUN_FILES.store}/ or ${RUN_FILES.db}); create one with 'rlvd import' or 'rlvd sample'`);
  }
}

export async function readManifest(dir: string): Promise<RunManifest> {
  const file = runPath(dir, "manifest");
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch {
    throw new RlvdError("NOT_FOUND", `${file}: missing run manifest`);
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (e) {
    throw new RlvdError("BAD_INPUT", `${file}: malformed JSON (${(e as Error).message})`);
  }
  const parsed = ManifestSchema.safeParse(json);
  if (!parsed.success) throw new RlvdError("BAD_INPUT", `${file}: not an rlvd run manifest (${parsed.error.issues[0]?.message})`);
  return mergeHistory(dir, parsed.data);
}

/**
 * Appends one entry to the run's history. Many writers record at once (samplers on several hosts, imports), so
 * an entry is never added by rewriting a shared file, which would lose a concurrent writer's entry: each is its
 * own file, `RUN/history/<time>-<host>-<pid>-<random>.json`, written under a temporary name and renamed (no
 * locks; a shared filesystem is fine). run.json is then rewritten with the merged history for people reading
 * it by eye; readManifest merges the files itself, so an entry missing from run.json after a race is still read.
 */
export async function recordInManifest(dir: string, entry: Record<string, unknown>): Promise<void> {
  const now = new Date().toISOString();
  const id = `${Date.now().toString(36).padStart(9, "0")}-${hostname().replace(/[^A-Za-z0-9.-]/g, "_")}-${process.pid}-${randomBytes(4).toString("hex")}`;
  const folder = runPath(dir, "history");
  await mkdir(folder, { recursive: true });
  const file = join(folder, `${id}.json`);
  await writeFile(`${file}.tmp`, JSON.stringify({ at: now, ...entry, id, rlvd_version: VERSION }) + "\n");
  await rename(`${file}.tmp`, file);
  const manifest = await readManifest(dir);
  manifest.updated_at = now;
  manifest.rlvd_version = VERSION;
  await writeManifest(dir, manifest);
}

/**
 * run.json with its history merged from RUN/history/: the entries run.json holds without an `id` (written by
 * older versions) first, in their order, then every entry file's by time (then id), each once.
 */
async function mergeHistory(dir: string, manifest: RunManifest): Promise<RunManifest> {
  const folder = runPath(dir, "history");
  const names = existsSync(folder) ? (await readdir(folder)).filter((f) => f.endsWith(".json")).sort() : [];
  const byId = new Map<string, Record<string, unknown>>();
  for (const h of manifest.history) if (typeof h.id === "string") byId.set(h.id, h);
  for (const name of names) {
    try {
      const h = z.record(z.string(), z.unknown()).parse(JSON.parse(await readFile(join(folder, name), "utf8")));
      byId.set(typeof h.id === "string" ? h.id : name.slice(0, -5), h);
    } catch {
      // a file that is not an entry (put there by hand): run.json's copy, if any, stands
    }
  }
  const old = manifest.history.filter((h) => typeof h.id !== "string");
  const at = (h: Record<string, unknown>) => (typeof h.at === "string" ? h.at : "");
  const entries = [...byId.values()].sort((a, b) => (at(a) < at(b) ? -1 : at(a) > at(b) ? 1 : String(a.id) < String(b.id) ? -1 : 1));
  return { ...manifest, history: [...old, ...entries] };
}

async function writeManifest(dir: string, manifest: RunManifest): Promise<void> {
  const file = runPath(dir, "manifest");
  // unique per writer: two processes (or two calls in one) never write the same temporary file
  const tmp = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + "\n");
  await rename(tmp, file);
}
