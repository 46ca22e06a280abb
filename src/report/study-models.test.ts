// The study's model names as options: a run whose models are named otherwise gets the same findings, contrasts
// and chart order when it passes its names, and the defaults are the embedded study's.
import { beforeAll, describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { analyzeRun, type Analysis } from "./analyze-run.js";
import { orderModelNames } from "./charts.js";
import { judgeFindings } from "./findings.js";
import { pairKey } from "./finding-tests.js";
import { STUDY_MODELS, studyModelOrder, type StudyModels } from "./study-models.js";
import { studyFixture } from "./test-helpers/study-fixture.js";

const tmp = useTmpDirs();

const RENAMED: StudyModels = {
  rl: "grpo-7b", selfBase: "self-sft-base", selfRl: "self-sft-rl", baseFromRl: "rl-into-base", teacher: "big-teacher", patterns: "teacher-easy", knowledge: "teacher-broad",
};
const NEW_NAME = new Map((Object.keys(STUDY_MODELS) as Array<keyof StudyModels>).map((role) => [STUDY_MODELS[role], RENAMED[role]]));

/** The analysis as it would be had the run named its models RENAMED's way: keys, values and pair keys. */
function renamed(x: unknown): unknown {
  const name = (s: string): string => {
    const pair = /^(.*) - (.*): (\w+)$/.exec(s);
    if (pair && (NEW_NAME.has(pair[1]!) || NEW_NAME.has(pair[2]!))) return pairKey(name(pair[1]!), name(pair[2]!), pair[3]!);
    return NEW_NAME.get(s) ?? s;
  };
  if (typeof x === "string") return name(x);
  if (Array.isArray(x)) return x.map(renamed);
  if (x !== null && typeof x === "object") return Object.fromEntries(Object.entries(x).map(([k, v]) => [name(k), renamed(v)]));
  return x;
}

describe("study model names", () => {
  let study: Analysis;
  beforeAll(async () => {
    study = await analyzeRun(await studyFixture(tmp(), { trainLogs: false }), { findings: { margin: 0.1, min_bin: 3 } });
  }, 30_000);

  it("default to the embedded study's names and order", () => {
    expect(studyModelOrder(STUDY_MODELS)).toEqual(["base", "rlvr", "base<-base", "rlvr<-rlvr", "base<-rlvr", "teacher", "distill-patterns", "distill-knowledge"]);
    expect(judgeFindings(study)).toEqual(judgeFindings(study, STUDY_MODELS));
  });

  it("judge a run named otherwise exactly as the study, once its names are passed", () => {
    const other = renamed(study) as Analysis;
    const fallback = judgeFindings(other); // without the names: every model judged as if it were the trained one
    expect(fallback.map((f) => f.id)).not.toContain("self-distillation");
    const judged = judgeFindings(other, RENAMED);
    // the RLVR findings' ids carry the RL model's name
    const verdicts = (fs: typeof judged, rl: string) => fs.map((f) => [f.id.replace(`${rl}-`, "RL-"), f.verdict, f.estimate, f.p, f.p_holm]);
    expect(verdicts(judged, RENAMED.rl)).toEqual(verdicts(judgeFindings(study), STUDY_MODELS.rl));
    expect(judged.map((f) => f.id)).toContain("grpo-7b-accuracy");
    const knowledge = judged.find((f) => f.id === "knowledge-raises-capability")!;
    expect(knowledge.claim).toBe("Capability at large k rises only when new knowledge comes in (teacher-broad), not with patterns alone (teacher-easy)");
    expect(knowledge.evidence).not.toMatch(/distill-/);
  });

  it("order the figures' models by the names passed", () => {
    const names = [...NEW_NAME.values(), "zeta", "alpha"];
    expect(orderModelNames(names, "base", RENAMED)).toEqual([...studyModelOrder(RENAMED).slice(1), "alpha", "zeta"]);
    expect(orderModelNames(names, "base")).toEqual([...names].sort((a, b) => a.localeCompare(b)));
  });

  it("compute the direct contrasts for the names passed", async () => {
    // the patterns and knowledge roles swapped: the capability contrast runs the other way
    const swapped = await analyzeRun(await studyFixture(tmp(), { trainLogs: false }), { findings: { margin: 0.1, min_bin: 3 }, study: { patterns: "distill-knowledge", knowledge: "distill-patterns" } });
    expect(Object.keys(swapped.finding_tests!.pairs)).toContain(pairKey("distill-patterns", "distill-knowledge", "capability"));
    expect(Object.keys(study.finding_tests!.pairs)).toContain(pairKey("distill-knowledge", "distill-patterns", "capability"));
    expect(Object.keys(swapped.finding_tests!.pairs)).not.toContain(pairKey("distill-knowledge", "distill-patterns", "capability"));
  }, 30_000);
});
