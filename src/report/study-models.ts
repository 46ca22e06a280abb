/**
 * The names the study's comparative findings, contrasts and chart order look for (PAPER.md's models): a run
 * whose models are named otherwise passes its own. The defaults are the embedded study's (presets/quick.yaml, quick-classic.yaml).
 */
export type StudyModels = {
  /** the RLVR model, judged by the RLVR findings */
  rl: string;
  /** the base distilled from its own correct responses */
  selfBase: string;
  /** the RLVR model distilled from its own */
  selfRl: string;
  /** the base distilled from RLVR's correct responses */
  baseFromRl: string;
  teacher: string;
  /** the base distilled from the teacher on questions it can already solve (patterns only) */
  patterns: string;
  /** the base distilled from the teacher over a broad problem set (new knowledge) */
  knowledge: string;
};

export const STUDY_MODELS: StudyModels = {
  rl: "rlvr", selfBase: "base<-base", selfRl: "rlvr<-rlvr", baseFromRl: "base<-rlvr", teacher: "teacher", patterns: "distill-patterns", knowledge: "distill-knowledge",
};

/** The order the figures list the study's models in ("base" is the conventional base name); other names follow. */
export function studyModelOrder(m: StudyModels): string[] {
  return ["base", m.rl, m.selfBase, m.selfRl, m.baseFromRl, m.teacher, m.patterns, m.knowledge];
}

/** The direct contrasts the study's comparative findings need (computed when both models are in the run). */
export function studyPairs(m: StudyModels): Array<[string, string, "accuracy" | "capability"]> {
  return [
    [m.knowledge, m.patterns, "capability"],
    [m.baseFromRl, m.selfBase, "accuracy"],
    [m.baseFromRl, m.rl, "accuracy"],
    [m.selfBase, m.rl, "accuracy"],
  ];
}
