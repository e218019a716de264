// Get Attributes, Get Attribute List, Add, Set, Modify, Delete and Adjust Attribute, in the 1.x form
// (Attribute Name / Index / Value) and the 2.x form (Attribute References, New and Current Attribute).
import { AdjustmentType, ResultReason, Tag } from '../../dict/index.js';
import { ItemType, type TtlvItem } from '../../ttlv/types.js';
import {
  fromAttribute1x, fromAttribute2x, fromAttributeReference, keyForName, kindOf, toAttribute1x, toAttribute2x,
  toAttributeReference, type Attr,
} from '../attributes/model.js';
import { clientOwnsCustom } from '../attributes/registry.js';
import { KmipError, invalidField } from '../errors.js';
import { child, children, itemEquals, read, struct, text } from '../items.js';
import { applyDates, load, save, uidOf, type OpContext, Operation } from '../context.js';
import { lifecycleRefusal } from './usable.js';
import { stateOf, uidItem, type ManagedObject } from '../object.js';
import { GRANT_ATTRIBUTE, checkGrantChange, syncGrants } from '../grants.js';
import { checkNamesUnique, readOnly, singleValued } from './common.js';
import { updateHistoryFlags } from '../policy.js';

/** Whether an attribute exists in the negotiated version's object model (2.0 dropped some, added others). */
function inVersion(ctx: OpContext, key: string): boolean {
  const k = kindOf(key);
  if (k?.kind !== 'standard') return true;
  return k.def.since <= ctx.v && (k.def.until === undefined || ctx.v <= k.def.until);
}

const notFoundAttr = (ctx: OpContext, key: string) =>
  new KmipError(ctx.v >= 20 ? ResultReason.AttributeNotFound : ResultReason.ItemNotFound, `the object has no ${key}`);

/** Instances with their 1.x index (the position among instances of the same key). */
function indexed(obj: ManagedObject, key: string): { at: number; index: number; attr: Attr }[] {
  const out: { at: number; index: number; attr: Attr }[] = [];
  obj.attrs.forEach((attr, at) => {
    if (attr.key === key) out.push({ at, index: out.length, attr });
  });
  return out;
}

/** Every attribute key the object has, less those the operator asked to leave out of such answers. */
function allKeys(ctx: OpContext, obj: ManagedObject): string[] {
  const keys = [...new Set(obj.attrs.map((a) => a.key))];
  return ctx.server.omitFromAll.size ? keys.filter((k) => !ctx.server.omitFromAll.has(k)) : keys;
}

function render(ctx: OpContext, obj: ManagedObject, keys: readonly string[] | undefined): TtlvItem[] {
  const wanted = keys ?? allKeys(ctx, obj);
  const out: TtlvItem[] = [];
  for (const key of wanted) {
    if (!inVersion(ctx, key)) continue;
    for (const { index, attr } of indexed(obj, key)) {
      const a = inVersionForm(ctx, attr);
      out.push(ctx.v >= 20 ? toAttribute2x(a) : toAttribute1x(a, index));
    }
  }
  return ctx.v >= 20 ? [struct(Tag.Attributes, out)] : out;
}

/** An attribute value in the form the negotiated version defines: KMIP 1.0's Digest has no Key Format Type (added in 1.1). */
function inVersionForm(ctx: OpContext, attr: Attr): Attr {
  if (ctx.v >= 11 || attr.key !== 'Digest' || attr.value.type !== ItemType.Structure) return attr;
  return { key: attr.key, value: struct(attr.value.tag, attr.value.value.filter((c) => c.tag !== Tag.KeyFormatType)) };
}

/** The attribute keys a Get Attributes / Get Attribute List request names; undefined for all. */
function requestedKeys(payload: TtlvItem | undefined): string[] | undefined {
  const names = children(payload ?? struct(0, []), Tag.AttributeName).map((n) => read.text(n)!);
  const refs = children(payload ?? struct(0, []), Tag.AttributeReference);
  if (names.length === 0 && refs.length === 0) return undefined;
  const keys: string[] = [];
  for (const n of names) {
    try {
      keys.push(keyForName(n));
    } catch {
      // A name no edition defines names nothing the object can have: nothing to return for it.
    }
  }
  for (const r of refs) keys.push(fromAttributeReference(r));
  return keys;
}

export async function getAttributes(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.GetAttributes, { allowArchived: true });
  ctx.placeholder = uid;
  return [uidItem(uid), ...render(ctx, obj, requestedKeys(payload))];
}

export async function getAttributeList(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.GetAttributeList, { allowArchived: true });
  const keys = allKeys(ctx, obj).filter((k) => inVersion(ctx, k));
  ctx.placeholder = uid;
  const list = ctx.v >= 20 ? keys.map(toAttributeReference) : keys.map((k) => text(Tag.AttributeName, k));
  return [uidItem(uid), ...list];
}

/** Who may write `key`, in which state; `mode` is what the client asks for. */
function checkWritable(ctx: OpContext, obj: ManagedObject, key: string, mode: 'add' | 'modify' | 'delete'): void {
  const k = kindOf(key);
  if (!k) throw invalidField(`unknown attribute ${key}`);
  if (k.kind === 'custom') {
    if (!clientOwnsCustom(key)) throw readOnly(ctx, `${key} belongs to the server`);
    return;
  }
  if (k.kind === 'extension') return;
  const d = k.def;
  const allowed = mode === 'add' ? d.clientSets : mode === 'modify' ? d.clientModifies : d.clientDeletes;
  if (!allowed) throw readOnly(ctx, `${key} cannot be ${mode === 'add' ? 'set' : mode === 'modify' ? 'modified' : 'deleted'} by a client`);
  if (d.modifiableIn && !d.modifiableIn.includes(stateOf(obj))) {
    throw lifecycleRefusal(ctx, `${key} can no longer be changed in this state`);
  }
}

async function finish(ctx: OpContext, obj: ManagedObject, touched?: string): Promise<void> {
  updateHistoryFlags(obj);
  await save(ctx, obj);
  if (touched === GRANT_ATTRIBUTE) await syncGrants(ctx, obj);
  await applyDates(ctx, obj);
  ctx.placeholder = obj.uid;
}

export async function addAttribute(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.AddAttribute);
  const attr = ctx.v >= 20 ? newAttribute(payload) : fromAttribute1x(need1x(payload)).attr;
  checkWritable(ctx, obj, attr.key, 'add');
  checkGrantChange(ctx, obj, [attr]);
  const k = kindOf(attr.key)!;
  const existing = indexed(obj, attr.key);
  if (k.kind === 'standard' && !k.def.multi && existing.length > 0) throw singleValued(ctx, `${attr.key} already has a value`);
  await checkNamesUnique(ctx, [attr], obj);
  obj.attrs.push(attr);
  await finish(ctx, obj, attr.key);
  return ctx.v >= 20 ? [uidItem(uid)] : [uidItem(uid), toAttribute1x(attr, existing.length)];
}

export async function setAttribute(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.SetAttribute);
  const attr = newAttribute(payload);
  const k = kindOf(attr.key)!;
  if (k.kind === 'standard' && k.def.multi) throw new KmipError(ResultReason.MultiValuedAttribute, `${attr.key} is multi-valued: use Add or Modify Attribute`);
  const existing = indexed(obj, attr.key);
  checkWritable(ctx, obj, attr.key, existing.length ? 'modify' : 'add');
  checkGrantChange(ctx, obj, [attr]);
  if (existing.length) obj.attrs[existing[0].at] = attr;
  else obj.attrs.push(attr);
  await finish(ctx, obj, attr.key);
  return [uidItem(uid)];
}

export async function modifyAttribute(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.ModifyAttribute);
  let attr: Attr;
  let target: { at: number; index: number } | undefined;
  if (ctx.v >= 20) {
    attr = newAttribute(payload);
    const cur = child(payload, Tag.CurrentAttribute);
    const instances = indexed(obj, attr.key);
    if (cur) {
      const current = fromAttribute2x(wrapped(cur));
      if (current.key !== attr.key) throw invalidField('Current and New Attribute name different attributes');
      target = instances.find((i) => itemEquals(i.attr.value, current.value));
    } else target = instances[0];
  } else {
    const parsed = fromAttribute1x(need1x(payload));
    attr = parsed.attr;
    target = indexed(obj, attr.key)[parsed.index ?? 0];
  }
  if (!target) throw notFoundAttr(ctx, attr.key);
  checkWritable(ctx, obj, attr.key, 'modify');
  checkGrantChange(ctx, obj, [attr]);
  if (!itemEquals(obj.attrs[target.at].value, attr.value)) await checkNamesUnique(ctx, [attr], obj, obj.attrs[target.at].value);
  obj.attrs[target.at] = attr;
  await finish(ctx, obj, attr.key);
  return ctx.v >= 20 ? [uidItem(uid)] : [uidItem(uid), toAttribute1x(attr, target.index)];
}

export async function deleteAttribute(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.DeleteAttribute);
  let key: string;
  let targets: { at: number; index: number; attr: Attr }[];
  if (ctx.v >= 20) {
    const cur = child(payload, Tag.CurrentAttribute);
    const ref = child(payload, Tag.AttributeReference);
    if (cur) {
      const current = fromAttribute2x(wrapped(cur));
      key = current.key;
      targets = indexed(obj, key).filter((i) => itemEquals(i.attr.value, current.value));
    } else if (ref) {
      key = fromAttributeReference(ref);
      targets = indexed(obj, key);
    } else throw invalidField('Delete Attribute needs a Current Attribute or an Attribute Reference');
  } else {
    const name = read.text(child(payload, Tag.AttributeName));
    if (name === undefined) throw invalidField('Delete Attribute needs an Attribute Name');
    key = keyForName(name);
    const index = read.int(child(payload, Tag.AttributeIndex)) ?? 0;
    targets = indexed(obj, key).filter((i) => i.index === index);
  }
  if (targets.length === 0) throw notFoundAttr(ctx, key);
  checkWritable(ctx, obj, key, 'delete');
  checkGrantChange(ctx, obj, targets.map((t) => t.attr));
  const drop = new Set(targets.map((t) => t.at));
  obj.attrs = obj.attrs.filter((_, i) => !drop.has(i));
  await finish(ctx, obj, key);
  return ctx.v >= 20 ? [uidItem(uid)] : [uidItem(uid), toAttribute1x(targets[0].attr, targets[0].index)];
}

export async function adjustAttribute(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.AdjustAttribute);
  const ref = child(payload, Tag.AttributeReference);
  if (!ref) throw invalidField('Adjust Attribute needs an Attribute Reference');
  const key = fromAttributeReference(ref);
  const kind = read.enum(child(payload, Tag.AdjustmentType));
  if (kind === undefined) throw invalidField('Adjust Attribute needs an Adjustment Type');
  const k = kindOf(key);
  if (k?.kind !== 'standard') throw new KmipError(ResultReason.UnsupportedAttribute, `${key} cannot be adjusted`);
  const instances = indexed(obj, key);
  if (instances.length > 1) throw new KmipError(ResultReason.MultiValuedAttribute, `${key} has several instances`);
  checkWritable(ctx, obj, key, instances.length ? 'modify' : 'add');
  const type = k.def.type;
  const cur = instances[0]?.attr.value;
  const by = child(payload, Tag.AdjustmentValue);
  let next: TtlvItem;
  if (type === ItemType.Boolean) {
    if (kind !== AdjustmentType.Negate) throw new KmipError(ResultReason.InvalidField, 'a Boolean can only be negated');
    next = { tag: k.def.tag, type, value: !(cur?.type === ItemType.Boolean && cur.value) };
  } else if (type === ItemType.Integer || type === ItemType.Interval || type === ItemType.DateTime || type === ItemType.LongInteger) {
    const now = cur ? BigInt(cur.value as number | bigint) : 0n;
    const delta = by ? BigInt(by.value as number | bigint) : kind === AdjustmentType.Negate ? 0n : 1n;
    const v = kind === AdjustmentType.Increment ? now + delta : kind === AdjustmentType.Decrement ? now - delta : -now;
    const limits: Record<number, [bigint, bigint]> = {
      [ItemType.Integer]: [-(2n ** 31n), 2n ** 31n - 1n],
      [ItemType.Interval]: [0n, 2n ** 32n - 1n],
      [ItemType.DateTime]: [-(2n ** 63n), 2n ** 63n - 1n],
      [ItemType.LongInteger]: [-(2n ** 63n), 2n ** 63n - 1n],
    };
    const [lo, hi] = limits[type];
    if (v < lo || v > hi) throw new KmipError(ResultReason.NumericRange, `${key} would leave its range`);
    next = (type === ItemType.Integer || type === ItemType.Interval
      ? { tag: k.def.tag, type, value: Number(v) }
      : { tag: k.def.tag, type, value: v }) as TtlvItem;
  } else throw new KmipError(ResultReason.InvalidDataType, `${key} is not numeric`);
  if (instances.length) obj.attrs[instances[0].at] = { key, value: next };
  else obj.attrs.push({ key, value: next });
  await finish(ctx, obj);
  return [uidItem(uid)];
}

// 2.x New/Current Attribute hold one attribute; read it with the Attributes rules.
function wrapped(holder: TtlvItem): TtlvItem {
  const s = read.struct(holder)!;
  if (s.value.length !== 1) throw invalidField(`${s.tag === Tag.NewAttribute ? 'New' : 'Current'} Attribute must hold one attribute`);
  return s.value[0];
}

function newAttribute(payload: TtlvItem | undefined): Attr {
  const holder = child(payload, Tag.NewAttribute);
  if (!holder) throw invalidField('New Attribute missing');
  return fromAttribute2x(wrapped(holder));
}

function need1x(payload: TtlvItem | undefined): TtlvItem {
  const a = child(payload, Tag.Attribute);
  if (!a) throw invalidField('Attribute missing');
  return a;
}
