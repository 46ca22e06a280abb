import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { RlvdError } from "../../core/errors.js";
import type { FindingRecord } from "../../report/findings.js";
import { analyseSurvey, type SurveyWorld } from "../../report/survey.js";
import { surveyHeadline, surveyMarkdown } from "../../report/survey-report.js";
import { specWithoutEndpoints } from "../endpoints.js";
import { specWithAdaptiveKeys } from "../adaptive-key.js";
import { applyOverrides } from "../overrides.js";
import { checkStages, defineStageKind, runStages, type StageKind } from "../runner.js";
import { parseSpec, type ExperimentSpec } from "../spec.js";
import { drawWorld, KNOBS, SurveyPriorSchema, type DrawnWorld } from "../survey-prior.js";
import { SurveyFile } from "./outputs.js";

const SurveySettings = z.object({
  /** the study every world runs (a file name in the YAML, inlined when the spec loads, like a study's); it needs an analyze stage */
  spec: z.object({ name: z.string(), stages: z.array(z.record(z.string(), z.unknown())) }).passthrough(),
  /** how many worlds to draw */
  worlds: z.number().int().positive(),
  /** every world's seed and knob values derive from it, so a survey is reproducible and world i never depends on how many follow */
  seed: z.number().int().nonnegative().default(0),
  prior: SurveyPriorSchema,
  /** the ids of the per-world study's world and RLVR stages, where the knobs land */
  targets: z.object({ world: z.string().default("world"), rl: z.string().default("rlvr") }).strict().default({ world: "world", rl: "rlvr" }),
}).strict();
type Settings = z.infer<typeof SurveySettings>;

/** World `i`'s study: the template with that world's seed and knob values applied, checked as a spec of its own. */
function worldSpec(s: Settings, i: number, id: string, kinds: readonly StageKind[]): { draw: DrawnWorld; spec: ExperimentSpec } {
  const where = `stage ${id}: world ${i + 1}`;
  const draw = drawWorld(s.prior, s.spec as never, s.seed, i, s.targets);
  return { draw, spec: parseSpec(applyOverrides(s.spec, { seed: draw.seed, set: draw.set }, where, kinds), where, kinds, 1) };
}

/** What a world's stages cost when they ran (cached ones: the time their record says). */
function worldSeconds(dir: string, ids: readonly string[]): number {
  return ids.reduce((sum, id) => {
    const file = join(dir, "stages", `${id}.json`);
    return sum + (existsSync(file) ? ((JSON.parse(readFileSync(file, "utf8")) as { seconds?: number }).seconds ?? 0) : 0);
  }, 0);
}

/**
 * A survey of worlds (issue 18 part 2): N worlds drawn from a prior over the world's and RLVR's knobs, each a
 * whole small study in its own run folder (`stages/ID/world-I/`, every stage cached, so an interrupted survey
 * resumes where it stopped), its findings judged as the analyze stage judges them; then, per finding, the share
 * of worlds where it holds and the knobs that predict it (report/survey.ts).
 */
export const surveyKind = defineStageKind({
  kind: "survey",
  settings: SurveySettings,
  seeds: ["seed"],
  output: SurveyFile,
  hashed: (s) => ({ ...s, spec: specWithAdaptiveKeys(specWithoutEndpoints(s.spec)) }),
  check: (s, id, kinds) => {
    const { spec } = worldSpec(s, 0, id, kinds);
    if (!spec.stages.some((st) => st.kind === "analyze")) throw new RlvdError("BAD_INPUT", `stage ${id}: the per-world study has no analyze stage, so its findings cannot be judged`);
    try {
      checkStages(spec.stages, kinds);
    } catch (e) {
      throw e instanceof RlvdError ? new RlvdError(e.code, `stage ${id}: ${e.message}`) : e;
    }
  },
  run: async (ctx, s) => {
    const worlds: SurveyWorld[] = [];
    for (let i = 0; i < s.worlds; i++) {
      const { draw, spec } = worldSpec(s, i, ctx.id, ctx.kinds);
      const dir = join(ctx.stageDir, `world-${i + 1}`);
      const knobs = Object.entries(draw.knobs).map(([k, v]) => `${k} ${v}`).join(", ");
      ctx.log(`world ${i + 1} of ${s.worlds} (seed ${draw.seed}): ${knobs}`);
      // a world whose study cannot finish (say, a model with no correct response to distill) is a world where the
      // findings cannot be judged, not the end of the survey; its finished stages stay cached like any others
      let failed: string | null = null;
      try {
        await runStages(spec.stages, { runDir: dir, kinds: ctx.kinds, log: (m) => ctx.log(`world-${i + 1}: ${m}`), force: ctx.forced ? spec.stages.map((st) => st.id) : [] });
      } catch (e) {
        if (!(e instanceof RlvdError)) throw e;
        failed = e.message;
        ctx.log(`world ${i + 1} failed, its findings cannot be judged: ${failed}`);
      }
      const metrics = join(dir, "metrics.json");
      if (failed === null && !existsSync(metrics)) throw new RlvdError("BAD_INPUT", `stage ${ctx.id}: world ${i + 1} left no metrics.json (does its analyze stage write one?)`);
      const findings = failed === null ? ((JSON.parse(readFileSync(metrics, "utf8")) as { findings?: FindingRecord[] }).findings ?? []) : [];
      worlds.push({
        id: `world-${i + 1}`, seed: draw.seed, knobs: draw.knobs,
        verdicts: Object.fromEntries(findings.map((f) => [f.id, f.verdict])), claims: Object.fromEntries(findings.map((f) => [f.id, f.claim])),
        seconds: worldSeconds(dir, spec.stages.map((st) => st.id)),
        ...(failed !== null ? { failed } : {}),
      });
    }
    const labels = Object.fromEntries(Object.entries(KNOBS).map(([k, v]) => [k, v.label]));
    const result = analyseSurvey(worlds, labels);
    const file = join(ctx.stageDir, "survey.json"), markdown = join(ctx.stageDir, "survey.md");
    writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
    writeFileSync(markdown, `# Survey of ${worlds.length} worlds\n\n${surveyMarkdown(result)}\n`);
    for (const line of surveyHeadline(result)) ctx.log(line);
    return { survey: file, markdown };
  },
});
