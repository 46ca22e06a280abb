import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export type HttpAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

/**
 * POSTs JSON over keep-alive connections and reads the whole answer. Plain node:http rather than fetch: at
 * thousands of small requests per second fetch's stream and abort-signal machinery costs several times more
 * CPU than the request itself. Rejects with the socket error (its `code`, e.g. ECONNREFUSED) or a
 * "timed out" error when no complete answer arrives within `timeoutMs`.
 */
export class JsonPoster {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

  post(url: string, payload: unknown, options: { timeoutMs: number; headers?: Record<string, string> }): Promise<HttpAnswer> {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    const body = Buffer.from(JSON.stringify(payload));
    return new Promise((resolve, reject) => {
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method: "POST",
          agent: secure ? this.https : this.http,
          headers: { "content-type": "application/json", "content-length": body.length, ...options.headers },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            clearTimeout(timer);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", fail);
          res.on("aborted", () => fail(Object.assign(new Error("connection closed mid-answer"), { code: "ECONNRESET" })));
        },
      );
      const timer = setTimeout(() => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })), options.timeoutMs);
      function fail(e: Error) {
        clearTimeout(timer);
        reject(e);
      }
      req.on("error", fail);
      req.end(body);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
