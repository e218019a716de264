// Per-object grants, given by the owner through an ordinary custom attribute so that any KMIP client
// can manage them: `x-kmipkit-grant` = "<principal>: <Operation>[, <Operation>...]", one instance per
// grantee (2.x: Vendor Identification 'x', Attribute Name 'kmipkit-grant'). Only the owner may change
// them; the store keeps the resulting grant table, which access checks and Locate read.
import { Operation, ResultReason } from '../dict/index.js';
import { ItemType } from '../ttlv/types.js';
import type { Attr } from './attributes/model.js';
import { KmipError } from './errors.js';
import type { OpContext } from './context.js';
import type { ManagedObject } from './object.js';

export const GRANT_ATTRIBUTE = 'x-kmipkit-grant';

const OPS_BY_NAME = new Map(Object.entries(Operation).map(([k, v]) => [k.toLowerCase(), v]));

export function parseGrant(value: string): { principal: string; operations: number[] } {
  const colon = value.lastIndexOf(':');
  const principal = colon > 0 ? value.slice(0, colon).trim() : '';
  const names = colon > 0 ? value.slice(colon + 1).split(',').map((s) => s.trim()).filter(Boolean) : [];
  if (!principal || names.length === 0) {
    throw new KmipError(ResultReason.InvalidField, `${GRANT_ATTRIBUTE} must read "<principal>: <Operation>, ..."`);
  }
  const operations = names.map((n) => {
    const op = OPS_BY_NAME.get(n.replace(/[\s_-]/g, '').toLowerCase());
    if (op === undefined) throw new KmipError(ResultReason.InvalidField, `${GRANT_ATTRIBUTE}: unknown operation ${JSON.stringify(n)}`);
    return op;
  });
  return { principal, operations };
}

/** Refuses grant changes by anyone but the owner, and checks the values before anything is written. */
export function checkGrantChange(ctx: OpContext, obj: ManagedObject, attrs: readonly Attr[]): void {
  const touched = attrs.filter((a) => a.key === GRANT_ATTRIBUTE);
  if (touched.length === 0) return;
  if (obj.owner !== ctx.principal) throw new KmipError(ResultReason.PermissionDenied, 'only the owner may change grants');
  for (const a of touched) {
    if (a.value.type !== ItemType.TextString) throw new KmipError(ResultReason.InvalidField, `${GRANT_ATTRIBUTE} must be a Text String`);
    parseGrant(a.value.value);
  }
}

/** Writes the grant table from the object's grant attributes (after an attribute change). */
export async function syncGrants(ctx: OpContext, obj: ManagedObject): Promise<void> {
  const have = await ctx.tx.grants(obj.uid);
  if (have.length === 0 && !obj.attrs.some((a) => a.key === GRANT_ATTRIBUTE)) return;
  const want = new Map<string, number[]>();
  for (const a of obj.attrs) {
    if (a.key !== GRANT_ATTRIBUTE || a.value.type !== ItemType.TextString) continue;
    const g = parseGrant(a.value.value);
    want.set(g.principal, [...new Set([...(want.get(g.principal) ?? []), ...g.operations])]);
  }
  for (const g of have) if (!want.has(g.principal)) await ctx.tx.setGrant(obj.uid, g.principal, []);
  for (const [principal, operations] of want) await ctx.tx.setGrant(obj.uid, principal, operations);
}
