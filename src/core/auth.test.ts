import { describe, expect, it } from "vitest";
import type { IncomingMessage } from "node:http";
import { exposureWarning, requireApiKey, resolveApiKey } from "./auth.js";

const req = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe("API keys", () => {
  it("takes the flag, else $RLVD_API_KEY; an empty value means no key", () => {
    expect(resolveApiKey("a", { RLVD_API_KEY: "b" })).toBe("a");
    expect(resolveApiKey(undefined, { RLVD_API_KEY: "b" })).toBe("b");
    expect(resolveApiKey(undefined, { RLVD_API_KEY: "" })).toBeUndefined();
    expect(resolveApiKey(undefined, {})).toBeUndefined();
  });

  it("accepts exactly Authorization: Bearer KEY (401 otherwise); no key lets everything through", () => {
    expect(() => requireApiKey(req("Bearer k1"), "k1")).not.toThrow();
    for (const h of [undefined, "", "k1", "bearer k1", "Bearer k1 ", "Bearer k2", "Basic k1"]) {
      expect(() => requireApiKey(req(h), "k1"), String(h)).toThrow(expect.objectContaining({ status: 401 }));
    }
    expect(() => requireApiKey(req(), undefined)).not.toThrow();
  });

  it("warns in one line about a keyless server on a non-loopback interface", () => {
    for (const host of ["127.0.0.1", "127.0.1.1", "localhost", "::1", "[::1]"]) expect(exposureWarning(host, undefined, "serve"), host).toBeUndefined();
    expect(exposureWarning("0.0.0.0", "k", "serve")).toBeUndefined();
    const w = exposureWarning("0.0.0.0", undefined, "reward-server")!;
    expect(w).toMatch(/^warning: reward-server listens on 0\.0\.0\.0 without an API key.*RLVD_API_KEY\)\n$/);
    expect(w.trimEnd().split("\n")).toHaveLength(1);
    expect(exposureWarning("10.1.2.3", undefined, "serve")).toMatch(/10\.1\.2\.3/);
  });
});
