import { describe, expect, it } from "vitest";
import type { Verdict } from "./findings.js";
import { analyseSurvey, expandsVerdict, headlineVerdict, type SurveyWorld } from "./survey.js";
import { surveyHeadline, surveyMarkdown, surveySectionHtml } from "./survey-report.js";

const H: Verdict = "holds", F: Verdict = "does not hold", I: Verdict = "inconclusive", C: Verdict = "cannot be judged";

/** Eight worlds: RLVR's capability finding fails (capability expanded) exactly where absent < 0.05. */
function worlds(): SurveyWorld[] {
  const absent = [0.01, 0.02, 0.03, 0.04, 0.06, 0.08, 0.1, 0.12];
  const lr = [3, 1, 4, 1, 5, 9, 2, 6];
  return absent.map((a, i) => ({
    id: `world-${i + 1}`, seed: i + 1, knobs: { absent: a, rlLr: lr[i]! }, seconds: 10,
    verdicts: { "rlvr-accuracy": i === 7 ? I : H, "rlvr-capability": a < 0.05 ? F : H, "rlvr-entropy": i === 0 ? C : H },
    claims: { "rlvr-accuracy": "RLVR raises accuracy", "rlvr-capability": "RLVR's capability does not rise", "rlvr-entropy": "entropy falls" },
  }));
}

describe("headline and expansion verdicts", () => {
  it("combine the accuracy and capability findings", () => {
    expect(headlineVerdict({ "rlvr-accuracy": H, "rlvr-capability": H })).toBe(H);
    expect(headlineVerdict({ "rlvr-accuracy": H, "rlvr-capability": F })).toBe(F);
    expect(headlineVerdict({ "rlvr-accuracy": I, "rlvr-capability": H })).toBe(I);
    expect(headlineVerdict({ "rlvr-accuracy": H })).toBe(C);
    expect(expandsVerdict({ "rlvr-capability": F })).toBe(H);
    expect(expandsVerdict({ "rlvr-capability": H })).toBe(F);
    expect(expandsVerdict({ "rlvr-capability": I })).toBe(I);
  });
});

describe("analyseSurvey", () => {
  const r = analyseSurvey(worlds(), { absent: "share of absent facts", rlLr: "RLVR learning rate" });
  it("counts each finding's verdicts and gives holds / judged with a Wilson interval", () => {
    const acc = r.findings.find((f) => f.id === "rlvr-accuracy")!;
    expect(acc.counts).toEqual({ holds: 7, does_not_hold: 0, inconclusive: 1, cannot_be_judged: 0 });
    expect(acc.share.share).toBeCloseTo(7 / 8, 12);
    // Wilson 7 of 8 at 95%: [0.5291, 0.9776]
    expect(acc.share.ci![0]).toBeCloseTo(0.5291, 3);
    expect(acc.share.ci![1]).toBeCloseTo(0.9776, 3);
    const ent = r.findings.find((f) => f.id === "rlvr-entropy")!;
    expect(ent.share).toMatchObject({ holds: 7, n: 7, share: 1 });
    // holds in every judged world: no model and no split to read
    expect(ent.model).toBeNull();
    expect(ent.splits).toEqual([]);
  });
  it("finds the knob that splits the worlds, and the logistic model gives it the larger effect", () => {
    // headline: holds in worlds 5-7 (absent >= 0.06, accuracy holds), refuted in 1-4, inconclusive in 8
    expect(r.headline.counts).toEqual({ holds: 3, does_not_hold: 4, inconclusive: 1, cannot_be_judged: 0 });
    expect(r.expands.counts).toEqual({ holds: 4, does_not_hold: 4, inconclusive: 0, cannot_be_judged: 0 });
    const [best] = r.expands.splits;
    expect(best).toMatchObject({ knob: "absent", threshold: 0.05, errors: 0, baseline: 4, below: { n: 4, holds: 4 }, above: { n: 4, holds: 0 } });
    const effect = (k: string) => r.expands.model!.effects.find((e) => e.knob === k)!.beta;
    expect(effect("absent")).toBeLessThan(0);
    expect(Math.abs(effect("absent"))).toBeGreaterThan(Math.abs(effect("rlLr")));
    expect(r.expands.model!.converged).toBe(true);
  });
  it("draws the headline over its two strongest knobs, the model's probability on a grid", () => {
    expect(r.phase).not.toBeNull();
    expect([r.phase!.x, r.phase!.y].sort()).toEqual(["absent", "rlLr"]);
    expect(r.phase!.points).toHaveLength(8);
    expect(r.phase!.points.filter((p) => p.holds)).toHaveLength(3);
    expect(r.phase!.cells).toHaveLength(144);
    expect(r.phase!.cells.every((c) => c.p > 0 && c.p < 1)).toBe(true);
  });
  it("states the headline share and what the expanding worlds have in common, in words, markdown and HTML", async () => {
    const [headline, expands] = surveyHeadline(r);
    expect(headline).toContain("holds in 3 of 8 worlds, 38% [95% Wilson");
    expect(expands).toContain("RLVR expanded capability in 4 of 8 worlds");
    expect(expands).toContain("share of absent facts <= 0.0500: holds in 4 of 4; above: 0 of 4");
    const md = surveyMarkdown(r);
    expect(md).toContain("| accuracy-not-capability | 3 | 4 | 1 | 0 | 0.38 [");
    const html = await surveySectionHtml(r);
    expect(html).toContain("<svg");
    expect(html).toContain('id="survey-findings"');
  });
  it("says plainly when RLVR never expanded capability", () => {
    const none = worlds().map((w) => ({ ...w, verdicts: { ...w.verdicts, "rlvr-capability": H } }));
    expect(surveyHeadline(analyseSurvey(none, {}))[1]).toMatch(/in none of the 8 worlds judged/);
  });
});
