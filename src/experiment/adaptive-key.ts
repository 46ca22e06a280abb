/**
 * The adaptive settings of a sample stage as they enter its cache hash: the stopping rule (and, for the budget
 * rule, its allowance of misses) spelled out as resolved. `adaptive: true` once meant the threshold rule and now
 * means the budget rule; hashed as written, a stage cached under the old default kept its old results. Spelled
 * out, such a stage runs again, and the next change of a default reruns what it changes. A stage without
 * adaptive sampling is hashed as written, so its hash (and the presets' pinned ones) stays what it was.
 */
import { ADAPTIVE_DEFAULTS } from "../metrics/adaptive.js";

/** `adaptive` as hashed: off stays as written; on, the rule and (budget) misses are filled in where absent. */
export function adaptiveKey(adaptive: unknown): unknown {
  if (adaptive !== true && (typeof adaptive !== "object" || adaptive === null || Array.isArray(adaptive))) return adaptive;
  const given = (adaptive === true ? {} : adaptive) as { rule?: unknown; misses?: unknown };
  const rule = given.rule ?? ADAPTIVE_DEFAULTS.rule;
  // spread first: keys already written keep their place, so a fully written setting keeps its hash
  return { ...given, rule, ...(rule === "budget" ? { misses: given.misses ?? ADAPTIVE_DEFAULTS.misses } : {}) };
}

/** A sample stage's settings with `adaptive` resolved (the same object when it has none). */
export function withAdaptiveKey<T extends { adaptive?: unknown }>(settings: T): T {
  return settings.adaptive === undefined ? settings : { ...settings, adaptive: adaptiveKey(settings.adaptive) };
}

/**
 * A raw nested spec (a study's or a survey's) with every sample stage's `adaptive` resolved, nested studies and
 * surveys and `set` values of the field `adaptive` included: the nested spec's text is the outer stage's cache
 * key, so without this a cached study would never reach the nested stage whose rule changed.
 */
export function specWithAdaptiveKeys(spec: unknown): unknown {
  if (typeof spec !== "object" || spec === null || !Array.isArray((spec as { stages?: unknown }).stages)) return spec;
  const stages = ((spec as { stages: Array<Record<string, unknown>> }).stages).map((st) => {
    if (st.kind === "sample" && st.adaptive !== undefined) return { ...st, adaptive: adaptiveKey(st.adaptive) };
    if (st.kind === "study" || st.kind === "survey") {
      const copy: Record<string, unknown> = { ...st, spec: specWithAdaptiveKeys(st.spec) };
      if (Array.isArray(st.set)) copy.set = setWithAdaptiveKeys(st.set);
      return copy;
    }
    return st;
  });
  return { ...(spec as object), stages };
}

/** A study's `set` overrides with the values of `adaptive` resolved (other entries unchanged). */
export function setWithAdaptiveKeys<T>(set: readonly T[]): T[] {
  return set.map((o) => {
    const entry = o as { field?: unknown; value?: unknown };
    return entry.field === "adaptive" ? ({ ...entry, value: adaptiveKey(entry.value) } as T) : o;
  });
}
