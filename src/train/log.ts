import { appendFileSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * `train-log.jsonl`: one JSON line per optimizer step in one fixed shape (nanoGPT's habit of a single log
 * format), appended as training goes so a crash keeps every step logged so far.
 */
export class TrainLog {
  /**
   * `fresh` empties the file first: a trainer that writes a new checkpoint to a folder starts that folder's log
   * anew, so a stage rerun (other settings, same folder) does not append its steps to the previous run's.
   */
  constructor(private readonly file: string | null, private readonly model: string, private readonly echo?: (line: string) => void, options: { fresh?: boolean } = {}) {
    if (file) mkdirSync(dirname(file), { recursive: true });
    if (file && options.fresh) writeFileSync(file, "");
  }

  /**
   * One line `{"model", "data": {...}}` with no step: what the run trains on (SFT's set and held-out split).
   * Readers that know only step lines skip it.
   */
  summary(data: Record<string, number | string>): void {
    if (this.file) appendFileSync(this.file, JSON.stringify({ model: this.model, data }) + "\n");
    this.echo?.(`data: ${Object.entries(data).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  }

  write(entry: { step: number } & Record<string, number | string | null>): void {
    const line = { model: this.model, ...entry };
    if (this.file) appendFileSync(this.file, JSON.stringify(line) + "\n");
    if (this.echo) {
      const parts = Object.entries(entry)
        .filter(([k]) => k !== "step")
        .map(([k, v]) => `${k} ${typeof v === "number" ? (Number.isInteger(v) ? v : v.toFixed(4)) : v}`);
      this.echo(`step ${entry.step}: ${parts.join(", ")}`);
    }
  }
}
