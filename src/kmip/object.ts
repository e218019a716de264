// A managed object as the engine handles it: metadata record plus the decoded attribute list. The
// attribute list is stored as one TTLV Attributes structure (the 2.x form), so the store never needs
// to know KMIP.
import { Tag } from '../dict/index.js';
import { decode, encode } from '../ttlv/index.js';
import type { TtlvItem } from '../ttlv/types.js';
import type { NewObjectRecord, ObjectRecord } from '../store/types.js';
import { fromAttribute2x, toAttribute2x, type Attr } from './attributes/model.js';
import { date, enm, read, struct, text } from './items.js';

export interface ManagedObject {
  readonly uid: string;
  readonly objectType: number;
  readonly owner: string;
  attrs: Attr[];
  readonly createdAt: number;
  updatedAt: number;
  /** Whether the store holds material for it. */
  hasMaterial: boolean;
}

export const values = (obj: ManagedObject, key: string): TtlvItem[] => obj.attrs.filter((a) => a.key === key).map((a) => a.value);
export const first = (obj: ManagedObject, key: string): TtlvItem | undefined => obj.attrs.find((a) => a.key === key)?.value;

/** Replaces every instance of `key` with one value (single-valued attributes the server maintains). */
export function setOne(obj: ManagedObject, key: string, value: TtlvItem): void {
  const at = obj.attrs.findIndex((a) => a.key === key);
  const rest = obj.attrs.filter((a) => a.key !== key);
  if (at < 0) rest.push({ key, value });
  else rest.splice(Math.min(at, rest.length), 0, { key, value });
  obj.attrs = rest;
}

export const removeAll = (obj: ManagedObject, key: string): void => {
  obj.attrs = obj.attrs.filter((a) => a.key !== key);
};

export const stateOf = (obj: ManagedObject): number => read.enum(first(obj, 'State')) ?? 0;
export const dateOf = (obj: ManagedObject, key: string): number | undefined => read.date(first(obj, key));
export const setDate = (obj: ManagedObject, key: string, ms: number, tag: number): void => setOne(obj, key, date(tag, ms));
export const setState = (obj: ManagedObject, state: number): void => setOne(obj, 'State', enm(Tag.State, state));

export function namesOf(obj: ManagedObject): string[] {
  const out: string[] = [];
  for (const v of values(obj, 'Name')) {
    const nv = v.type === 1 ? v.value.find((c) => c.tag === Tag.NameValue) : undefined;
    if (nv?.type === 7) out.push(nv.value);
  }
  return out;
}

export function encodeAttributes(attrs: readonly Attr[]): Uint8Array {
  return encode(struct(Tag.Attributes, attrs.map(toAttribute2x)));
}

export function decodeAttributes(bytes: Uint8Array): Attr[] {
  const root = decode(bytes);
  return root.type === 1 ? root.value.map(fromAttribute2x) : [];
}

export function toRecord(obj: ManagedObject): NewObjectRecord {
  return {
    uid: obj.uid,
    objectType: obj.objectType,
    state: stateOf(obj),
    owner: obj.owner,
    attributes: encodeAttributes(obj.attrs),
    names: namesOf(obj),
    createdAt: obj.createdAt,
    updatedAt: obj.updatedAt,
  };
}

// Decoded attribute lists of recently loaded objects, keyed by uid and checked against the stored bytes
// (not the revision: a rolled-back update lets a later one reuse its revision number with other
// content). Cached items are frozen, and every load gets its own copy of the list, so no caller can
// change what another one reads.
const DECODED_MAX = 1024;
const decoded = new Map<string, { readonly bytes: Buffer; readonly attrs: readonly Attr[] }>();

function freezeItem(item: TtlvItem): void {
  if (item.type === 1) for (const c of item.value) freezeItem(c);
  if (Array.isArray(item.value)) Object.freeze(item.value);
  Object.freeze(item);
}

function decodeCached(uid: string, bytes: Uint8Array): Attr[] {
  const hit = decoded.get(uid);
  if (hit && hit.bytes.length === bytes.length && hit.bytes.equals(bytes)) return hit.attrs.slice();
  const own = Buffer.from(bytes);
  const attrs = decodeAttributes(own);
  for (const a of attrs) {
    freezeItem(a.value);
    Object.freeze(a);
  }
  if (hit) decoded.delete(uid);
  else if (decoded.size >= DECODED_MAX) decoded.delete(decoded.keys().next().value as string);
  decoded.set(uid, { bytes: own, attrs });
  return attrs.slice();
}

export function fromRecord(rec: ObjectRecord): ManagedObject {
  return {
    uid: rec.uid,
    objectType: rec.objectType,
    owner: rec.owner,
    attrs: decodeCached(rec.uid, rec.attributes),
    createdAt: rec.createdAt,
    updatedAt: rec.updatedAt,
    hasMaterial: rec.hasMaterial ?? false,
  };
}

export const uidItem = (uid: string): TtlvItem => text(Tag.UniqueIdentifier, uid);
