import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

// DESIGN.md: one folder per layer; a layer imports only the layers beside (same rank) or below it.
const RANK: Record<string, number> = {
  core: 0,
  verify: 1, metrics: 1, world: 1, engine: 1,
  store: 2,
  backends: 3,
  train: 4, report: 4,
  experiment: 5,
  cli: 6,
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === "test-helpers" ? [] : sourceFiles(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Every import of a non-test source file under `root` that goes up the layers, or into the package index. */
function layerViolations(root: string): string[] {
  const layerOf = (path: string) => {
    const top = relative(root, path).split(/[\\/]/)[0]!;
    return top in RANK ? top : null;
  };
  const violations: string[] = [];
  for (const file of sourceFiles(root)) {
    const from = layerOf(file);
    if (from === null) continue; // src/index.ts re-exports the layers
    const specifiers = [...readFileSync(file, "utf8").matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]!);
    for (const target of specifiers.map((s) => resolve(dirname(file), s))) {
      const to = layerOf(target);
      const name = `${relative(root, file)} (${from}) imports ${relative(root, target)}`;
      if (to === null) {
        if (relative(root, target) === "index.js") violations.push(`${name}: the package index`);
      } else if (RANK[to]! > RANK[from]!) violations.push(`${name} (${to})`);
    }
  }
  return violations;
}

/** The store's tables (store/schema.ts); SQL naming them belongs in store/, behind its typed API. */
const STORE_TABLES = ["samples", "models", "questions", "counts", "sample_failures", "rlvd_meta"];
const STORE_SQL = new RegExp(`\\b(?:FROM|JOIN|INTO|UPDATE|TABLE|DESCRIBE)\\s+(?:${STORE_TABLES.join("|")})\\b`);

/** `file:line` of every non-test source line outside store/ that holds SQL on a store table. */
function rawStoreSql(root: string): string[] {
  const found: string[] = [];
  for (const file of sourceFiles(root)) {
    if (relative(root, file).split(/[\\/]/)[0] === "store") continue;
    readFileSync(file, "utf8").split("\n").forEach((line, i) => {
      if (STORE_SQL.test(line)) found.push(`${relative(root, file)}:${i + 1}`);
    });
  }
  return found;
}

describe("layers", () => {
  const src = dirname(fileURLToPath(import.meta.url));

  it("every folder under src/ is a known layer", () => {
    const folders = readdirSync(src, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    expect(folders.filter((f) => !(f in RANK) && f !== "test-helpers")).toEqual([]);
  });

  it("a layer imports only the layers beside or below it", () => {
    expect(layerViolations(src)).toEqual([]);
  });

  it("the check finds an upward import and an import of the package index", () => {
    const root = mkdtempSync(join(tmpdir(), "rlvd-layers-"));
    try {
      for (const d of ["metrics", "experiment", "store"]) mkdirSync(join(root, d));
      writeFileSync(join(root, "metrics", "a.ts"), 'import { b } from "../experiment/b.js";\nimport { c } from "../core/c.js";\n');
      writeFileSync(join(root, "store", "d.ts"), 'export * from "../index.js";\nimport { a } from "../metrics/a.js";\n');
      writeFileSync(join(root, "metrics", "a.test.ts"), 'import { b } from "../experiment/b.js";\n');
      expect(layerViolations(root)).toEqual([
        "metrics/a.ts (metrics) imports experiment/b.js (experiment)",
        "store/d.ts (store) imports index.js: the package index",
      ]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it("no raw SQL on the store's tables outside store/", () => {
    expect(rawStoreSql(src)).toEqual([]);
  });

  it("the SQL check finds a query on a store table outside store/ and nothing else", () => {
    const root = mkdtempSync(join(tmpdir(), "rlvd-layers-"));
    try {
      for (const d of ["report", "store", "train"]) mkdirSync(join(root, d));
      writeFileSync(join(root, "report", "a.ts"), 'const x = 1;\nawait s.all("SELECT name, spec FROM models");\n// counts taken from samples\n');
      writeFileSync(join(root, "train", "b.ts"), 'await s.run(`UPDATE samples SET correct = true`);\nawait db.run("COPY (SELECT * FROM read_json(?)) TO x");\n');
      writeFileSync(join(root, "store", "c.ts"), 'await s.all("SELECT * FROM samples");\n');
      writeFileSync(join(root, "report", "a.test.ts"), 'await s.all("SELECT * FROM samples");\n');
      expect(rawStoreSql(root)).toEqual(["report/a.ts:2", "train/b.ts:1"]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
