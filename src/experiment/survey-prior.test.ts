import { describe, expect, it } from "vitest";
import { WorldConfigSchema } from "../world/index.js";
import { applyOverrides } from "./overrides.js";
import { STAGE_KINDS } from "./stages/index.js";
import { drawKnob, drawWorld, SurveyPriorSchema } from "./survey-prior.js";

const targets = { world: "world", rl: "rlvr" };
const template = {
  stages: [
    { id: "world", kind: "world", world: { seed: 1, alphabet: 8, facts: { known: 0.5, shaky: 0.2, weak: 0.2, absent: 0.1 }, formats: { direct: 0.3, steps: 0.1, check: 0.1, shortcut: 0.5 } }, test: 10, train: 10 },
    { id: "rlvr", kind: "grpo", world: "world", from: "base", train: { steps: 40, lr: 0.0003 } },
  ],
};
const prior = SurveyPriorSchema.parse({
  absent: { uniform: [0, 0.15] }, weak: { uniform: [0, 0.3] }, misconception: { uniform: [0, 1] },
  shortcutShare: { uniform: [0, 0.6] }, rlSteps: { uniform: [20, 80], integer: true }, rlLr: { logUniform: [0.0001, 0.001] },
});

describe("drawKnob", () => {
  it("maps u onto the distribution", () => {
    expect(drawKnob({ uniform: [2, 4] }, 0.25)).toBe(2.5);
    expect(drawKnob({ uniform: [20, 80], integer: true }, 0.5)).toBe(50);
    // log-uniform: the geometric midpoint at u = 0.5
    expect(drawKnob({ logUniform: [0.0001, 0.01] }, 0.5)).toBeCloseTo(0.001, 9);
    expect(drawKnob({ choice: [1, 2, 3] }, 0.99)).toBe(3);
    expect(drawKnob({ choice: [1, 2, 3] }, 0)).toBe(1);
  });
});

describe("drawWorld", () => {
  it("is reproducible from (seed, index), differs across both, and keeps every knob in its range", () => {
    const a = drawWorld(prior, template, 1, 0, targets), b = drawWorld(prior, template, 1, 0, targets);
    expect(a).toEqual(b);
    expect(drawWorld(prior, template, 1, 1, targets).knobs).not.toEqual(a.knobs);
    expect(drawWorld(prior, template, 2, 0, targets).knobs).not.toEqual(a.knobs);
    for (let i = 0; i < 50; i++) {
      const w = drawWorld(prior, template, 7, i, targets);
      expect(w.knobs.absent).toBeGreaterThanOrEqual(0);
      expect(w.knobs.absent).toBeLessThanOrEqual(0.15);
      expect(Number.isInteger(w.knobs.rlSteps)).toBe(true);
      expect(w.knobs.rlLr).toBeGreaterThanOrEqual(0.0001);
      expect(w.knobs.rlLr).toBeLessThanOrEqual(0.001);
      expect(Object.keys(w.knobs)).toEqual(["weak", "absent", "misconception", "shortcutShare", "rlSteps", "rlLr"]);
    }
  });
  it("lands as overrides that make a valid world: known takes the rest, formats keep their proportions", () => {
    const w = drawWorld(prior, template, 3, 4, targets);
    const spec = applyOverrides(template, { seed: w.seed, set: w.set }, "test", STAGE_KINDS);
    const world = spec.stages[0]!.world as Record<string, unknown>;
    const config = WorldConfigSchema.parse(world);
    expect(config.facts.absent).toBeCloseTo(w.knobs.absent!, 6);
    expect(config.facts.weak).toBeCloseTo(w.knobs.weak!, 6);
    // shaky is not in the prior: the template's 0.2 stays, known is what is left
    expect(config.facts.shaky).toBe(0.2);
    expect(config.facts.known).toBeCloseTo(1 - 0.2 - w.knobs.weak! - w.knobs.absent!, 6);
    expect(config.misconception).toBe(w.knobs.misconception);
    // direct : steps : check stay 3 : 1 : 1 around the drawn shortcut share
    expect(config.formats.shortcut).toBeCloseTo(w.knobs.shortcutShare!, 6);
    expect(config.formats.direct / config.formats.steps).toBeCloseTo(3, 4);
    expect(config.formats.steps / config.formats.check).toBeCloseTo(1, 4);
    expect(config.formats.reflect).toBeUndefined();
    expect(config.seed).toBe(w.seed);
    const rl = spec.stages[1]!.train as Record<string, unknown>;
    expect(rl.steps).toBe(w.knobs.rlSteps);
    expect(rl.lr).toBe(w.knobs.rlLr);
  });
});

describe("the reflection knob", () => {
  it("sets reflectionValue, and shortcutShare keeps a template's reflect share in proportion", () => {
    const reflect = { stages: [{ ...template.stages[0]!, world: { ...(template.stages[0]!.world as Record<string, unknown>), formats: { direct: 0.2, steps: 0.1, check: 0.1, shortcut: 0.5, reflect: 0.1 } } }, template.stages[1]!] };
    const p = SurveyPriorSchema.parse({ reflectionValue: { uniform: [0, 1] }, shortcutShare: { uniform: [0, 0.5] } });
    const w = drawWorld(p, reflect, 2, 0, targets);
    const config = WorldConfigSchema.parse(applyOverrides(reflect, { seed: w.seed, set: w.set }, "test", STAGE_KINDS).stages[0]!.world);
    expect(config.reflectionValue).toBe(w.knobs.reflectionValue);
    // direct : steps : check : reflect stay 2 : 1 : 1 : 1
    expect(config.formats.direct / config.formats.reflect!).toBeCloseTo(2, 4);
    expect(config.formats.check / config.formats.reflect!).toBeCloseTo(1, 4);
    expect(config.formats.shortcut).toBeCloseTo(w.knobs.shortcutShare!, 6);
  });
});

describe("SurveyPriorSchema", () => {
  it("names the unknown knob and the known ones, and refuses shares that can sum above 1 or leave their range", () => {
    const err = (p: unknown) => { const r = SurveyPriorSchema.safeParse(p); return r.success ? "" : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "); };
    expect(err({ absnet: { uniform: [0, 1] } })).toMatch(/absnet: unknown knob "absnet" \(knobs: shaky, weak, absent/);
    expect(err({ shaky: { uniform: [0, 0.5] }, weak: { uniform: [0, 0.4] }, absent: { uniform: [0, 0.2] } })).toMatch(/can sum to 1.1/);
    expect(err({ heldOut: { uniform: [0, 2] } })).toMatch(/heldOut: values must lie in \[0, 1\]/);
    expect(err({ heldOut: { uniform: [1, 0] } })).toMatch(/runs backwards/);
    expect(err({ heldOut: { uniform: [0, 1] } })).toBe("");
  });
});
