import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * What the fake server does with request number i (0-based, counted per server):
 * - ok: answer (chat choices as vLLM without a reasoning parser)
 * - reasoning: chat choices split as vLLM <= v0.10's reasoning parser does (`reasoning_content` + `content`)
 * - reasoning-new: the same with the field later vLLM uses (`reasoning`)
 * - think-cut: the `<think>` block cut off by max_tokens: `content: null`, all text in `reasoning_content`,
 *   finish_reason "length"
 * - context: HTTP 400 with vLLM's "maximum context length" body
 * - 500, 429, 400, garbage (an HTML proxy page), drop (connection reset), hang (never answers)
 */
export type FakeBehavior = (i: number, body: Record<string, unknown>) =>
  | "ok" | "reasoning" | "reasoning-new" | "think-cut" | "context" | "500" | "429" | "400" | "garbage" | "drop" | "hang";

export type FakeOptions = {
  /** delay before answering a request (simulated generation time) */
  latencyMs?: (body: Record<string, unknown>) => number;
  /** honour vLLM's `return_token_ids` (v0.10.2+); false plays an older vLLM that ignores the field */
  tokenIds?: boolean;
};

/** Tokens in choice `index` of a fake answer: differ between choices, so a usage split evenly would be wrong. */
export function fakeTokens(index: number): number {
  return 5 + index;
}

/** The text of choice `index` for a request with `seed`. */
export function fakeText(seed: unknown, index: number): string {
  return `seed ${String(seed)} choice ${index}: \\boxed{${(Number(seed ?? 0) + index) % 7}}`;
}

/**
 * A local stand-in for an OpenAI-compatible server (vLLM) for tests: completions are deterministic in the
 * request's seed and choice index, so tests can check which samples landed where. Answers follow vLLM's shapes
 * (vllm/entrypoints/openai/chat_completion/protocol.py, completion/protocol.py): `usage.completion_tokens`
 * summed over the n choices; `token_ids` per choice when asked with `return_token_ids`; log-probs of the
 * sampled tokens when asked with `logprobs`. Failures are injected by `behavior`. Listens on 127.0.0.1 only.
 */
export async function startFakeOpenAI(behavior: FakeBehavior = () => "ok", options: FakeOptions = {}): Promise<{ url: string; requests: Array<Record<string, unknown>>; close: () => Promise<void>; server: Server }> {
  const requests: Array<Record<string, unknown>> = [];
  let count = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      const what = behavior(count++, body);
      requests.push({ ...body, path: req.url, behavior: what, authorization: req.headers.authorization });
      const delay = options.latencyMs?.(body) ?? 0;
      if (delay > 0) setTimeout(() => answer(req, res, body, what), delay);
      else answer(req, res, body, what);
    });
  });
  function answer(req: IncomingMessage, res: ServerResponse, body: Record<string, unknown>, what: ReturnType<FakeBehavior>) {
    if (what === "drop") return req.socket.destroy();
    if (what === "hang") return;
    if (what === "500") return void res.writeHead(500).end("internal error");
    if (what === "429") return void res.writeHead(429, { "retry-after": "0" }).end("slow down");
    if (what === "400") return void res.writeHead(400).end('{"error": "bad request"}');
    if (what === "context") {
      // vLLM v0.10's answer (serving_engine.py _validate_input), body shape ErrorResponse
      const message = `This model's maximum context length is 4096 tokens. However, you requested ${4096 + Number(body.max_tokens ?? 0)} tokens (4096 in the messages, ${Number(body.max_tokens ?? 0)} in the completion). Please reduce the length of the messages or completion.`;
      return void res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ object: "error", message, type: "BadRequestError", param: null, code: 400 }));
    }
    if (what === "garbage") return void res.writeHead(200, { "content-type": "text/html" }).end("<html>proxy error</html>");
    const n = Number(body.n ?? 1);
    const chat = req.url?.endsWith("/chat/completions");
    const wantIds = body.return_token_ids === true && options.tokenIds !== false;
    const wantLogprobs = chat ? body.logprobs === true : typeof body.logprobs === "number";
    let total = 0;
    const choices = Array.from({ length: n }, (_, index) => {
      const text = fakeText(body.seed, index);
      const tokens = fakeTokens(index);
      total += tokens;
      const lp = wantLogprobs ? new Array<number>(tokens).fill(-0.5) : [];
      const extra = {
        ...(wantIds ? { token_ids: Array.from({ length: tokens }, (_, t) => 100 + t) } : {}),
        logprobs: wantLogprobs
          ? chat
            ? { content: lp.map((logprob, t) => ({ token: `t${t}`, logprob, bytes: [116], top_logprobs: [] })) }
            : { tokens: lp.map((_, t) => `t${t}`), token_logprobs: lp, top_logprobs: null, text_offset: lp.map(() => 0) }
          : null,
      };
      if (!chat) return { index, text, finish_reason: "stop", stop_reason: null, ...extra };
      const message =
        what === "reasoning" ? { role: "assistant", reasoning_content: `thinking about ${index}`, content: text, tool_calls: [] }
        : what === "reasoning-new" ? { role: "assistant", reasoning: `thinking about ${index}`, content: text }
        : what === "think-cut" ? { role: "assistant", reasoning_content: `thinking about ${index} and still`, content: null, tool_calls: [] }
        : { role: "assistant", content: text, tool_calls: [] };
      return { index, message, finish_reason: what === "think-cut" ? "length" : "stop", stop_reason: null, ...extra };
    });
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({
      id: "cmpl-fake", object: chat ? "chat.completion" : "text_completion", created: 0, model: body.model, choices,
      usage: { prompt_tokens: 10, completion_tokens: total, total_tokens: 10 + total },
    }));
  }
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    server,
    close: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
