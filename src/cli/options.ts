// The CLI's option table: options that several commands share are declared once here (flags, help, parser,
// default), and every option of every command is built by `flag` from a parser in parsers.ts, so a bad value is
// always the same one-line usage error (exit 2) naming the option and what it accepts.
import { InvalidArgumentError, Option, type Command } from "commander";
import { EXTRACT_CONVENTIONS, EXTRACT_NAMES, parseExtractConvention, type ExtractConvention, type Grading } from "../verify/conventions.js";
import { integer, list, MAX_TIMEOUT_MS, nonNegativeInt, outputFile, port, seed, type Parse } from "./parsers.js";

/** One option: `flags` as commander spells them ("--seed <n>"), its help, its parser and default. */
export type OptionDecl<T> = {
  flags: string;
  description: string;
  parse: Parse<T>;
  default?: T;
  /** shown in --help instead of the default's JSON */
  defaultText?: string;
};

/** A commander Option from a declaration, its parser told the option's long name for the message. */
export function flag<T>(decl: OptionDecl<T>): Option;
export function flag<T>(flags: string, description: string, parse: Parse<T>, defaultValue?: T): Option;
export function flag<T>(a: OptionDecl<T> | string, description?: string, parse?: Parse<T>, defaultValue?: T): Option {
  const d: OptionDecl<T> = typeof a === "string" ? { flags: a, description: description!, parse: parse!, default: defaultValue } : a;
  const option = new Option(d.flags, d.description);
  const name = option.long ?? option.short ?? d.flags;
  option.argParser((value: string) => d.parse(value, name));
  if (d.default !== undefined) option.default(d.default, d.defaultText);
  if (d.parse.prepare) PREPARE.set(option, d.parse.prepare as (value: unknown, option: string) => void);
  return option;
}

/** The prepare steps of the options `flag` built (path checks, output folders), by option. */
const PREPARE = new WeakMap<Option, (value: unknown, option: string) => void>();

/**
 * Runs the prepare step of every option `command` was given, in the order declared: called once all flags have
 * parsed, before the command's action (main.ts installs it as commander's preAction hook).
 */
export function prepareOptions(command: Command): void {
  for (const option of command.options) {
    const prepare = PREPARE.get(option);
    const value = command.getOptionValue(option.attributeName());
    if (prepare && value !== undefined && command.getOptionValueSource(option.attributeName()) === "cli") prepare(value, option.long ?? option.flags);
  }
}

/** The same, but the option must be given. */
export function requiredFlag<T>(flags: string, description: string, parse: Parse<T>): Option {
  return flag(flags, description, parse).makeOptionMandatory();
}

/** A declaration with another help text or default (the shared entry stays the one fact about the parser). */
export function withHelp<T>(decl: OptionDecl<T>, description: string, defaultValue: T | undefined = decl.default): OptionDecl<T> {
  return { ...decl, description, default: defaultValue };
}

/**
 * The most samples per question `rlvd sample -k` takes. Every per-question array (indices, verdicts, pass@k
 * terms) is k long; the study's largest k is 1024 and the planner's default ceiling 4096, and at 10^9 the
 * sampler ran 40 s into 4.5 GB before sending a request. Raise it here if a study needs more.
 */
export const MAX_K = 65_536;
/** Verifier threads at most: beyond a few per core they only cost memory (each is a worker thread). */
export const MAX_WORKERS = 1024;
/** Bootstrap resamples at most: 10^6 is already 100 times the default; more only runs longer. */
export const MAX_RESAMPLES = 1_000_000;

/** Options shared by several commands, declared once. */
export const OPTIONS = {
  seed: { flags: "--seed <n>", description: "seed", parse: seed, default: 0 },
  port: { flags: "--port <n>", description: "port (0: any free port)", parse: port },
  workers: { flags: "--workers <n>", description: "verifier threads (default: all cores)", parse: integer(1, MAX_WORKERS) },
  timeoutMs: { flags: "--timeout <ms>", description: "time limit per verification", parse: integer(1, MAX_TIMEOUT_MS), default: 2000 },
  ks: { flags: "--k <list>", description: "k values", parse: list(nonNegativeInt) },
  bins: { flags: "--bins <edges>", description: "custom inclusive upper bin edges, e.g. 0,8,64,192,256 (the last is n)", parse: list(nonNegativeInt) },
  outFile: { flags: "--out <file>", description: "output file (its folder is created if missing)", parse: outputFile },
} satisfies Record<string, OptionDecl<unknown>>;

/** The options among `keys` that the user set, to spread over a preset's defaults. */
export function definedOptions(opts: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => opts[k] !== undefined).map((k) => [k, opts[k]]));
}

/**
 * --extract's parser: a convention name from verify/conventions.ts. An enum, so it answers as commander's
 * choices do ("argument 'x' is invalid. expected one of ..."), still one line and exit 2.
 */
export function extractConvention(value: string): ExtractConvention {
  try {
    return parseExtractConvention(value);
  } catch {
    throw new InvalidArgumentError(`expected one of ${EXTRACT_NAMES.join(", ")} (got "${value}")`);
  }
}

/**
 * The grading flags of every command that makes verdicts: `--extract CONVENTION` and `--strict` (default) /
 * `--no-strict` (math-verify's `strict=False`: variables matched by position, so `x + 1` = `y + 1`).
 */
export function addGradingOptions(cmd: Command): Command {
  const names = EXTRACT_NAMES.map((n) => `${n}: ${EXTRACT_CONVENTIONS[n]}`).join("; ");
  return cmd
    .addOption(new Option("--extract <convention>", `where the graded answer may sit (${names})`).argParser(extractConvention).default("any"))
    .option("--strict", "math-verify's strict=True (default): variable names must match")
    .option("--no-strict", "math-verify's strict=False: variables are matched by position (x + 1 = y + 1)");
}

/** The grading the flags of addGradingOptions ask for. */
export function gradingFrom(opts: { extract?: ExtractConvention; strict?: boolean }): Grading {
  return { extract: opts.extract ?? "any", strict: opts.strict !== false };
}
