import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { z } from "zod";
import { HttpError, readJsonBody, sendJson } from "../core/http.js";
import type { VerifierPool } from "../verify/pool.js";

const GetReward = z.object({
  /** full texts (prompt + response), as OpenRLHF sends them */
  query: z.array(z.string()),
  /** the prompts, so the response is what follows them in `query` */
  prompts: z.array(z.string()).optional(),
  /** gold answers, one per query */
  labels: z.array(z.string()),
}).refine((r) => r.labels.length === r.query.length && (!r.prompts || r.prompts.length === r.query.length), { message: "query, prompts and labels must have the same length" });
const VerifyRequest = z.object({ gold: z.string(), pred: z.string() });

export type RewardServerOptions = { rewardCorrect?: number; rewardWrong?: number; maxBodyBytes?: number };

/**
 * The verifier over HTTP for outside trainers: `POST /get_reward` in OpenRLHF's remote reward protocol
 * ({query, prompts, labels} -> {rewards, scores, extra_logs}) and `POST /verify` ({gold, pred} -> the verdict).
 * Every item runs in the verifier's worker pool with a hard time limit, so one pathological answer never
 * stalls the other requests.
 */
export function createRewardServer(pool: VerifierPool, options: RewardServerOptions = {}): Server {
  const { rewardCorrect = 1, rewardWrong = -1, maxBodyBytes = 64 << 20 } = options;
  return createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      const status = e instanceof HttpError ? e.status : 500;
      sendJson(res, status, { error: e instanceof Error ? e.message : String(e) });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/health") return sendJson(res, 200, { status: "ok" });
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
    const responses = query.map((q, i) => (prompts && q.startsWith(prompts[i]!) ? q.slice(prompts[i]!.length) : q));
    const verdicts = await Promise.all(responses.map((resp, i) => pool.verify(labels[i]!, resp)));
    const rewards = verdicts.map((v) => (v.correct ? rewardCorrect : rewardWrong));
    sendJson(res, 200, {
      rewards,
      scores: rewards,
      extra_logs: { correct: verdicts.map((v) => (v.correct ? 1 : 0)), timeout: verdicts.map((v) => (v.status === "timeout" ? 1 : 0)) },
    });
  }
}
