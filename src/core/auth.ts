import { createHash, timingSafeEqual } from "node:crypto";
import { isIP } from "node:net";
import type { IncomingMessage } from "node:http";
import { HttpError } from "./http.js";

/** The environment variable both of rlvd's servers (and its Python integrations) read the API key from. */
export const API_KEY_ENV = "RLVD_API_KEY";

/** The key a server requires: the --api-key flag, else $RLVD_API_KEY, else none (an empty value is none). */
export function resolveApiKey(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = flag ?? env[API_KEY_ENV];
  return key === undefined || key === "" ? undefined : key;
}

/**
 * Refuses a request without `Authorization: Bearer KEY` (401), as vLLM's own --api-key check does
 * (vllm/entrypoints/openai/server_utils.py, AuthenticationMiddleware, vLLM 0.11: the header compared with
 * "Bearer " + key through fixed-length digests, 401 {"error": "Unauthorized"}; OPTIONS and /health stay open,
 * which is the caller's choice here: it calls this only on the routes it guards). No key: everything passes.
 */
export function requireApiKey(req: IncomingMessage, key: string | undefined): void {
  if (key === undefined) return;
  const given = req.headers.authorization ?? "";
  // digests of equal length, so the comparison takes the same time whatever the header holds
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  if (!timingSafeEqual(digest(given), digest(`Bearer ${key}`))) {
    throw new HttpError(401, given === "" ? "Unauthorized: send Authorization: Bearer KEY (the server's --api-key)" : "Unauthorized: wrong API key", "authentication_error");
  }
}

/** A one-line warning when a server listens beyond this machine with no key, else undefined. */
export function exposureWarning(host: string, key: string | undefined, command: string): string | undefined {
  if (key !== undefined || isLoopback(host)) return undefined;
  return `warning: ${command} listens on ${host} without an API key: anyone who can reach this address can call it (set --api-key or ${API_KEY_ENV})\n`;
}

function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}
