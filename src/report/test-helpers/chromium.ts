/** Headless Chromium for report tests: Debian's `chromium` package, run without a sandbox or GPU (as in CI). */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The first of chromium / chromium-browser / google-chrome on PATH ($CHROMIUM overrides), or null. */
export function findChromium(): string | null {
  if (process.env.CHROMIUM && existsSync(process.env.CHROMIUM)) return process.env.CHROMIUM;
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir && existsSync(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

async function headless(binary: string, args: string[], url: string): Promise<{ stdout: string; stderr: string }> {
  // a private profile per run: several test processes (and engineers) may run Chromium at once
  const profile = mkdtempSync(join(tmpdir(), "rlvd-chromium-"));
  try {
    return await run(binary, [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions", "--hide-scrollbars",
      `--user-data-dir=${profile}`, "--enable-logging=stderr", "--v=0", ...args, url,
    ], { timeout: 60_000, maxBuffer: 256 * 1024 * 1024 });
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

export function fileUrl(file: string, hash = ""): string {
  return pathToFileURL(file).href + (hash ? `#${hash}` : "");
}

/** The DOM after load and scripts (virtual time lets the page's script finish). Console errors come back too. */
export async function dumpDom(binary: string, url: string): Promise<{ dom: string; consoleErrors: string[] }> {
  const { stdout, stderr } = await headless(binary, ["--dump-dom", "--virtual-time-budget=3000"], url);
  const consoleErrors = stderr.split("\n").filter((l) => /CONSOLE|Uncaught/.test(l) && /error|Uncaught/i.test(l));
  return { dom: stdout, consoleErrors };
}

export async function screenshot(binary: string, url: string, png: string, width = 1280, height = 8000): Promise<void> {
  await headless(binary, [`--screenshot=${png}`, `--window-size=${width},${height}`, "--virtual-time-budget=3000"], url);
}
