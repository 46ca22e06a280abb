import type { z } from "zod";
import { InputError } from "./errors.js";

/** Parses `value` with `schema`; on failure throws an InputError `file:line: field: problem` (the first issue). */
export function parseLine<T>(schema: z.ZodType<T>, value: unknown, file: string, line: number): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.length > 0 ? `field "${issue.path.join(".")}": ` : "";
  throw new InputError(file, line, `${path}${issue.message}`);
}
