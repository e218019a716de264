// What the inventory flags, from the rows alone and a given "now" (no clock read here). The rules are
// documented in docs/inventory.md; each finding's message names the dates or links it rests on.
import type { Finding, InventoryObject } from './model.js';

export interface FindingOptions {
  /** The time to judge against. */
  now: Date;
  /** Flag objects whose Deactivation Date or Protect Stop Date falls within this many days. */
  expiringDays: number;
  /** Flag Active keys older than this (from Activation Date, else Initial Date) that nothing replaced. */
  maxAgeDays: number;
}

const DAY_MS = 86_400_000;

/** Object types that are key material with a cryptoperiod (certificates expire by their own dates). */
export const KEY_TYPES: ReadonlySet<string> = new Set(['SymmetricKey', 'PrivateKey', 'PublicKey', 'SplitKey', 'SecretData', 'PGPKey']);

/** States in which the object may still be used to protect data (or soon will be). */
const LIVE = new Set(['PreActive', 'Active']);

/**
 * Links that only record history (a successor pointing back at what it replaced): they do not make
 * the linked object "in use".
 */
const HISTORY_LINKS = new Set(['ReplacedObjectLink', 'PreviousLink']);

const ms = (iso: string | undefined): number | undefined => (iso === undefined ? undefined : Date.parse(iso));
const day = (t: number): string => new Date(t).toISOString().slice(0, 10);
const days = (d: number): string => `${d} day${d === 1 ? '' : 's'}`;

/** Links from live (Pre-Active or Active) objects on the same server, by the identifier they point at. */
function liveReferrers(objects: readonly InventoryObject[]): Map<string, { from: string; type: string }[]> {
  const by = new Map<string, { from: string; type: string }[]>();
  for (const o of objects) {
    if (!o.state || !LIVE.has(o.state)) continue;
    for (const l of o.links) {
      if (HISTORY_LINKS.has(l.type)) continue;
      const key = `${o.server}\u0000${l.uniqueIdentifier}`;
      const list = by.get(key) ?? [];
      list.push({ from: o.uniqueIdentifier, type: l.type });
      by.set(key, list);
    }
  }
  return by;
}

/** The findings of one row, given what links to it. */
function findingsOf(o: InventoryObject, referrers: { from: string; type: string }[], opt: FindingOptions): Finding[] {
  const out: Finding[] = [];
  const now = opt.now.getTime();
  const state = o.state;
  const replaced = o.links.some((l) => l.type === 'ReplacementObjectLink');

  // Expiry: the earlier of Deactivation Date and Protect Stop Date, for objects still (or soon) in use.
  if (state && LIVE.has(state)) {
    const ends = [
      ['Deactivation Date', ms(o.dates.deactivationDate)],
      ['Protect Stop Date', ms(o.dates.protectStopDate)],
    ].filter((e): e is [string, number] => e[1] !== undefined && Number.isFinite(e[1]));
    ends.sort((a, b) => a[1] - b[1]);
    const end = ends[0];
    if (end) {
      const [what, t] = end;
      if (t <= now) {
        if (state === 'Active') {
          out.push({ code: 'expired', severity: 'high', message: `${what} ${day(t)} has passed (${days(Math.floor((now - t) / DAY_MS))} ago) but the object is still Active` });
        }
      } else if (t - now <= opt.expiringDays * DAY_MS) {
        out.push({
          code: 'expiring',
          severity: replaced ? 'low' : 'medium',
          message: `${what} ${day(t)} is within ${days(opt.expiringDays)} (in ${days(Math.ceil((t - now) / DAY_MS))})${replaced ? '; a replacement exists' : '; no replacement yet'}`,
        });
      }
    }
  }

  const linkedFrom = referrers.length
    ? `linked from live object${referrers.length === 1 ? '' : 's'} ${referrers.map((r) => `${r.from} (${r.type})`).join(', ')}`
    : undefined;
  // Compromised and not destroyed: its material can still be fetched and used.
  if (state === 'Compromised') {
    const why = ['its material has not been destroyed'];
    if (linkedFrom) why.push(linkedFrom);
    why.push(replaced ? 'a replacement exists' : 'nothing replaced it');
    out.push({ code: 'compromised-in-use', severity: 'high', message: `Compromised but still usable: ${why.join('; ')}` });
  }
  // Deactivated: in use when a live object depends on it, or when nothing replaced it.
  if (state === 'Deactivated' && (linkedFrom || !replaced)) {
    const why = [linkedFrom, replaced ? undefined : 'no Replacement Object Link (whatever used it has no successor)'].filter(Boolean);
    out.push({ code: 'deactivated-in-use', severity: 'medium', message: `Deactivated but still in use: ${why.join('; ')}` });
  }

  // Rotation: an Active key older than the limit with no successor and no automatic rotation that would make one.
  if (state === 'Active' && o.objectType && KEY_TYPES.has(o.objectType) && !replaced) {
    const fromKey = o.dates.activationDate !== undefined ? 'Activation Date' : 'Initial Date';
    const since = ms(o.dates.activationDate ?? o.dates.initialDate);
    const autoRotates =
      o.rotation?.automatic === true && o.rotation.intervalSeconds !== undefined && o.rotation.intervalSeconds > 0 && o.rotation.intervalSeconds <= opt.maxAgeDays * 86_400;
    if (since !== undefined && Number.isFinite(since) && now - since > opt.maxAgeDays * DAY_MS && !autoRotates) {
      out.push({
        code: 'no-rotation',
        severity: 'medium',
        message: `Active for ${days(Math.floor((now - since) / DAY_MS))} (${fromKey} ${day(since)}), more than ${days(opt.maxAgeDays)}, with no Replacement Object Link${o.rotation?.automatic === true ? ' and a Rotate Interval longer than that' : ''}`,
      });
    }
  }
  return out;
}

/** Sets `findings` on every row (links are followed within each row's server). Returns the rows. */
export function applyFindings<T extends InventoryObject>(objects: T[], opt: FindingOptions): T[] {
  if (!Number.isFinite(opt.now.getTime())) throw new TypeError('findings need a valid "now"');
  const referrers = liveReferrers(objects);
  for (const o of objects) o.findings = findingsOf(o, referrers.get(`${o.server}\u0000${o.uniqueIdentifier}`) ?? [], opt);
  return objects;
}
