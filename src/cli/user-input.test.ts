// What a new user can type, probed: every bad value is one line naming the option and what it accepts (exit 2),
// every refused file or folder one line naming it (exit 1), never "internal error" and a stack.
import { createServer, type Server } from "node:net";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../test-helpers/cli.js";
import { useTmpDirs, writeJsonl } from "../test-helpers/tmp.js";
import { EXIT_CODES, UsageError } from "../core/errors.js";
import { integer, list, nonNegativeInt, number, probability, seed } from "./parsers.js";

const tmp = useTmpDirs();

/** A run folder with counts of two models on 12 questions. */
async function countsRun(): Promise<{ dir: string; run: string }> {
  const dir = tmp();
  const run = join(dir, "run");
  const lines = [];
  for (let q = 0; q < 12; q++) {
    lines.push({ question: `q${q}`, model: "base", n: 8, correct: q % 9 });
    lines.push({ question: `q${q}`, model: "rl", n: 8, correct: Math.min(8, (q % 9) + 1) });
  }
  expect(await runCli("import", "counts", writeJsonl(dir, "c.jsonl", lines), "--run", run)).toMatchObject({ code: 0 });
  return { dir, run };
}

/** One line on stderr, no stack. */
function oneLine(err: string): string {
  expect(err).not.toMatch(/internal error|\n\s+at /);
  expect(err.split("\n")).toHaveLength(2); // the line and the empty string after its newline
  return err;
}

describe("the shared parsers", () => {
  const bad = (parse: (v: string, o: string) => unknown, v: string) => {
    try {
      parse(v, "--x");
    } catch (e) {
      return e instanceof UsageError ? e.message : `not a UsageError: ${String(e)}`;
    }
    return "accepted";
  };

  it("read decimal notation only, and check the range they name", () => {
    const int = integer(1, 10);
    expect([int("1", "--x"), int("10", "--x"), int("1e1", "--x"), int(" 3 ", "--x")]).toEqual([1, 10, 10, 3]);
    for (const v of ["0", "11", "1.5", "", " ", "0x5", "5abc", "NaN", "Infinity", "-1", "1,000"]) {
      expect(bad(int, v), v).toBe(`--x must be an integer from 1 to 10 (got ${JSON.stringify(v)})`);
    }
    expect(bad(nonNegativeInt, "-1")).toBe('--x must be a non-negative integer (got "-1")');
    expect(bad(number({ min: 0, max: 0.5, open: true }), "0.5")).toBe('--x must be a number between 0 and 0.5 (exclusive) (got "0.5")');
    expect(bad(probability, "1.01")).toBe('--x must be a number in [0, 1] (got "1.01")');
    expect(probability("1", "--x")).toBe(1);
  });

  it("take seeds as the random streams do: 0 .. 2^32 - 1", () => {
    expect(seed("4294967295", "--seed")).toBe(4294967295);
    expect(bad(seed, "4294967296")).toMatch(/from 0 to 4294967295/);
    expect(bad(seed, "1e20")).toMatch(/from 0 to 4294967295/);
  });

  it("name the bad item of a list", () => {
    expect(list(nonNegativeInt)("1, 4,16", "--k")).toEqual([1, 4, 16]);
    expect(bad(list(nonNegativeInt), "1,x")).toBe('--x: "x" in "1,x" is not a non-negative integer');
    expect(bad(list(nonNegativeInt), ",")).toBe('--x must be a comma-separated list (got ",")');
  });

  it("map usage errors to exit 2 and the rest to 1, in one table", () => {
    expect(EXIT_CODES.USAGE).toBe(2);
    expect(Object.entries(EXIT_CODES).filter(([, c]) => c === 2).map(([k]) => k)).toEqual(["USAGE"]);
  });
});

describe("bad values on the command line", () => {
  it("analyze --seed abc / 1e20 / -1 and report --seed x are usage errors, not NaN or a wrapped seed", async () => {
    const { run } = await countsRun();
    for (const value of ["abc", "1e20", "-1", "4294967296"]) {
      const r = await runCli("analyze", run, "--seed", value);
      expect(r.code, value).toBe(2);
      expect(oneLine(r.err)).toBe(`rlvd: --seed must be an integer from 0 to 4294967295 (got ${JSON.stringify(value)})\n`);
    }
    expect(await runCli("report", run, "--seed", "x")).toMatchObject({ code: 2 });
  });

  it("distill-set --min-base-accuracy 2 names the option and [0, 1]", async () => {
    const { run } = await countsRun();
    const r = await runCli("distill-set", run, "--from", "rl", "--min-base-accuracy", "2");
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe('rlvd: --min-base-accuracy must be a number in [0, 1] (got "2")\n');
  });

  it("serve --port 99999 is refused before the checkpoint is read", async () => {
    const r = await runCli("serve", "--checkpoint", join(tmp(), "none"), "--port", "99999");
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toBe('rlvd: --port must be a port from 1 to 65535 (0: any free port) (got "99999")\n');
    expect((await runCli("reward-server", "--port", "-1")).code).toBe(2);
  });

  it("sample -k 1e9 and --seed 1e20 are refused at once, before any dataset or server is touched", async () => {
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }]);
    const base = ["sample", "--model", "openai:m@http://127.0.0.1:9", "--dataset", data, "--run", join(dir, "run")];
    const started = Date.now();
    const k = await runCli(...base, "-k", "1e9");
    expect(k.code).toBe(2);
    expect(oneLine(k.err)).toBe('rlvd: --k must be an integer from 1 to 65536 (got "1e9")\n');
    const s = await runCli(...base, "-k", "2", "--seed", "1e20");
    expect(s.code).toBe(2);
    expect(s.err).toMatch(/^rlvd: --seed must be an integer from 0 to 4294967295/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(existsSync(join(dir, "run"))).toBe(false);
  });

  it("plan --max-n above what sample takes, and analyze --resamples 1e9, are refused instead of running for minutes", async () => {
    const { run } = await countsRun();
    expect(oneLine((await runCli("plan", run, "--width", "0.1", "--max-n", "1e12")).err)).toMatch(/--max-n must be an integer from 1 to 65536/);
    expect(oneLine((await runCli("analyze", run, "--resamples", "1e9")).err)).toMatch(/--resamples must be a positive integer up to 1000000/);
  });

  it("a later bad flag is reported before a missing input file, and nothing is created for a refused command line", async () => {
    const dir = tmp();
    const r = await runCli("sample", "--model", "openai:m@http://127.0.0.1:9", "--dataset", join(dir, "none.jsonl"), "-k", "1", "--run", join(dir, "run"), "--top-p", "2");
    expect(r.code).toBe(2);
    expect(oneLine(r.err)).toMatch(/--top-p must be a number in \[0, 1\]/);
    const missing = await runCli("sample", "--model", "openai:m@http://127.0.0.1:9", "--dataset", join(dir, "none.jsonl"), "-k", "1", "--run", join(dir, "run"));
    expect(missing.code).toBe(2);
    expect(oneLine(missing.err)).toBe(`rlvd: --dataset ${join(dir, "none.jsonl")}: no such file\n`);
    expect(existsSync(join(dir, "run"))).toBe(false);
  });
});

describe("paths", () => {
  it("--out into a folder that does not exist creates it (analyze, report, verify, export)", async () => {
    const { dir, run } = await countsRun();
    const json = join(dir, "new", "deep", "metrics.json");
    const a = await runCli("analyze", run, "--json", "--out", json);
    expect(a.code).toBe(0);
    expect(readFileSync(json, "utf8")).toBe(a.out);
    const html = join(dir, "reports", "r.html");
    expect((await runCli("report", run, "--out", html)).code).toBe(0);
    expect(existsSync(join(dir, "reports", "summary.md"))).toBe(true);
    const cases = writeJsonl(dir, "cases.jsonl", [{ gold: "2", pred: "\\boxed{2}" }]);
    const v = join(dir, "verified", "out.jsonl");
    expect((await runCli("verify", "--file", cases, "--out", v, "--workers", "1")).code).toBe(0);
    expect(JSON.parse(readFileSync(v, "utf8")).correct).toBe(true);
    const e = join(dir, "exports", "samples.jsonl");
    const exported = await runCli("export", "jsonl", "--run", run, "--out", e);
    expect(exported.code, exported.err).toBe(0);
  });

  it("--out through a file, or onto a folder, is a one-line usage error", async () => {
    const { dir, run } = await countsRun();
    const file = join(dir, "f.txt");
    writeFileSync(file, "x");
    const through = await runCli("analyze", run, "--out", join(file, "m.json"));
    expect(through.code).toBe(2);
    expect(oneLine(through.err)).toBe(`rlvd: --out ${join(file, "m.json")}: ${file} is a file, not a folder\n`);
    const onto = await runCli("analyze", run, "--out", dir);
    expect(onto.code).toBe(2);
    expect(oneLine(onto.err)).toBe(`rlvd: --out ${dir}: is a folder; give a file path\n`);
    expect(oneLine((await runCli("report", run, "--specs", file)).err)).toMatch(/--specs .*f\.txt: exists and is not a folder/);
  });

  it("a missing run folder and a run folder that is a file are one line each (exit 1)", async () => {
    const dir = tmp();
    const file = join(dir, "f.txt");
    writeFileSync(file, "x");
    for (const argv of [["analyze", join(dir, "none")], ["analyze", file], ["report", file], ["grade", file], ["plan", file, "--width", "0.1"], ["distill-set", file, "--from", "m"]]) {
      const r = await runCli(...argv);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(oneLine(r.err), argv.join(" ")).toMatch(/^rlvd: .*: not a run folder/);
    }
    const into = await runCli("import", "counts", file, "--run", file);
    expect(into.code).toBe(2);
    expect(oneLine(into.err)).toBe(`rlvd: --run ${file}: exists and is not a folder\n`);
  });
});

describe("servers and imports", () => {
  it("serve on a port in use names the port in one line", async () => {
    const dir = tmp();
    const ck = join(dir, "m");
    expect((await runCli("model", "init", "--out", ck, "--dim", "8", "--layers", "1", "--heads", "2", "--vocab", "20", "--context", "8")).code).toBe(0);
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runCli("serve", "--checkpoint", ck, "--port", String(port));
      expect(r.code).toBe(1);
      expect(oneLine(r.err)).toBe(`rlvd: 127.0.0.1:${port} is already in use (stop the other server or pick another --port)\n`);
      const rs = await runCli("reward-server", "--port", String(port), "--workers", "1");
      expect(rs.code).toBe(1);
      expect(oneLine(rs.err)).toMatch(new RegExp(`^rlvd: 127\\.0\\.0\\.1:${port} is already in use`));
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 60_000);

  it("an import with sample_index 3e9 names file:line and the store's limit", async () => {
    const dir = tmp();
    const file = writeJsonl(dir, "big.jsonl", [
      { model: "m", question: "q", sample_index: 0, response: "a" },
      { model: "m", question: "q", sample_index: 3e9, response: "b" },
    ]);
    const r = await runCli("import", "samples", file, "--run", join(dir, "run"));
    expect(r.code).toBe(1);
    expect(oneLine(r.err)).toBe(`rlvd: ${file}:2: field "sample_index": must be at most 2147483647 (the store's 32-bit index)\n`);
  });
});
