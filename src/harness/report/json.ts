// The JSON report: the BenchResult as it is (shape in src/harness/result.ts and docs/bench-harness.md).
// Figures that do not exist (a percentile of an operation that never succeeded) are null.
import type { BenchResult } from '../result.js';

export function renderJson(r: BenchResult): string {
  const text = JSON.stringify(r, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
  // Distribution bins on one line each: [upper ms, count].
  return `${text.replace(/\[\s+(-?[\d.e+-]+),\s+(-?[\d.e+-]+)\s+\]/g, '[$1, $2]')}\n`;
}
