import { describe, expect, it } from "vitest";
import { useTmpDirs } from "../test-helpers/tmp.js";
import { modelMeta, setModelMeta } from "./sampling-records.js";
import { recordSeriesStep, seriesMembers, seriesModelName } from "./series.js";
import { withStore } from "./store.js";

const tmp = useTmpDirs();

describe("series records", () => {
  it("record the step as a number beside what models.meta already holds, and list snapshots by series and step", async () => {
    await withStore(tmp(), { create: true }, async (store) => {
      await store.writeSegment("models", "SELECT 'rl@step-20' AS name, 'embedded:x' AS spec, NULL::VARCHAR AS meta");
      await setModelMeta(store, "rl@step-20", { sampling: { temperature: 0.9 } });
      await recordSeriesStep(store, "rl@step-20", "rl", 20);
      await recordSeriesStep(store, seriesModelName("rl", 5), "rl", 5); // not registered yet: registered here
      await recordSeriesStep(store, "a@step-1", "a", 1);
      // a verl import from before this record: {series, step} at the top level
      await store.writeSegment("models", `SELECT * FROM (VALUES ('old@step-3', NULL::VARCHAR, '{"series": "old", "step": 3}'), ('plain', NULL, '{"sampling": {}}'), ('broken', NULL, '{')) t(name, spec, meta)`);
      expect(await modelMeta(store, "rl@step-20")).toEqual({ sampling: { temperature: 0.9 }, series: { name: "rl", step: 20 } });
      expect(await seriesMembers(store)).toEqual([
        { model: "a@step-1", series: "a", step: 1 },
        { model: "old@step-3", series: "old", step: 3 },
        { model: "rl@step-5", series: "rl", step: 5 },
        { model: "rl@step-20", series: "rl", step: 20 },
      ]);
      await expect(recordSeriesStep(store, "x", "x", 1.5)).rejects.toThrow(/step 1.5 is not a whole number/);
    });
  });
});
