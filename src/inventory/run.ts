// A whole inventory: every target at once, then the findings over all rows, then the report.
import { collectServer, type CollectOptions, type InventoryTarget } from './collect.js';
import { applyFindings } from './findings.js';
import { summarize, type InventoryReport } from './model.js';

export interface InventoryOptions extends CollectOptions {
  /** The time findings are judged against and the report is stamped with. */
  now: Date;
  /** Default 30. */
  expiringDays?: number;
  /** Default 365. */
  maxAgeDays?: number;
}

export const DEFAULT_EXPIRING_DAYS = 30;
export const DEFAULT_MAX_AGE_DAYS = 365;

/** Inventories the targets concurrently; a failed server is a ServerReport with status 'failed', never a throw. */
export async function runInventory(targets: readonly InventoryTarget[], options: InventoryOptions): Promise<InventoryReport> {
  const expiringDays = options.expiringDays ?? DEFAULT_EXPIRING_DAYS;
  const maxAgeDays = options.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS;
  const names = new Set<string>();
  for (const t of targets) {
    if (names.has(t.name)) throw new TypeError(`two targets are named "${t.name}": names must be unique`);
    names.add(t.name);
  }
  const results = await Promise.all(targets.map((t) => collectServer(t, options)));
  const objects = applyFindings(results.flatMap((r) => r.objects), { now: options.now, expiringDays, maxAgeDays });
  const servers = results.map((r) => r.server);
  return {
    generatedAt: options.now.toISOString(),
    parameters: { expiringDays, maxAgeDays, includeDestroyed: options.includeDestroyed !== false },
    servers,
    objects,
    summary: summarize(servers, objects),
  };
}
