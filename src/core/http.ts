import type { IncomingMessage, ServerResponse } from "node:http";

/** An error an HTTP handler answers with: its status, a message, and an OpenAI-style error type. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly type = "invalid_request_error") {
    super(message);
  }
}

/** Reads a request body as JSON, refusing bodies over `limit` bytes (413) and non-JSON (400). */
export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new HttpError(413, "request body too large");
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "body is not JSON");
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
