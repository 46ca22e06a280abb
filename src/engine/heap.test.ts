import { beforeAll, describe, expect, it } from "vitest";
import { wasmRuntime } from "./kernels_wasm.js";
import { ensureWasm } from "./test-helpers/wasm.js";

beforeAll(() => ensureWasm());

describe("wasm heap", () => {
  it("hands out zeroed buffers, also where a released buffer lay at the top of the heap", async () => {
    const { kernels } = await wasmRuntime();
    const a = kernels.alloc(1000);
    a.fill(7);
    kernels.free(a); // a was the topmost block: the heap's top moves back over its (dirty) bytes
    const b = kernels.alloc(1000);
    expect(b.byteOffset).toBe(a.byteOffset);
    expect(b.every((x) => x === 0)).toBe(true);
    const c = kernels.alloc(10);
    c.fill(3);
    const d = kernels.alloc(10);
    kernels.free(c); // c is now a hole in the free list
    const e = kernels.alloc(10);
    expect(e.every((x) => x === 0)).toBe(true);
    for (const x of [b, d, e]) kernels.free(x);
  });
});
