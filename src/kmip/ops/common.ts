// Pieces several operations share: reading the attributes of a request in either protocol form,
// checking what a client may set, and the server-maintained attributes of a new object.
import { ObjectType, ResultReason, State, Tag } from '../../dict/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import { fromAttribute1x, fromAttributes2x, fromTemplateAttribute, kindOf, type Attr } from '../attributes/model.js';
import { decode } from '../../ttlv/index.js';
import { clientOwnsCustom } from '../attributes/registry.js';
import { KmipError } from '../errors.js';
import { bool, bytes, child, children, date, enm, read, text } from '../items.js';
import type { OpContext } from '../context.js';
import { digestOf, hasKeyBlock, keyBlockOf } from '../objects.js';
import { hasLeaseTime, initialHistoryFlags, leaseTime, protectionStorageFor } from '../policy.js';
import type { ManagedObject } from '../object.js';
import { newUid, shortUid } from '../random.js';

/**
 * The attributes a Create/Register/Re-key payload carries: a 1.x Template-Attribute (whose Names refer to
 * registered Templates, merged first) or 2.x Attributes. Explicit values override a template's
 * single-valued ones and add to its multi-valued ones.
 */
export async function requestAttributes(ctx: OpContext, payload: TtlvItem | undefined): Promise<Attr[]> {
  const tmpl = child(payload, Tag.TemplateAttribute);
  const explicit = [...fromTemplateAttribute(tmpl), ...fromAttributes2x(child(payload, Tag.Attributes))];
  if (!tmpl) return explicit;
  const inherited: Attr[] = [];
  for (const n of children(tmpl, Tag.Name)) inherited.push(...(await templateAttributes(ctx, n)));
  const overridden = new Set(explicit.filter((a) => !isMulti(a.key)).map((a) => a.key));
  return [...inherited.filter((a) => !overridden.has(a.key)), ...explicit];
}

const isMulti = (key: string): boolean => {
  const k = kindOf(key);
  return k?.kind !== 'standard' || k.def.multi;
};

/** The attributes of the Template a 1.x Template-Attribute names. */
async function templateAttributes(ctx: OpContext, name: TtlvItem): Promise<Attr[]> {
  const value = read.text(child(name, Tag.NameValue));
  if (value === undefined) throw new KmipError(ResultReason.InvalidField, 'a template Name needs a Name Value');
  const [rec] = await ctx.tx.query({ visibleTo: ctx.principal, objectTypes: [ObjectType.Template], name: value, limit: 1 });
  if (!rec) throw new KmipError(ResultReason.ItemNotFound, `no Template named ${JSON.stringify(value)}`);
  const material = await ctx.tx.getMaterial(rec.uid);
  if (!material) throw new KmipError(ResultReason.ItemNotFound, `Template ${JSON.stringify(value)} is destroyed`);
  const body = decode(material);
  // A Name in the Template names the Template itself (the KMIP 1.0 way to name it), not what it makes.
  return children(body, Tag.Attribute).map((a) => fromAttribute1x(a).attr).filter((a) => a.key !== 'Name');
}

/** Attributes the server derives from a registered object, which a client may state when registering it. */
const DESCRIBES_OBJECT = new Set([
  'Certificate Type', 'Certificate Length', 'Digital Signature Algorithm', 'X.509 Certificate Identifier',
  'X.509 Certificate Subject', 'X.509 Certificate Issuer', 'Certificate Identifier', 'Certificate Subject',
  'Certificate Issuer', 'Opaque Data Type', 'Key Format Type',
  ...['CN', 'O', 'OU', 'Email', 'C', 'ST', 'L', 'UID', 'Serial Number', 'Title', 'DC', 'DN Qualifier'].flatMap((f) => [`Certificate Subject ${f}`, `Certificate Issuer ${f}`]),
]);

/** Attributes the client names in a Create or Register: only those the client may set, single ones once. */
export function checkClientAttributes(ctx: OpContext, attrs: readonly Attr[], registering = false): void {
  const seen = new Set<string>();
  for (const a of attrs) {
    const k = kindOf(a.key)!;
    if (k.kind === 'standard') {
      if (!k.def.clientSets && !(registering && DESCRIBES_OBJECT.has(a.key))) throw readOnly(ctx, `${a.key} is set by the server`);
      // Several Random Number Generators in a Create are the generators the client accepts (one is kept).
      const choices = !registering && a.key === 'Random Number Generator';
      if (!k.def.multi && !choices && seen.has(a.key)) throw singleValued(ctx, `${a.key} may have only one value`);
    } else if (k.kind === 'custom' && !clientOwnsCustom(a.key)) {
      throw readOnly(ctx, `${a.key}: 'y-' attributes are the server's`);
    }
    seen.add(a.key);
  }
}

export const readOnly = (ctx: OpContext, msg: string): KmipError =>
  new KmipError(ctx.v >= 20 ? ResultReason.AttributeReadOnly : ResultReason.PermissionDenied, msg);
export const singleValued = (ctx: OpContext, msg: string): KmipError =>
  new KmipError(ctx.v >= 20 ? ResultReason.AttributeSingleValued : ResultReason.IndexOutOfBounds, msg);

/** A fresh managed object with the attributes the server maintains, plus the client's. */
export function newObject(
  ctx: OpContext,
  objectType: number,
  clientAttrs: readonly Attr[],
  body: StructureItem | undefined,
  protectionStorage: TtlvItem = protectionStorageFor(undefined),
): ManagedObject {
  const uid = newUid();
  const attrs: Attr[] = [
    { key: 'Unique Identifier', value: text(Tag.UniqueIdentifier, uid) },
    { key: 'Short Unique Identifier', value: bytes(Tag.ShortUniqueIdentifier, shortUid()) },
    { key: 'Object Type', value: enm(Tag.ObjectType, objectType) },
    ...clientAttrs,
  ];
  const has = (key: string) => attrs.some((a) => a.key === key);
  const add = (key: string, value: TtlvItem) => {
    if (!has(key)) attrs.push({ key, value });
  };
  const activation = read.date(attrs.find((a) => a.key === 'Activation Date')?.value);
  const state = activation !== undefined && activation <= ctx.now ? State.Active : State.PreActive;
  add('State', enm(Tag.State, state));
  add('Initial Date', date(Tag.InitialDate, ctx.now));
  add('Last Change Date', date(Tag.LastChangeDate, ctx.now));
  add('Original Creation Date', date(Tag.OriginalCreationDate, ctx.now));
  if (body) {
    const digest = digestOf(body);
    if (digest) attrs.push({ key: 'Digest', value: digest });
    const kb = keyBlockOf(body);
    const format = read.enum(child(kb, Tag.KeyFormatType));
    if (format !== undefined) add('Key Format Type', enm(Tag.KeyFormatType, format));
  }
  if (hasKeyBlock(objectType) || objectType === ObjectType.Certificate) {
    add('Sensitive', bool(Tag.Sensitive, false));
    add('Extractable', bool(Tag.Extractable, true));
  }
  if (hasKeyBlock(objectType)) {
    // Set from what Sensitive and Extractable are at birth (KMIP 1.4 §3.49, §3.51; 2.1 §4.3, §4.33).
    for (const a of initialHistoryFlags(attrs)) add(a.key, a.value);
  }
  if (hasLeaseTime(objectType)) add('Lease Time', leaseTime());
  add('Protection Storage Mask', protectionStorage);
  add('Fresh', bool(Tag.Fresh, true));
  return { uid, objectType, owner: ctx.principal, attrs, createdAt: ctx.now, updatedAt: ctx.now, hasMaterial: body !== undefined };
}

/** Names are unique among a principal's objects (Non Unique Name Attribute); `except` skips one instance. */
export async function checkNamesUnique(ctx: OpContext, attrs: readonly Attr[], self?: { uid: string; attrs: readonly Attr[] }, except?: TtlvItem): Promise<void> {
  for (const a of attrs) {
    if (a.key !== 'Name') continue;
    const value = read.text(child(a.value, Tag.NameValue));
    if (value === undefined) continue;
    const clash = (ctx.v >= 20 || self) && (
      (await ctx.tx.query({ name: value, visibleTo: ctx.principal, limit: 2 })).some((r) => r.uid !== self?.uid) ||
      (self?.attrs ?? []).some((b) => b.key === 'Name' && b.value !== except && read.text(child(b.value, Tag.NameValue)) === value));
    if (clash) throw new KmipError(ResultReason.NonUniqueNameAttribute, `the name ${JSON.stringify(value)} is already in use`);
  }
}
