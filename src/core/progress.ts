/**
 * Progress of a long job: a redrawn bar with rate and ETA on a terminal, plain periodic lines elsewhere
 * (CI logs), nothing when silenced. Updates are throttled, so callers may report every item.
 */
export type ProgressSink = { write: (text: string) => void; isTTY: boolean };

export class Progress {
  private readonly started = Date.now();
  private lastDraw = 0;
  private done = 0;
  /** extra words for the line, read at each draw (e.g. which endpoint has gone silent) */
  note: (() => string) | null = null;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly sink: ProgressSink | null,
    private readonly plainEveryMs = 5_000,
    private readonly unit = "",
  ) {}

  update(done: number): void {
    this.done = done;
    if (!this.sink) return;
    const now = Date.now();
    const every = this.sink.isTTY ? 100 : this.plainEveryMs;
    if (now - this.lastDraw < every && done < this.total) return;
    this.lastDraw = now;
    this.draw();
  }

  finish(): void {
    if (!this.sink) return;
    this.draw();
    if (this.sink.isTTY) this.sink.write("\n");
  }

  private draw(): void {
    const elapsed = (Date.now() - this.started) / 1000;
    const rate = elapsed > 0 ? this.done / elapsed : 0;
    const left = rate > 0 ? (this.total - this.done) / rate : Infinity;
    const note = this.note?.() ?? "";
    const stats = `${this.done}/${this.total}${this.unit} ${rate.toFixed(1)}/s ETA ${formatSeconds(left)}${note ? ` (${note})` : ""}`;
    if (this.sink!.isTTY) {
      const width = 30;
      const filled = this.total === 0 ? width : Math.round((width * this.done) / this.total);
      this.sink!.write(`\r\x1b[K${this.label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${stats}`);
    } else {
      this.sink!.write(`${this.label}: ${stats}\n`);
    }
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return "?";
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
