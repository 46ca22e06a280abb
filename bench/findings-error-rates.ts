/**
 * Error rates of the report's findings, by simulation: how often each verdict comes out when the truth is known.
 * Base rates are shaped like the study's Qwen2.5-3B counts on MATH500 at n = 256 (src/report/test-helpers/
 * simulate.ts); each dataset draws fresh rates and counts. docs/analysis.md quotes these figures.
 *
 *   npx tsx bench/findings-error-rates.ts [--datasets 200] [--resamples 1000]
 */
import { judgeFindings, type Verdict } from "../src/report/findings.js";
import { NO_CHANGE, RL_LIKE, simulatedAnalysis, SMALL_CAPABILITY_GAIN, type Scenario } from "../src/report/test-helpers/simulate.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const datasets = arg("datasets", 200);
const resamples = arg("resamples", 1000);
const VERDICTS: Verdict[] = ["holds", "does not hold", "inconclusive", "cannot be judged"];

function measure(scenario: Scenario): void {
  const t0 = Date.now();
  const tally = new Map<string, Record<Verdict, number>>();
  let accCovered = 0, capCovered = 0;
  for (let d = 0; d < datasets; d++) {
    const a = simulatedAnalysis(scenario, 50_000 + d, { resamples });
    for (const f of judgeFindings(a)) {
      const row = tally.get(f.id) ?? { holds: 0, "does not hold": 0, inconclusive: 0, "cannot be judged": 0 };
      row[f.verdict]++;
      tally.set(f.id, row);
    }
    if (scenario === NO_CHANGE) {
      // the true change is 0: how often does each (1 - 2 alpha) interval cover it
      const t = a.finding_tests!.models.rlvr!;
      if (t.accuracy.ci[0] <= 0 && t.accuracy.ci[1] >= 0) accCovered++;
      if (t.capability.ci[0] <= 0 && t.capability.ci[1] >= 0) capCovered++;
    }
  }
  console.log(`\n${scenario.name}: ${datasets} datasets of 500 questions x 256 samples, ${resamples} resamples (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  console.log(["finding".padEnd(30), ...VERDICTS.map((v) => v.padStart(17))].join(""));
  for (const [id, row] of tally) {
    if (row["cannot be judged"] === datasets) continue;
    console.log([id.padEnd(30), ...VERDICTS.map((v) => `${((100 * row[v]) / datasets).toFixed(1)}%`.padStart(17))].join(""));
  }
  if (scenario === NO_CHANGE) {
    console.log(`coverage of the true change (0) by the 90% intervals: accuracy ${((100 * accCovered) / datasets).toFixed(1)}%, pass@256 (exact bound) ${((100 * capCovered) / datasets).toFixed(1)}%`);
  }
}

for (const s of [NO_CHANGE, SMALL_CAPABILITY_GAIN, RL_LIKE]) measure(s);
