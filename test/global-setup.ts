import { ensureWasm } from "../src/engine/test-helpers/wasm.js";

/** Once per test run: the engine's wasm kernels exist and are not older than their source. */
export default function setup(): void {
  ensureWasm();
}
