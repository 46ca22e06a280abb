/**
 * Errors that reach a user. Each carries a stable `code` and a one-line message that names what went wrong
 * and where (file and line when the input is a file). The CLI prints `rlvd: <message>` and exits 1; library
 * callers can switch on `code`.
 */
export type RlvdErrorCode =
  | "BAD_INPUT" // malformed or inconsistent data in a file the user gave us
  | "BAD_ARGUMENT" // a flag or option value that cannot be used
  | "USAGE" // a command used in a way it refuses (exit 2, like a bad flag)
  | "NOT_FOUND" // a file, run folder, model or question that does not exist
  | "CONFLICT" // data that disagrees with what the store already holds
  | "BACKEND" // an inference server or engine failure
  | "INTERNAL";

export class RlvdError extends Error {
  readonly code: RlvdErrorCode;
  constructor(code: RlvdErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "RlvdError";
    this.code = code;
  }
}

/** An error in line `line` (1-based) of `file`: the message reads `file:line: what`. */
export class InputError extends RlvdError {
  readonly file: string;
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, what: string) {
    super("BAD_INPUT", `${file}${line === undefined ? "" : `:${line}`}: ${what}`);
    this.name = "InputError";
    this.file = file;
    this.line = line;
  }
}

export function isRlvdError(e: unknown): e is RlvdError {
  return e instanceof RlvdError;
}
