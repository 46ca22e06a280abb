import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VerifierPool } from "../verify/pool.js";
import { createRewardServer } from "./reward-server.js";

let pool: VerifierPool;
let url: string;
let close: () => void;

beforeAll(async () => {
  pool = new VerifierPool({ workers: 2, timeoutMs: 1000 });
  const server = createRewardServer(pool);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(async () => {
  close();
  await pool.close();
});

const post = async (path: string, body: unknown) => {
  const r = await fetch(url + path, { method: "POST", body: JSON.stringify(body) });
  return { status: r.status, json: (await r.json()) as any };
};

describe("reward server", () => {
  it("answers OpenRLHF's /get_reward with +1/-1 from the response after the prompt", async () => {
    const { status, json } = await post("/get_reward", {
      query: ["Q: 1/2? A: \\boxed{0.5}", "Q: 1/2? A: \\boxed{2}", "Q: x? A: the answer is 3"],
      prompts: ["Q: 1/2? A:", "Q: 1/2? A:", "Q: x? A:"],
      labels: ["\\frac{1}{2}", "\\frac12", "3"],
    });
    expect(status).toBe(200);
    expect(json.rewards).toEqual([1, -1, 1]);
    expect(json.scores).toEqual([1, -1, 1]);
    expect(json.extra_logs.correct).toEqual([1, 0, 1]);
  });

  it("verifies single pairs and rejects malformed payloads", async () => {
    expect((await post("/verify", { gold: "\\sqrt{2}", pred: "\\boxed{1.41}" })).json).toMatchObject({ correct: false, status: "ok" });
    expect((await post("/get_reward", { query: ["a"], labels: [] })).status).toBe(400);
    expect((await post("/nope", {})).status).toBe(404);
  });

  it("holds 200 concurrent requests with a pathological answer among them", async () => {
    const evil = "\\boxed{" + "{".repeat(5000) + "10^{10^{10^{10}}}" + "}".repeat(5000) + "}";
    const started = Date.now();
    const requests = Array.from({ length: 200 }, (_, i) =>
      post("/get_reward", { query: [i === 7 ? evil : `\\boxed{${i}}`], labels: [String(i)] }).then((r) => ({ i, r, ms: Date.now() - started })),
    );
    const results = await Promise.all(requests);
    expect(results.every(({ r }) => r.status === 200)).toBe(true);
    expect(results.filter(({ i }) => i !== 7).every(({ r }) => r.json.rewards[0] === 1)).toBe(true);
    expect(results.find(({ i }) => i === 7)!.r.json.rewards[0]).toBe(-1);
  }, 60_000);
});
