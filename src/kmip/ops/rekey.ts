// Re-key of a symmetric key: a new key of the same algorithm and length, the old one's attributes
// carried over, names moved, dates shifted by the Offset, the two linked both ways. The old key keeps
// its state, so what it protected can still be decrypted.
import { LinkType, ObjectType, ResultReason, State, Tag } from '../../dict/index.js';
import { encode } from '../../ttlv/index.js';
import type { TtlvItem } from '../../ttlv/types.js';
import type { Attr } from '../attributes/model.js';
import { KmipError } from '../errors.js';
import { bytes, child, date, enm, read, struct, text } from '../items.js';
import { load, save, uidOf, type OpContext, Operation } from '../context.js';
import { first, stateOf, toRecord, type ManagedObject } from '../object.js';
import { digestOf, symmetricKey, wipe } from '../objects.js';
import { isDestroyed } from '../lifecycle.js';
import { initialHistoryFlags, leaseTime, protectionStorageFor, withServerRng } from '../policy.js';
import { checkClientAttributes, requestAttributes } from './common.js';
import { keyBytes, newUid as makeUid, shortUid } from '../random.js';

/** Attributes that describe one key's own history, so a replacement does not inherit them. */
const NOT_CARRIED = new Set([
  'Unique Identifier', 'Short Unique Identifier', 'Name', 'Digest', 'State', 'Initial Date', 'Last Change Date',
  'Activation Date', 'Process Start Date', 'Protect Stop Date', 'Deactivation Date', 'Destroy Date',
  'Compromise Date', 'Compromise Occurrence Date', 'Revocation Reason', 'Archive Date', 'Fresh', 'Link',
  'Original Creation Date', 'Usage Limits', 'Lease Time', 'Always Sensitive', 'Never Extractable',
  'Random Number Generator', 'Protection Storage Mask',
]);
const SHIFTED: readonly [string, number][] = [
  ['Process Start Date', Tag.ProcessStartDate],
  ['Protect Stop Date', Tag.ProtectStopDate],
  ['Deactivation Date', Tag.DeactivationDate],
];

const link = (type: number, uid: string): TtlvItem =>
  struct(Tag.Link, [enm(Tag.LinkType, type), text(Tag.LinkedObjectIdentifier, uid)]);

export async function reKey(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const old = await load(ctx, uid, Operation.ReKey);
  if (old.objectType !== ObjectType.SymmetricKey) throw new KmipError(ResultReason.IllegalObjectType, 'Re-key applies to symmetric keys');
  if (isDestroyed(stateOf(old))) throw new KmipError(ResultReason.ObjectDestroyed, 'a destroyed key cannot be re-keyed');
  const algorithm = read.enum(first(old, 'Cryptographic Algorithm'));
  const bits = read.int(first(old, 'Cryptographic Length'));
  if (algorithm === undefined || bits === undefined || bits % 8 !== 0) {
    throw new KmipError(ResultReason.InvalidField, 'the key lacks the algorithm and length a replacement needs');
  }
  const extra = await requestAttributes(ctx, payload);
  checkClientAttributes(ctx, extra);
  const offset = read.interval(child(payload, Tag.Offset));

  const newUid = makeUid();
  const secret = keyBytes(bits / 8);
  const body = symmetricKey(secret, algorithm, bits);
  // The new key's generator is ours, never copied from the old key (KMIP 1.4 §3.44, 2.1 §4.48).
  const carried = withServerRng([
    ...old.attrs.filter((a) => !NOT_CARRIED.has(a.key) && !extra.some((e) => e.key === a.key)),
    ...old.attrs.filter((a) => a.key === 'Name'),
    ...extra,
  ]);
  const attrs: Attr[] = [
    { key: 'Unique Identifier', value: text(Tag.UniqueIdentifier, newUid) },
    { key: 'Short Unique Identifier', value: bytes(Tag.ShortUniqueIdentifier, shortUid()) },
    ...carried,
    ...initialHistoryFlags(carried),
    { key: 'Lease Time', value: leaseTime() },
    { key: 'Protection Storage Mask', value: protectionStorageFor(payload) },
    { key: 'Initial Date', value: date(Tag.InitialDate, ctx.now) },
    { key: 'Last Change Date', value: date(Tag.LastChangeDate, ctx.now) },
    { key: 'Original Creation Date', value: date(Tag.OriginalCreationDate, ctx.now) },
    { key: 'Fresh', value: { tag: Tag.Fresh, type: 0x06, value: true } },
    { key: 'Link', value: link(LinkType.ReplacedObjectLink, uid) },
  ];
  const digest = digestOf(body);
  if (digest) attrs.push({ key: 'Digest', value: digest });
  // Dates: with an Offset the new key activates at now + Offset and the others keep their distance from
  // activation; without one they are copied.
  const oldActivation = read.date(first(old, 'Activation Date'));
  const activation = offset !== undefined ? ctx.now + offset * 1000 : oldActivation;
  if (activation !== undefined) attrs.push({ key: 'Activation Date', value: date(Tag.ActivationDate, activation) });
  for (const [key, tag] of SHIFTED) {
    const d = read.date(first(old, key));
    if (d === undefined) continue;
    const moved = offset !== undefined && oldActivation !== undefined ? activation! + (d - oldActivation) : d;
    attrs.push({ key, value: date(tag, moved) });
  }
  const state = activation !== undefined && activation <= ctx.now ? State.Active : State.PreActive;
  attrs.push({ key: 'State', value: enm(Tag.State, state) });
  const fresh: ManagedObject = { uid: newUid, objectType: ObjectType.SymmetricKey, owner: old.owner, attrs, createdAt: ctx.now, updatedAt: ctx.now, hasMaterial: true };
  const material = encode(body);
  try {
    await ctx.tx.insert(toRecord(fresh), material);
  } finally {
    material.fill(0);
    secret.fill(0);
    wipe(body);
  }
  // The old key gives up its names and points at its replacement.
  old.attrs = old.attrs.filter((a) => a.key !== 'Name');
  old.attrs.push({ key: 'Link', value: link(LinkType.ReplacementObjectLink, newUid) });
  await save(ctx, old);
  ctx.placeholder = newUid;
  return [text(Tag.UniqueIdentifier, newUid)];
}
