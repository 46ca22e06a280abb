import { statusOf, type ModelStatus } from "../../store/status.js";
import type { CommandModule } from "./index.js";

export const statusCommand: CommandModule = {
  register(program, io) {
    program
      .command("status")
      .description("per model: questions complete/partial, samples stored, writers active, rate and ETA (while writers run, too)")
      .argument("<dir>", "run folder")
      .option("--json", "print the status as JSON")
      .action(async (dir: string, opts: { json?: boolean }) => {
        const status = await statusOf(dir);
        if (opts.json) {
          io.out(JSON.stringify(status) + "\n");
          return;
        }
        io.out(`${dir}: ${status.questions} questions, ${status.models.length} models, ${status.writers.length} writers active\n`);
        for (const m of status.models) io.out(`  ${line(m)}\n`);
      });
  },
};

function line(m: ModelStatus): string {
  const parts = [
    `${m.samples} samples (${m.graded} graded)`, m.k === null ? "imported" : `k = ${m.k}`,
    `questions ${m.complete} complete, ${m.partial} partial, ${m.missing} missing`,
  ];
  if (m.writers > 0) parts.push(`${m.writers} writer${m.writers === 1 ? "" : "s"} at ${Math.round(m.rate ?? 0)} samples/s, ETA ${m.eta_s === null ? "unknown" : eta(m.eta_s)}`);
  if (m.segments > 1) parts.push(`${m.segments} segments`);
  if (m.duplicates > 0) parts.push(`${m.duplicates} repeated keys ignored (first write kept${m.clashes > 0 ? `; ${m.clashes} with different content` : ""})`);
  return `${m.model}: ${parts.join(", ")}`;
}

function eta(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}
