import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the fake server does with request number i (0-based, counted per server). */
export type FakeBehavior = (i: number, body: Record<string, unknown>) => "ok" | "500" | "429" | "400" | "garbage" | "drop" | "hang";

/**
 * A local stand-in for an OpenAI-compatible server (vLLM) for tests: completions are deterministic in the
 * request's seed and choice index, so tests can check which samples landed where. Failures are injected by
 * `behavior`. Listens on 127.0.0.1 only.
 */
export async function startFakeOpenAI(behavior: FakeBehavior = () => "ok"): Promise<{ url: string; requests: Array<Record<string, unknown>>; close: () => Promise<void>; server: Server }> {
  const requests: Array<Record<string, unknown>> = [];
  let count = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = "";
    req.on("data", (c) => (raw += c));
    req.on("end", () => {
      const body = JSON.parse(raw || "{}") as Record<string, unknown>;
      const what = behavior(count++, body);
      requests.push({ ...body, path: req.url, behavior: what });
      if (what === "drop") return req.socket.destroy();
      if (what === "hang") return;
      if (what === "500") return void res.writeHead(500).end("internal error");
      if (what === "429") return void res.writeHead(429, { "retry-after": "0" }).end("slow down");
      if (what === "400") return void res.writeHead(400).end('{"error": "bad request"}');
      if (what === "garbage") return void res.writeHead(200, { "content-type": "text/html" }).end("<html>proxy error</html>");
      const n = Number(body.n ?? 1);
      const chat = req.url?.endsWith("/chat/completions");
      const choices = Array.from({ length: n }, (_, index) => {
        const text = `seed ${String(body.seed)} choice ${index}: \\boxed{${(Number(body.seed ?? 0) + index) % 7}}`;
        return chat ? { index, message: { role: "assistant", content: text }, finish_reason: "stop" } : { index, text, finish_reason: "stop" };
      });
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ choices, usage: { completion_tokens: 5 * n } }));
    });
  });
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
