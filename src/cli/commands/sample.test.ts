import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runCli } from "../../test-helpers/cli.js";
import { startFakeOpenAI } from "../../test-helpers/fake-openai.js";
import { useTmpDirs, writeJsonl } from "../../test-helpers/tmp.js";

const tmp = useTmpDirs();
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe("rlvd sample", () => {
  it("samples a dataset through an OpenAI-compatible server", async () => {
    const s = await startFakeOpenAI();
    servers.push(s);
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }, { problem: "2+2?", answer: "4" }]);
    const r = await runCli("sample", "--model", `openai:tiny@${s.url}`, "--dataset", data, "-k", "5", "--run", join(dir, "run"), "--json");
    expect(r.err).not.toMatch(/rlvd:/);
    expect(JSON.parse(r.out)).toMatchObject({ model: "tiny", questions: 2, written: 10 });
    expect(s.requests.map((q) => q.n)).toEqual([5, 5]);
  });

  it("rejects bad settings with one-line errors", async () => {
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }]);
    const run = join(dir, "run");
    const base = ["sample", "--dataset", data, "-k", "2", "--run", run];
    expect((await runCli(...base, "--model", "openai:m@http://127.0.0.1:1", "--template", "nope")).err).toMatch(/unknown template "nope": not one of question, boxed, r1/);
    expect((await runCli(...base, "--model", "openai:m@http://127.0.0.1:1", "--temperature", "-1")).err).toMatch(/--temperature must be a number in \[0, 5\]/);
    expect((await runCli(...base, "--model", "gpt"))).toMatchObject({ code: 1 });
    const missing = writeJsonl(dir, "m.jsonl", [{ problem: "1+1?" }]);
    expect((await runCli("sample", "--dataset", missing, "-k", "2", "--run", run, "--model", "openai:m@http://127.0.0.1:1")).err).toMatch(/m\.jsonl:1: no answer field/);
  });

  it("reports an unreachable server by its URL", async () => {
    const s = await startFakeOpenAI();
    await s.close();
    const dir = tmp();
    const data = writeJsonl(dir, "d.jsonl", [{ problem: "1+1?", answer: "2" }]);
    const r = await runCli("sample", "--model", `openai:m@${s.url}`, "--dataset", data, "-k", "1", "--run", join(dir, "run"), "--timeout", "1", "--max-attempts", "2");
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`${s.url.replace(/[/.]/g, "\\$&")}: ECONNREFUSED.*0 new samples were kept`));
  }, 60_000);
});
