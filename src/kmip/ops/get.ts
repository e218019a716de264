// Get (an object's material, in the stored or a converted Key Format Type, optionally wrapped under a
// key the server holds) and Check. Export (./exchange.ts) returns the same material.
import { KeyWrapType, ResultReason, Tag } from '../../dict/index.js';
import { decode } from '../../ttlv/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import { KmipError } from '../errors.js';
import { bool, child, enm, read } from '../items.js';
import { load, save, uidOf, type OpContext, Operation } from '../context.js';
import { first, setOne, stateOf, uidItem, type ManagedObject } from '../object.js';
import { inFormat, keyBlockOf, wipe } from '../objects.js';
import { asymmetricInFormat } from '../asymmetric.js';
import { pqcInFormat } from '../pqc-der.js';
import { isDestroyed } from '../lifecycle.js';
import { isWrapped, parseWrapInfo, unwrapObject, wrapObject } from '../wrap.js';

export async function get(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Get);
  const out = await objectFor(ctx, obj, payload, Operation.Get);
  await markServed(ctx, obj);
  ctx.placeholder = uid;
  return [enm(Tag.ObjectType, obj.objectType), uidItem(uid), out];
}

/** An object served to a client is no longer Fresh. */
export async function markServed(ctx: OpContext, obj: ManagedObject): Promise<void> {
  if (!read.bool(first(obj, 'Fresh'))) return;
  setOne(obj, 'Fresh', bool(Tag.Fresh, false));
  await save(ctx, obj);
}

/**
 * The object body a Get or Export returns, as the request's Key Format Type, Key Wrap Type, Key
 * Compression Type and Key Wrapping Specification ask. A key registered wrapped is returned as it was
 * registered unless Key Wrap Type Not Wrapped (or a Key Wrapping Specification) asks for it otherwise,
 * in which case it is unwrapped with the key its Key Wrapping Data names.
 */
export async function objectFor(ctx: OpContext, obj: ManagedObject, payload: TtlvItem | undefined, op: number): Promise<StructureItem> {
  const kws = child(payload, Tag.KeyWrappingSpecification);
  const info = kws ? parseWrapInfo(kws, 'Key Wrapping Specification') : undefined;
  const wrapType = read.enum(child(payload, Tag.KeyWrapType));
  if (wrapType !== undefined && wrapType !== KeyWrapType.NotWrapped && wrapType !== KeyWrapType.AsRegistered) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.KeyWrapTypeNotSupported : ResultReason.InvalidField, 'Key Wrap Type must be Not Wrapped or As Registered');
  }
  if (read.enum(child(payload, Tag.KeyCompressionType)) !== undefined) {
    throw new KmipError(ResultReason.KeyCompressionTypeNotSupported, 'key compression is not supported');
  }
  if (isDestroyed(stateOf(obj)) || !obj.hasMaterial) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.ObjectDestroyed : ResultReason.ItemNotFound, 'the object is destroyed: its material is gone');
  }
  const material = await ctx.tx.getMaterial(obj.uid);
  if (!material) throw new KmipError(ResultReason.ItemNotFound, 'the object holds no material');
  let body = decode(material) as StructureItem;
  material.fill(0);
  const format = read.enum(child(payload, Tag.KeyFormatType));
  if (info && !keyBlockOf(body)) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.InvalidObjectType : ResultReason.InvalidField, 'only objects with a Key Block (keys and Secret Data) can be wrapped');
  }
  const wrapped = isWrapped(body);
  const asRegistered = wrapped && (wrapType === KeyWrapType.AsRegistered || (wrapType === undefined && !info));
  // Sensitive material may leave the server wrapped only; Extractable false keeps it in, wrapped or not.
  if (!info && !asRegistered && read.bool(first(obj, 'Sensitive'))) {
    wipe(body);
    throw new KmipError(ResultReason.Sensitive, 'the object is Sensitive: it may only leave the server wrapped');
  }
  if (read.bool(first(obj, 'Extractable')) === false) {
    wipe(body);
    throw new KmipError(ResultReason.NotExtractable, 'the object is not Extractable');
  }
  if (wrapped) {
    if (asRegistered) {
      if (info) throw new KmipError(ResultReason.InvalidField, 'Key Wrap Type As Registered returns the key wrapped as registered: it cannot be wrapped again');
      const held = read.enum(child(keyBlockOf(body), Tag.KeyFormatType));
      if (format !== undefined && format !== held) {
        throw new KmipError(ResultReason.KeyFormatTypeNotSupported, 'a key held wrapped is returned in the Key Format Type it was registered in');
      }
      return body;
    }
    const plain = await unwrapObject(ctx, body, op);
    wipe(body);
    body = plain;
  }
  const out = pqcInFormat(body, format, read.enum(first(obj, 'Cryptographic Algorithm'))) ?? asymmetricInFormat(body, format) ?? inFormat(body, format);
  if (!info) return out;
  try {
    return await wrapObject(ctx, out, obj, info, op);
  } finally {
    wipe(out);
    wipe(body);
  }
}

export async function check(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Check);
  const mask = read.int(child(payload, Tag.CryptographicUsageMask));
  if (mask !== undefined) {
    const have = read.int(first(obj, 'Cryptographic Usage Mask')) ?? 0;
    if ((have & mask) >>> 0 !== mask >>> 0) {
      throw new KmipError(
        ctx.v >= 20 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.IllegalOperation,
        'the object does not permit that usage',
      );
    }
  }
  ctx.placeholder = uid;
  return [uidItem(uid)];
}
