import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

export type HttpAnswer = { status: number; headers: Record<string, string | string[] | undefined>; body: string };

export type HttpTimeouts = {
  /** the whole exchange, connect to last byte */
  timeoutMs: number;
  /** TCP (and TLS) connect; a dead host or a full listen queue fails here instead of after timeoutMs */
  connectTimeoutMs?: number;
  /**
   * request sent to the answer's first byte. An OpenAI-compatible server that does not stream sends its
   * headers only when every completion is done, so this is a limit on generation time; leave it unset there.
   */
  firstByteTimeoutMs?: number;
};

/**
 * POSTs JSON (and GETs) over keep-alive connections and reads the whole answer. Plain node:http rather than
 * fetch: at thousands of small requests per second fetch's stream and abort-signal machinery costs several
 * times more CPU than the request itself. Rejects with the socket error (its `code`, e.g. ECONNREFUSED), a
 * timeout error naming the phase that ran out (code ETIMEDOUT, `phase` connect | first byte | total), or the
 * signal's reason when aborted.
 */
export class JsonPoster {
  private readonly http = new HttpAgent({ keepAlive: true, maxSockets: 256 });
  private readonly https = new HttpsAgent({ keepAlive: true, maxSockets: 256 });

  post(url: string, payload: unknown, options: HttpTimeouts & { headers?: Record<string, string>; signal?: AbortSignal }): Promise<HttpAnswer> {
    return this.send("POST", url, Buffer.from(JSON.stringify(payload)), options);
  }

  get(url: string, options: HttpTimeouts & { headers?: Record<string, string>; signal?: AbortSignal }): Promise<HttpAnswer> {
    return this.send("GET", url, null, options);
  }

  private send(method: string, url: string, body: Buffer | null, options: HttpTimeouts & { headers?: Record<string, string>; signal?: AbortSignal }): Promise<HttpAnswer> {
    const target = new URL(url);
    const secure = target.protocol === "https:";
    return new Promise((resolve, reject) => {
      if (options.signal?.aborted) return reject(options.signal.reason);
      const timers: NodeJS.Timeout[] = [];
      const clear = () => timers.forEach(clearTimeout);
      const timeout = (phase: string, ms: number) =>
        setTimeout(() => req.destroy(Object.assign(new Error(`timed out (${phase}, ${Math.round(ms / 1000)} s)`), { code: "ETIMEDOUT", phase })), ms);
      const req = (secure ? httpsRequest : httpRequest)(
        target,
        {
          method,
          agent: secure ? this.https : this.http,
          headers: body ? { "content-type": "application/json", "content-length": body.length, ...options.headers } : options.headers,
        },
        (res) => {
          if (firstByte) clearTimeout(firstByte);
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            done();
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") });
          });
          res.on("error", fail);
          res.on("aborted", () => fail(Object.assign(new Error("connection closed mid-answer"), { code: "ECONNRESET" })));
        },
      );
      timers.push(timeout("total", options.timeoutMs));
      let firstByte: NodeJS.Timeout | undefined;
      req.on("socket", (socket) => {
        // a reused keep-alive socket is already connected
        if (options.connectTimeoutMs !== undefined && socket.connecting) {
          const t = timeout("connect", options.connectTimeoutMs);
          timers.push(t);
          socket.once(secure ? "secureConnect" : "connect", () => clearTimeout(t));
        }
      });
      req.on("finish", () => {
        if (options.firstByteTimeoutMs !== undefined) timers.push((firstByte = timeout("first byte", options.firstByteTimeoutMs)));
      });
      const onAbort = () => req.destroy(options.signal!.reason instanceof Error ? options.signal!.reason : new Error(String(options.signal!.reason)));
      options.signal?.addEventListener("abort", onAbort, { once: true });
      function done() {
        clear();
        options.signal?.removeEventListener("abort", onAbort);
      }
      function fail(e: Error) {
        done();
        reject(e);
      }
      req.on("error", fail);
      req.end(body ?? undefined);
    });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}
