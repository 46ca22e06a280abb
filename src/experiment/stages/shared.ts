/** Helpers the embedded study's stage kinds share: question files, the world a world stage wrote, progress lines. */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { Question } from "../../core/types.js";
import { STUDY_MODELS, type StudyModels } from "../../report/study-models.js";
import { World } from "../../world/index.js";
import type { StageContext } from "../runner.js";

export function readQuestions(file: string): Question[] {
  return readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Question);
}

export function readWorld(configFile: string): World {
  return new World(JSON.parse(readFileSync(configFile, "utf8")));
}

/** Periodic training lines, so a long stage shows it is alive without flooding the log. */
export function progressEcho(ctx: StageContext, what: string): (line: string) => void {
  let last = 0;
  return (line) => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    ctx.log(`${what} ${line}`);
  };
}

/**
 * The study's model names (report/study-models.ts), for runs whose models are named otherwise: any left out keep
 * the embedded study's (rl: rlvr, selfBase: base<-base, ...). Left out altogether, it is not in the cache hash.
 */
export const StudyModelsSchema = z.object({
  rl: z.string().min(1), selfBase: z.string().min(1), selfRl: z.string().min(1), baseFromRl: z.string().min(1),
  teacher: z.string().min(1), patterns: z.string().min(1), knowledge: z.string().min(1),
}).partial().strict();

/** The study's model names with the defaults filled in. */
export function studyModels(names: z.infer<typeof StudyModelsSchema> | undefined): StudyModels {
  return { ...STUDY_MODELS, ...names };
}

/**
 * The findings' test settings a spec may set on the analyze and report stages (docs/analysis.md). Their keys
 * are the names metrics.json reports them under (`finding_tests.settings`), so they keep that spelling.
 */
export const FindingSettingsSchema = z.object({
  alpha: z.number().gt(0).lt(0.5), margin: z.number().nonnegative(), text_margin: z.number().nonnegative(),
  resamples: z.number().int().positive(), min_bin: z.number().int().positive(),
}).partial().strict();
