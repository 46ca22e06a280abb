import type { SampleStore } from "./store.js";

/**
 * Per model: how the harness's verdicts (`harness_correct`, kept from the import) compare with rlvd's own
 * (`correct` of samples rlvd graded, i.e. whose status is not "imported"). `compared` counts samples with both.
 */
export type HarnessAgreement = {
  model: string;
  /** samples that carry a harness verdict */
  harness_verdicts: number;
  /** of those, samples rlvd has graded itself */
  compared: number;
  agree: number;
  /** the harness says right, rlvd says wrong */
  harness_only: number;
  /** rlvd says right, the harness says wrong */
  rlvd_only: number;
  /** agree / compared; null when nothing is compared yet */
  agreement: number | null;
};

export async function harnessAgreement(store: SampleStore): Promise<HarnessAgreement[]> {
  return withAgreement(await store.all<AgreementRow>(AGREEMENT_SQL));
}

/** harnessAgreement on a side connection of the store (SampleStore.startBeside), for a caller that computes meanwhile. */
export async function startHarnessAgreement(store: SampleStore): Promise<{ done: Promise<HarnessAgreement[]> }> {
  return { done: (await store.startBeside<AgreementRow>(AGREEMENT_SQL)).rows.then(withAgreement) };
}

type AgreementRow = Omit<HarnessAgreement, "agreement">;

const AGREEMENT_SQL = `WITH s AS (SELECT model, harness_correct AS h, CASE WHEN verify_status IS DISTINCT FROM 'imported' THEN correct END AS r FROM samples)
  SELECT model, count(h)::INTEGER AS harness_verdicts, count(*) FILTER (WHERE h IS NOT NULL AND r IS NOT NULL)::INTEGER AS compared,
         count(*) FILTER (WHERE h = r)::INTEGER AS agree, count(*) FILTER (WHERE h AND NOT r)::INTEGER AS harness_only,
         count(*) FILTER (WHERE NOT h AND r)::INTEGER AS rlvd_only
    FROM s GROUP BY model HAVING count(h) > 0 ORDER BY model`;

function withAgreement(rows: readonly AgreementRow[]): HarnessAgreement[] {
  return rows.map((r) => ({ ...r, agreement: r.compared > 0 ? r.agree / r.compared : null }));
}
