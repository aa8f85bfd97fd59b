export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function p95(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * 0.95)]!;
}

/** Median and range of one measurement over the rounds of a scenario. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export function spread(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/** One scenario's figures: partnerd's and the baseline's (measured in the same run), and the target. */
export interface Result {
  scenario: string;
  unit: string;
  partnerd: Spread;
  baseline: Spread | undefined;
  /** What the baseline is (`node -e 0`, a bare msal-node script...). */
  baselineName: string | undefined;
  /** partnerd / baseline for costs (ms, MB); baseline / partnerd would read backwards, so throughputs
   * (refreshes/s) are partnerd / baseline too: above 1 is faster. */
  ratio: number | undefined;
  target: string;
  /** Extra facts worth printing (syscalls per refresh, timers). */
  notes?: Record<string, string | number>;
}

export function result(
  scenario: string,
  unit: string,
  partnerd: number[],
  baseline: { name: string; values: number[] } | undefined,
  target: string,
  notes?: Record<string, string | number>,
): Result {
  const ours = spread(partnerd);
  const theirs = baseline ? spread(baseline.values) : undefined;
  return {
    scenario,
    unit,
    partnerd: ours,
    baseline: theirs,
    baselineName: baseline?.name,
    ratio: theirs ? ours.median / theirs.median : undefined,
    target,
    ...(notes ? { notes } : {}),
  };
}

const fmt = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const range = (s: Spread, unit: string) => `${fmt(s.median)} ${unit} (${fmt(s.min)}-${fmt(s.max)})`;

export function printResult(r: Result): void {
  console.log(`\n${r.scenario}`);
  console.log(`  partnerd  ${range(r.partnerd, r.unit)}`);
  if (r.baseline) console.log(`  baseline  ${range(r.baseline, r.unit)}  [${r.baselineName}]`);
  const ratio = r.ratio === undefined ? "" : `ratio ${r.ratio.toFixed(2)}x  `;
  console.log(`  ${ratio}target ${r.target}`);
  for (const [key, value] of Object.entries(r.notes ?? {})) console.log(`  ${key}: ${value}`);
}

/** Runs `measure` for every contender in turn, `rounds` times (A, B, C, A, B, C...): drift hits all. */
export async function interleaved<K extends string>(
  rounds: number,
  contenders: Record<K, () => Promise<number>>,
): Promise<Record<K, number[]>> {
  const names = Object.keys(contenders) as K[];
  const values = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<K, number[]>;
  for (let round = 0; round < rounds; round++) {
    for (const name of names) values[name].push(await contenders[name]());
  }
  return values;
}
