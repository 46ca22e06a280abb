/**
 * Errors that reach a user. Each carries a stable `code` and a one-line message that names what went wrong
 * and where (file and line when the input is a file). The CLI prints `rlvd: <message>` and exits with the
 * code's EXIT_CODES entry; library callers can switch on `code`.
 */
export type RlvdErrorCode =
  | "BAD_INPUT" // malformed or inconsistent data in a file the user gave us
  | "BAD_ARGUMENT" // a flag or option value that cannot be used
  | "USAGE" // a command used in a way it refuses (exit 2, like a bad flag)
  | "NOT_FOUND" // a file, run folder, model or question that does not exist
  | "CONFLICT" // data that disagrees with what the store already holds
  | "BACKEND" // an inference server or engine failure
  | "INTERNAL";

/**
 * The CLI's exit status per error code, declared once. 2 is a usage error: a flag's value is not what the flag
 * accepts (cli/parsers.ts: out of range, not a number, a missing input file), as for commander's own errors
 * (unknown flag, bad choice, missing required flag). 1 is everything else: each flag is well-formed but the
 * command, the data, the files or a server refuse them. BAD_ARGUMENT is that case for arguments: values the
 * library cannot use in context (a model shape whose dim is not a multiple of its heads, a model spec naming no
 * backend) or flags that do not go together (`verify --gold` without `--pred`).
 */
export const EXIT_CODES = {
  USAGE: 2,
  BAD_INPUT: 1,
  BAD_ARGUMENT: 1,
  NOT_FOUND: 1,
  CONFLICT: 1,
  BACKEND: 1,
  INTERNAL: 1,
} as const satisfies Record<RlvdErrorCode, 1 | 2>;

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

/** The command line is wrong: `option` (e.g. "--seed") given a value outside what it accepts, or a flag missing. */
export class UsageError extends RlvdError {
  readonly option: string | undefined;
  constructor(message: string, option?: string) {
    super("USAGE", message);
    this.name = "UsageError";
    this.option = option;
  }
}

export function isRlvdError(e: unknown): e is RlvdError {
  return e instanceof RlvdError;
}
