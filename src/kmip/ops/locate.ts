// Locate: every attribute as a filter (dates as ranges when given twice, usage masks as bit subsets,
// structures by the fields given), Storage Status Mask, Object Group Member, Offset and Maximum Items.
import { ObjectGroupMember, ResultReason, State, StorageStatusMask, Tag } from '../../dict/index.js';
import { ItemType, type TtlvItem } from '../../ttlv/types.js';
import { fromAttribute1x, fromAttributes2x, type Attr } from '../attributes/model.js';
import { KmipError, invalidField } from '../errors.js';
import { child, children, int, read, struct, text } from '../items.js';
import { applyDates, type OpContext } from '../context.js';
import { fromRecord, stateOf, values, type ManagedObject } from '../object.js';

/** Most objects one Locate examines: a filter that matches everything must not load a whole database. */
export const LOCATE_SCAN_LIMIT = 100_000;

/** Whether `have` satisfies `want`: equal scalars; for structures, every field given matches. */
function matches(want: TtlvItem, have: TtlvItem): boolean {
  if (want.type === ItemType.Structure) {
    if (have.type !== ItemType.Structure) return false;
    return want.value.every((w) => have.value.some((h) => h.tag === w.tag && matches(w, h)));
  }
  if (want.type !== have.type) return false;
  if (want.type === ItemType.ByteString) {
    const h = have.value as Uint8Array;
    return want.value.length === h.length && want.value.every((b, i) => b === h[i]);
  }
  return want.value === have.value;
}

const DATE_TYPES = new Set<number>([ItemType.DateTime, ItemType.DateTimeExtended]);
const asMs = (i: TtlvItem) => read.date(i)!;

function filterBy(key: string, wanted: TtlvItem[]): (obj: ManagedObject) => boolean {
  if (DATE_TYPES.has(wanted[0].type) && wanted.length === 2) {
    const [a, b] = wanted.map(asMs);
    const lo = Math.min(a, b), hi = Math.max(a, b);
    return (obj) => values(obj, key).some((v) => DATE_TYPES.has(v.type) && asMs(v) >= lo && asMs(v) <= hi);
  }
  if (key === 'Cryptographic Usage Mask') {
    const want = wanted.reduce((m, w) => m | (w.type === ItemType.Integer ? w.value : 0), 0) >>> 0;
    return (obj) => values(obj, key).some((v) => v.type === ItemType.Integer && ((v.value & want) >>> 0) === want);
  }
  return (obj) => wanted.every((w) => values(obj, key).some((v) => matches(w, v)));
}

function storageClass(obj: ManagedObject): number {
  const s = stateOf(obj);
  if (s === State.Destroyed || s === State.DestroyedCompromised) return StorageStatusMask.DestroyedStorage;
  if (values(obj, 'Archive Date').length) return StorageStatusMask.ArchivalStorage;
  return StorageStatusMask.OnLineStorage;
}

export async function locate(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const max = read.int(child(payload, Tag.MaximumItems));
  const offset = read.int(child(payload, Tag.OffsetItems)) ?? 0;
  if ((max !== undefined && max < 0) || offset < 0) throw invalidField('Maximum Items and Offset Items must not be negative');
  const storage = read.int(child(payload, Tag.StorageStatusMask)) ?? StorageStatusMask.OnLineStorage;
  const groupMember = read.enum(child(payload, Tag.ObjectGroupMember));
  // 1.x lists Attribute structures in the payload itself; 2.x puts them in Attributes.
  const attrs: Attr[] = [
    ...children(payload ?? struct(0, []), Tag.Attribute).map((a) => fromAttribute1x(a).attr),
    ...fromAttributes2x(child(payload, Tag.Attributes)),
  ];

  const byKey = new Map<string, TtlvItem[]>();
  for (const a of attrs) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a.value]);
  const objectTypes = byKey.get('Object Type')?.map((v) => read.enum(v)!);
  const nameItem = byKey.get('Name')?.[0];
  const name = nameItem?.type === ItemType.Structure ? read.text(child(nameItem, Tag.NameValue)) : undefined;
  const filters = [...byKey].map(([key, wanted]) => filterBy(key, wanted));
  if (groupMember === ObjectGroupMember.GroupMemberFresh) {
    filters.push((obj) => values(obj, 'Fresh').some((v) => v.type === ItemType.Boolean && v.value));
  }

  const records = await ctx.tx.query({ visibleTo: ctx.principal, objectTypes, name, limit: LOCATE_SCAN_LIMIT + 1 });
  if (records.length > LOCATE_SCAN_LIMIT) {
    throw new KmipError(ResultReason.ServerLimitExceeded, `Locate would examine more than ${LOCATE_SCAN_LIMIT} objects: narrow the filter`);
  }
  const found: string[] = [];
  for (const rec of records) {
    const obj = fromRecord(rec);
    await applyDates(ctx, obj);
    if ((storageClass(obj) & storage) === 0) continue;
    if (filters.every((f) => f(obj))) found.push(obj.uid);
  }
  const page = found.slice(offset, max === undefined ? undefined : offset + max);
  if (page.length) ctx.placeholder = page[0];
  return [ctx.v >= 13 ? int(Tag.LocatedItems, found.length) : undefined, ...page.map((uid) => text(Tag.UniqueIdentifier, uid))].filter(
    (x): x is TtlvItem => x !== undefined,
  );
}
