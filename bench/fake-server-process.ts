// A local instant OpenAI-compatible server in its own process, for benchmarks; prints its URL on stdout.
import { startFakeOpenAI } from "../src/test-helpers/fake-openai.js";
const server = await startFakeOpenAI();
server.requests.length = 0;
// the benchmark does not need the request log: keep memory flat
server.requests.push = () => 0;
process.stdout.write(server.url + "\n");
process.on("SIGTERM", () => void server.close().then(() => process.exit(0)));
