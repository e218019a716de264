// Get (an object's material, in the stored or a converted Key Format Type) and Check.
import { ResultReason, Tag } from '../../dict/index.js';
import { decode } from '../../ttlv/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import { KmipError } from '../errors.js';
import { bool, child, enm, read } from '../items.js';
import { load, save, uidOf, type OpContext, Operation } from '../context.js';
import { first, setOne, stateOf, uidItem } from '../object.js';
import { inFormat } from '../objects.js';
import { asymmetricInFormat } from '../asymmetric.js';
import { isDestroyed } from '../lifecycle.js';

export async function get(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Get);
  if (child(payload, Tag.KeyWrappingSpecification)) {
    throw new KmipError(ResultReason.FeatureNotSupported, 'key wrapping on Get arrives with the cryptography work');
  }
  if (read.enum(child(payload, Tag.KeyCompressionType)) !== undefined) {
    throw new KmipError(ResultReason.KeyCompressionTypeNotSupported, 'key compression is not supported');
  }
  if (isDestroyed(stateOf(obj)) || !obj.hasMaterial) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.ObjectDestroyed : ResultReason.ItemNotFound, 'the object is destroyed: its material is gone');
  }
  if (read.bool(first(obj, 'Sensitive'))) throw new KmipError(ResultReason.Sensitive, 'the object is Sensitive: it may only leave the server wrapped');
  if (read.bool(first(obj, 'Extractable')) === false) throw new KmipError(ResultReason.NotExtractable, 'the object is not Extractable');
  const material = await ctx.tx.getMaterial(uid);
  if (!material) throw new KmipError(ResultReason.ItemNotFound, 'the object holds no material');
  const body = decode(material) as StructureItem;
  material.fill(0);
  const format = read.enum(child(payload, Tag.KeyFormatType));
  const out = asymmetricInFormat(body, format) ?? inFormat(body, format);
  if (read.bool(first(obj, 'Fresh'))) {
    setOne(obj, 'Fresh', bool(Tag.Fresh, false));
    await save(ctx, obj);
  }
  ctx.placeholder = uid;
  return [enm(Tag.ObjectType, obj.objectType), uidItem(uid), out];
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
