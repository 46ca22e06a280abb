import type { AddressInfo } from "node:net";
import { API_KEY_ENV, exposureWarning, resolveApiKey } from "../../core/auth.js";
import { EmbeddedBackend } from "../../backends/embedded.js";
import { createOpenAIServer } from "../../backends/serve.js";
import { flag, OPTIONS } from "../options.js";
import { listenOn } from "../listen.js";
import type { CommandModule } from "./index.js";

export const serveCommand: CommandModule = {
  register(program, io) {
    program
      .command("serve")
      .description("an OpenAI-compatible HTTP server for an embedded checkpoint (/v1/models, /v1/completions, /v1/chat/completions)")
      .requiredOption("--checkpoint <dir>", "embedded checkpoint folder")
      .addOption(flag({ ...OPTIONS.port, default: 8000 }))
      .option("--host <host>", "interface to listen on", "127.0.0.1")
      .option("--name <name>", "model name clients use (default: the folder name)")
      .option("--api-key <key>", `require Authorization: Bearer KEY, as vLLM's --api-key (default: $${API_KEY_ENV})`)
      .action(async (opts: { checkpoint: string; port: number; host: string; name?: string; apiKey?: string }) => {
        const apiKey = resolveApiKey(opts.apiKey);
        // two engine lanes: a small request need not wait for a big one to finish; independent samples (sample j
        // depends on the seed and j only, as in vLLM), so a streamed answer is the same as a whole one
        const backend = await EmbeddedBackend.open(opts.checkpoint, { lanes: 2, tree: false });
        const name = opts.name ?? (opts.checkpoint.replace(/\/+$/, "").split("/").pop() || "embedded");
        const server = createOpenAIServer(backend, { modelName: name, apiKey });
        try {
          await listenOn(server, opts.port, opts.host);
        } catch (e) {
          await backend.close();
          throw e;
        }
        const { port } = server.address() as AddressInfo;
        const warning = exposureWarning(opts.host, apiKey, "serve");
        if (warning) io.err(warning);
        io.out(`serving ${name} at http://${opts.host}:${port}/v1 (Ctrl-C to stop)\n`);
        await new Promise<void>((resolve) => {
          const stop = () => server.close(() => resolve());
          process.once("SIGINT", stop);
          process.once("SIGTERM", stop);
        });
      });
  },
};
