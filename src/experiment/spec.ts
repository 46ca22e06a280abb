import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { RlvdError } from "../core/errors.js";
import type { StageSpec } from "./runner.js";

/** Settings that name an earlier stage: the stage then depends on it (no need to list it in `needs`). */
const REFERENCE_FIELDS = ["world", "from", "data", "samples"] as const;

const StageEntry = z
  .object({ id: z.string().regex(/^[A-Za-z0-9_.<>-]+$/, "ids use letters, digits and _ . < > -"), kind: z.string().min(1), needs: z.array(z.string()).default([]) })
  .catchall(z.unknown());

export const ExperimentSpecSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    stages: z.array(StageEntry).min(1),
  })
  .strict();

export type ExperimentSpec = { name: string; description?: string; stages: StageSpec[] };

/** Reads an experiment spec (YAML or JSON); errors name the file and the path of the bad field. */
export function loadSpec(file: string): ExperimentSpec {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new RlvdError("NOT_FOUND", `${file}: no such file`);
  }
  let raw: unknown;
  try {
    raw = file.endsWith(".json") ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new RlvdError("BAD_INPUT", `${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  return parseSpec(raw, file);
}

export function parseSpec(raw: unknown, source: string): ExperimentSpec {
  const parsed = ExperimentSpecSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RlvdError("BAD_INPUT", `${source}: ${issue.path.join(".") || "spec"}: ${issue.message}`);
  }
  const stages = parsed.data.stages.map(({ id, kind, needs, ...settings }) => {
    const refs = REFERENCE_FIELDS.map((f) => settings[f]).filter((v): v is string => typeof v === "string");
    return { id, kind, needs: [...new Set([...refs, ...needs])], settings };
  });
  return { name: parsed.data.name, description: parsed.data.description, stages };
}
