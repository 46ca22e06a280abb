// Tests need build/kernels.wasm; `npm install` builds it (prepare -> build). When it is missing or older
// than assembly/kernels.ts (an edit without a rebuild), build it here, atomically (test files run in parallel).
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { WASM_PATH } from "../kernels_wasm.js";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export function ensureWasm(): void {
  const src = join(ROOT, "assembly", "kernels.ts");
  if (existsSync(WASM_PATH) && statSync(WASM_PATH).mtimeMs >= statSync(src).mtimeMs) return;
  mkdirSync(dirname(WASM_PATH), { recursive: true });
  const tmp = `${WASM_PATH}.${process.pid}.tmp`;
  execFileSync(process.execPath, [join(ROOT, "node_modules", "assemblyscript", "bin", "asc.js"), src, "-o", tmp, "-O3", "--noAssert",
    "--runtime", "stub", "--importMemory", "--sharedMemory", "--initialMemory", "1", "--maximumMemory", "65536", "--enable", "simd,threads"],
    { cwd: ROOT, stdio: "inherit" });
  renameSync(tmp, WASM_PATH);
}
