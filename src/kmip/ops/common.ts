// Pieces several operations share: reading the attributes of a request in either protocol form,
// checking what a client may set, and the server-maintained attributes of a new object.
import { randomBytes, randomUUID } from 'node:crypto';
import { KeyFormatType, ObjectType, ResultReason, State, Tag } from '../../dict/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import { fromAttributes2x, fromTemplateAttribute, kindOf, type Attr } from '../attributes/model.js';
import { clientOwnsCustom } from '../attributes/registry.js';
import { KmipError } from '../errors.js';
import { bool, bytes, child, date, enm, int, read, text } from '../items.js';
import type { OpContext } from '../context.js';
import { digestOf, hasKeyBlock, keyBlockOf } from '../objects.js';
import type { ManagedObject } from '../object.js';

/** The attributes a Create/Register/Locate-style payload carries (Template-Attribute or Attributes). */
export function requestAttributes(payload: TtlvItem | undefined): Attr[] {
  const tmpl = child(payload, Tag.TemplateAttribute);
  const attrs = child(payload, Tag.Attributes);
  return [...fromTemplateAttribute(tmpl), ...fromAttributes2x(attrs)];
}

/** Attributes the client names in a Create or Register: only those the client may set, single ones once. */
export function checkClientAttributes(ctx: OpContext, attrs: readonly Attr[]): void {
  const seen = new Set<string>();
  for (const a of attrs) {
    const k = kindOf(a.key)!;
    if (k.kind === 'standard') {
      if (!k.def.clientSets) throw readOnly(ctx, `${a.key} is set by the server`);
      if (!k.def.multi && seen.has(a.key)) throw singleValued(ctx, `${a.key} may have only one value`);
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
export function newObject(ctx: OpContext, objectType: number, clientAttrs: readonly Attr[], body: StructureItem | undefined): ManagedObject {
  const uid = randomUUID();
  const attrs: Attr[] = [
    { key: 'Unique Identifier', value: text(Tag.UniqueIdentifier, uid) },
    { key: 'Short Unique Identifier', value: bytes(Tag.ShortUniqueIdentifier, randomBytes(32)) },
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
    add('Always Sensitive', bool(Tag.AlwaysSensitive, false));
    add('Never Extractable', bool(Tag.NeverExtractable, false));
  }
  add('Fresh', bool(Tag.Fresh, true));
  void int;
  void KeyFormatType;
  return { uid, objectType, owner: ctx.principal, attrs, createdAt: ctx.now, updatedAt: ctx.now, hasMaterial: body !== undefined };
}
