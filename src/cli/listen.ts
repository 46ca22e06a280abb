// Starting an HTTP server for a command (serve, reward-server), with a one-line error when it cannot start.
import type { Server } from "node:http";
import { RlvdError } from "../core/errors.js";

/**
 * Listens on host:port, or raises one line naming them: a port in use, a host that is not this machine's, a
 * port below 1024 without the right.
 */
export async function listenOn(server: Server, port: number, host: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      const why: Record<string, string> = {
        EADDRINUSE: "is already in use (stop the other server or pick another --port)",
        EACCES: "needs privileges (ports below 1024 do; pick another --port)",
        EADDRNOTAVAIL: "is not an address of this machine (see --host)",
      };
      reject(new RlvdError("BAD_ARGUMENT", `${host}:${port} ${why[e.code ?? ""] ?? `cannot be listened on (${e.code ?? e.message})`}`));
    });
    server.listen(port, host, resolve);
  });
}
