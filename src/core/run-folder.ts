import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "./errors.js";
import { VERSION } from "./version.js";

/**
 * A run folder holds everything about one study: `store/` (the sample store's segments; `rlvd.duckdb` in
 * run folders of older versions), `run.json` (this manifest),
 * `metrics.json`, `report.html`, checkpoints. The manifest records what was done to the folder and when.
 */
export const RUN_FILES = { db: "rlvd.duckdb", store: "store", manifest: "run.json", metrics: "metrics.json", report: "report.html" } as const;

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
  return parsed.data;
}

/** Appends one entry to the manifest's history (written atomically: temp file + rename). */
export async function recordInManifest(dir: string, entry: Record<string, unknown>): Promise<void> {
  const manifest = await readManifest(dir);
  const now = new Date().toISOString();
  manifest.history.push({ at: now, ...entry });
  manifest.updated_at = now;
  manifest.rlvd_version = VERSION;
  await writeManifest(dir, manifest);
}

async function writeManifest(dir: string, manifest: RunManifest): Promise<void> {
  const file = runPath(dir, "manifest");
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + "\n");
  await rename(tmp, file);
}
