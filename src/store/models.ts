import type { SampleStore } from "./store.js";

/**
 * The models of a run: the name samples are stored under, the backend spec that produced them, and whether
 * a new sampling run under that name starts over (another spec, or a forced stage) or resumes.
 */

/** Every model's recorded backend spec (null: imported, or a store from before specs were recorded). */
export async function modelSpecs(store: SampleStore): Promise<Map<string, string | null>> {
  const rows = await store.all<{ name: string; spec: string | null }>("SELECT name, spec FROM models");
  return new Map(rows.map((m) => [m.name, m.spec]));
}

export async function hasModel(store: SampleStore, model: string): Promise<boolean> {
  const rows = await store.all<{ n: number }>("SELECT count(*)::INTEGER AS n FROM models WHERE name = ?", [model]);
  return rows[0]!.n > 0;
}

/**
 * Adds the model with its spec. When it is already there and `fresh` is set, or `replaceOtherSpec` is set and
 * its samples came from another spec, its stored samples and metadata are deleted first: true then.
 */
export async function registerModel(
  store: SampleStore,
  model: string,
  spec: string,
  options: { replaceOtherSpec: boolean; fresh: boolean },
): Promise<boolean> {
  const known = await store.all<{ spec: string | null }>("SELECT spec FROM models WHERE name = ?", [model]);
  if (known.length > 0 && (options.fresh || (options.replaceOtherSpec && known[0]!.spec !== spec))) {
    await store.transaction(async () => {
      await store.run("DELETE FROM samples WHERE model = ?", [model]);
      await store.run("UPDATE models SET spec = ?, meta = NULL WHERE name = ?", [spec, model]);
    });
    return true;
  }
  if (known.length === 0) await store.run("INSERT INTO models (name, spec) VALUES (?, ?)", [model, spec]);
  else if (known[0]!.spec === null) await store.run("UPDATE models SET spec = ? WHERE name = ?", [spec, model]);
  return false;
}

/** The sample indices stored per question of one model (what a resumed sampling run skips). */
export async function storedIndices(store: SampleStore, model: string): Promise<Map<string, Set<number>>> {
  const rows = await store.all<{ question_id: string; sample_index: number }>("SELECT question_id, sample_index FROM samples WHERE model = ?", [model]);
  const have = new Map<string, Set<number>>();
  for (const r of rows) {
    let s = have.get(r.question_id);
    if (!s) have.set(r.question_id, (s = new Set()));
    s.add(r.sample_index);
  }
  return have;
}
