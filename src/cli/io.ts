/** Where a command writes. The real CLI passes process streams; tests pass buffers. */
export type CliIO = {
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal: progress bars instead of plain progress lines. */
  isTTY: boolean;
};

export const processIO: CliIO = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  isTTY: Boolean(process.stderr.isTTY),
};
