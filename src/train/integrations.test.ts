// integrations/verl_reward.py and integrations/trl_reward.py against a real `rlvd reward-server` process,
// called exactly as the trainers call them: verl's reward loop and NaiveRewardManager pass data_source,
// solution_str, ground_truth, extra_info (with num_turns, rollout_reward_scores) and, with a reward router,
// reward_router_address and reward_model_tokenizer (verl/experimental/reward_loop/reward_manager/naive.py,
// verl 0.7); BatchRewardManager passes data_sources, solution_strs, ground_truths, extra_infos
// (verl/workers/reward_manager/batch.py); TRL's GRPOTrainer passes prompts, completions, completion_ids,
// trainer_state and the dataset's other columns, all by keyword (trl/trainer/grpo_trainer.py, v1.9.0).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../test-helpers/cli.js";
import { openrlhfVariants } from "./openrlhf-fixtures.js";

const python = spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;
if (!python) console.warn("integrations.test.ts: python3 not found, skipping the verl/TRL integration tests (CI has python3)");
const root = join(import.meta.dirname, "../..");

/** `rlvd reward-server ARGS` as a child process; resolves once it prints its address. */
async function startServer(...args: string[]): Promise<{ child: ChildProcess; url: string; err: () => string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "src/test-helpers/cli-entry.ts"), "reward-server", "--port", "0", "--workers", "1", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => void (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /reward server at (http:\/\/\S+) /.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`reward-server exited with ${code}: ${err}`)));
  });
  return { child, url, err: () => err };
}

let server: ChildProcess;
let url: string;
beforeAll(async () => {
  ({ child: server, url } = await startServer("--api-key", "py-key", "--reward-values", "1,-1"));
}, 60_000);
afterAll(() => server?.kill("SIGTERM"));

describe("rlvd reward-server, the command", () => {
  it("replays every OpenRLHF payload variant to the right reward", async () => {
    for (const { name, payload, correct } of openrlhfVariants()) {
      const r = await fetch(url + "/get_reward", { method: "POST", body: JSON.stringify(payload), headers: { authorization: "Bearer py-key" } });
      expect([name, r.status, ((await r.json()) as { rewards: number[] }).rewards]).toEqual([name, 200, correct.map((c) => (c ? 1 : -1))]);
    }
  });

  it("warns when it listens beyond this machine without a key, and refuses bad --reward-values (exit 2)", async () => {
    const open = await startServer("--host", "0.0.0.0");
    await new Promise((r) => setTimeout(r, 100));
    open.child.kill("SIGTERM");
    expect(open.err()).toMatch(/^warning: reward-server listens on 0\.0\.0\.0 without an API key/);
    const bad = await runCli("reward-server", "--reward-values", "1");
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/expected CORRECT,WRONG \(two numbers, e\.g\. 1,-1\), got "1"/)]);
  }, 60_000);
});

function runPython(script: string, env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(python!, ["-c", script], { cwd: root, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", RLVD_REWARD_URL: url, RLVD_API_KEY: "py-key", ...env }, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.skipIf(!python)("Python integrations against rlvd reward-server", () => {
  it("verl: compute_score with the reward loop's keywords, compute_score_batch as BatchRewardManager calls it", () => {
    const r = runPython(`
import json, sys
sys.path.insert(0, "integrations")
import verl_reward as v
extra = {"split": "test", "index": 3, "num_turns": None, "rollout_reward_scores": {}}
one = v.compute_score(data_source="openai/gsm8k", solution_str="so the answer is \\\\boxed{72}", ground_truth="72", extra_info=extra,
                      reward_router_address="127.0.0.1:9999", reward_model_tokenizer=None)
wrong = v.compute_score("openai/gsm8k", "\\\\boxed{71}", "72", extra)
batch = v.compute_score_batch(data_sources=["a", "a", "b"], solution_strs=["\\\\boxed{\\\\frac12}", "\\\\boxed{3}", "x = 0.5"],
                              ground_truths=["0.5", 4, ["1/2", "0.5"]], extra_infos=[extra, extra, extra])
print(json.dumps({"one": one, "wrong": wrong, "batch": batch, "empty": v.compute_score_batch([], [], [], []),
                  "float": v.compute_score_float(data_source="d", solution_str="\\\\boxed{2}", ground_truth=2, extra_info=None)}))
`);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      one: { score: 1, acc: 1 },
      wrong: { score: -1, acc: 0 },
      batch: [{ score: 1, acc: 1 }, { score: -1, acc: 0 }, { score: 1, acc: 1 }],
      empty: [],
      float: 1,
    });
  });

  it("TRL: rlvd_reward with GRPOTrainer's keywords, standard and conversational completions", () => {
    const r = runPython(`
import json, sys
sys.path.insert(0, "integrations")
from trl_reward import rlvd_reward
std = rlvd_reward(prompts=["Q1", "Q2"], completions=[" \\\\boxed{2}", " \\\\boxed{5}"], completion_ids=[[1], [2]],
                  trainer_state=object(), ground_truth=["2", "4"], question_id=["a", "b"])
conv = rlvd_reward(prompts=[[{"role": "user", "content": "Q"}]], completions=[[{"role": "assistant", "content": "it is \\\\boxed{\\\\sqrt{4}}"}]],
                   completion_ids=[[1]], ground_truth=[2], log_extra=None, log_metric=None)
print(json.dumps({"std": std, "conv": conv}))
`);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ std: [1, -1], conv: [1] });
  });

  it("sends the key from RLVD_API_KEY, and says which variable to set when it is wrong", () => {
    const r = runPython(`
import sys
sys.path.insert(0, "integrations")
import verl_reward as v
v.compute_score("d", "\\\\boxed{1}", "1")
`, { RLVD_API_KEY: "" });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/RuntimeError: rlvd reward server http:\/\/\S+\/get_reward: HTTP 401: Unauthorized.*set RLVD_API_KEY/);
  });

  it("passes a 400 naming the item on to the trainer", () => {
    const r = runPython(`
import sys
sys.path.insert(0, "integrations")
from trl_reward import rlvd_reward
rlvd_reward(completions=["\\\\boxed{1}", "\\\\boxed{2}"], ground_truth=["1", ""])
`);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/HTTP 400: labels\[1\]: empty label/);
  });
});
