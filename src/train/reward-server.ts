import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { requireApiKey } from "../core/auth.js";
import { HttpError, readJsonBody, sendJson } from "../core/http.js";
import type { VerifierPool } from "../verify/pool.js";
import { findResponse } from "./response-span.js";

// OpenRLHF's remote reward protocol: POST {query, prompts, labels}, answered with {rewards, scores, extra_logs}
// (openrlhf/utils/agent.py, SingleTurnAgentExecutor._fetch_rewards_via_http, v0.11.0: one query per request;
// openrlhf/utils/remote_rm_utils.py, v0.8.0: a batch); the answer has the shape of OpenRLHF's own reward server,
// one list entry per query (openrlhf/cli/serve_rm.py, v0.11.0). `labels` are the dataset's --label_key values as they
// are in the JSON, so any JSON type; with no --label_key OpenRLHF sends "" (openrlhf/datasets/prompts_dataset.py).
const GetReward = z.object({
  query: z.array(z.string()).min(1),
  prompts: z.array(z.string()).optional(),
  labels: z.array(z.unknown()),
}).refine((r) => r.labels.length === r.query.length && (!r.prompts || r.prompts.length === r.query.length), { message: "query, prompts and labels must have the same length" });
const VerifyRequest = z.object({ gold: z.string(), pred: z.string() });

/** What a verified answer and anything else earn in `rewards` (the study's +1/-1 unless told otherwise). */
export type RewardValues = { correct: number; wrong: number };

export type RewardServerOptions = {
  rewards?: RewardValues;
  /** required as `Authorization: Bearer KEY` on every route but /health */
  apiKey?: string;
  maxBodyBytes?: number;
  /** most items in one /get_reward request */
  maxBatch?: number;
};

type Grade = { correct: boolean; timeout: boolean };

/**
 * The verifier over HTTP for outside trainers: `POST /get_reward` in OpenRLHF's remote reward protocol and
 * `POST /verify` ({gold, pred} -> the verdict). `rewards` carry the configured values; `scores` are 1/0, which
 * OpenRLHF's dynamic filtering reads (it keeps a prompt's group when 0 < mean score < 1:
 * openrlhf/trainer/ppo_utils/samples_generator.py, v0.11.0). Every item runs in the verifier's worker pool
 * with a hard time limit, so one pathological answer never stalls the other requests.
 */
export function createRewardServer(pool: VerifierPool, options: RewardServerOptions = {}): Server {
  const { rewards: values = { correct: 1, wrong: -1 }, apiKey, maxBodyBytes = 64 << 20, maxBatch = 65_536 } = options;
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      sendJson(res, status, { error: e instanceof Error ? e.message : String(e) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/health") return sendJson(res, 200, { status: "ok" });
    requireApiKey(req, apiKey);
    if (req.method !== "POST" || (path !== "/get_reward" && path !== "/verify")) throw new HttpError(404, `no route ${req.method} ${path} (POST /get_reward, POST /verify)`);
    const body = await readJsonBody(req, maxBodyBytes);
    if (path === "/verify") {
      const r = VerifyRequest.safeParse(body);
      if (!r.success) throw new HttpError(400, `${r.error.issues[0]!.path.join(".") || "body"}: ${r.error.issues[0]!.message}`);
      return sendJson(res, 200, await pool.verify(r.data.gold, r.data.pred));
    }
    const r = GetReward.safeParse(body);
    if (!r.success) throw new HttpError(400, `${r.error.issues[0]!.path.join(".") || "body"}: ${r.error.issues[0]!.message}`);
    const { query, prompts, labels } = r.data;
    if (query.length > maxBatch) throw new HttpError(400, `query: ${query.length} items, more than this server's limit of ${maxBatch} per request`);
    // every item is checked before any is graded, so a bad one is named and nothing is half done
    const items = query.map((q, i) => {
      const golds = labelAnswers(labels[i]);
      if (typeof golds === "string") throw new HttpError(400, `labels[${i}]: ${golds}`);
      const span = findResponse(q, prompts?.[i]);
      if ("error" in span) throw new HttpError(400, `query[${i}]: ${span.error}`);
      return { golds, response: span.response };
    });
    const grades = await Promise.all(items.map(({ golds, response }) => grade(pool, golds, response)));
    sendJson(res, 200, {
      rewards: grades.map((g) => (g.correct ? values.correct : values.wrong)),
      scores: grades.map((g) => (g.correct ? 1 : 0)),
      extra_logs: { correct: grades.map((g) => (g.correct ? 1 : 0)), timeout: grades.map((g) => (g.timeout ? 1 : 0)) },
    });
  }
}

/**
 * The one place an answer is graded: correct when any of the label's accepted answers verifies against the
 * response (a timeout counts as wrong and is reported).
 */
async function grade(pool: VerifierPool, golds: readonly string[], response: string): Promise<Grade> {
  const verdicts = await Promise.all(golds.map((gold) => pool.verify(gold, response)));
  return { correct: verdicts.some((v) => v.correct), timeout: verdicts.some((v) => v.status === "timeout") };
}

/**
 * A label as the gold answers it accepts: a string or number as itself (a GSM8K solution as its answer after
 * "####"), a list as alternatives (any may match). Returns why it cannot be used instead: empty, null, an object, a nested list.
 */
export function labelAnswers(label: unknown): string[] | string {
  const one = (x: unknown): string | undefined => {
    if (typeof x === "number") return Number.isFinite(x) ? String(x) : undefined;
    if (typeof x === "bigint") return String(x);
    if (typeof x !== "string" || x.trim() === "") return undefined;
    // a GSM8K-style solution ("... #### 72") as the label: its final answer, as `rlvd sample --dataset` reads it
    const gsm = x.lastIndexOf("####");
    return gsm < 0 ? x : x.slice(gsm + 4).trim() || undefined;
    return undefined;
  };
  if (label === "" || label === null || label === undefined || (typeof label === "string" && label.trim() === "")) {
    return "empty label (OpenRLHF sends \"\" when the dataset key is not named: pass --data.label_key, or --label_key before v0.10.2)";
  }
  if (Array.isArray(label)) {
    if (label.length === 0) return "empty list of answers";
    const golds = label.map(one);
    const bad = golds.findIndex((g) => g === undefined);
    if (bad >= 0) return `answer ${bad} of the list is ${JSON.stringify(label[bad])}: expected a non-empty string or a number`;
    return golds as string[];
  }
  const gold = one(label);
  return gold === undefined ? `${JSON.stringify(label)} is not an answer: expected a string, a number or a list of them` : [gold];
}
