// Export and Import (KMIP 1.4 §4.40-4.41, 2.1 §6.1.18 and §6.1.25): an object with all its attributes
// out, and in again under its own Unique Identifier with the attributes as given; and Set Endpoint Role
// (2.0+, §6.1.54).
import { EndpointRole, KeyWrapType, ObjectType, ResultReason, Tag } from '../../dict/index.js';
import { encode } from '../../ttlv/index.js';
import type { StructureItem, TtlvItem } from '../../ttlv/types.js';
import { fromAttribute1x, fromAttributes2x, kindOf, toAttribute1x, toAttribute2x, type Attr } from '../attributes/model.js';
import { KmipError, invalidField } from '../errors.js';
import { child, children, enm, need, read, struct } from '../items.js';
import { load, uidOf, type OpContext, Operation } from '../context.js';
import { setOne, stateOf, toRecord, uidItem, type ManagedObject } from '../object.js';
import { objectFromPayload, wipe } from '../objects.js';
import { isDestroyed } from '../lifecycle.js';
import { GRANT_ATTRIBUTE, checkGrantChange, syncGrants } from '../grants.js';
import { isWrapped, unwrapObject } from '../wrap.js';
import { markServed, objectFor } from './get.js';
import { checkNamesUnique, newObject, singleValued } from './common.js';
import { checkSymmetricLength } from './create.js';
import { checkAlgorithmPolicy } from '../pqc.js';
import { pqcBodyToStore } from '../pqc-der.js';

/** Whether an attribute exists in the negotiated version's object model. */
function inVersion(ctx: OpContext, key: string): boolean {
  const k = kindOf(key);
  if (k?.kind !== 'standard') return true;
  return k.def.since <= ctx.v && (k.def.until === undefined || ctx.v <= k.def.until);
}

/** Every attribute of the object, in the negotiated version's form (2.x: one Attributes structure). */
function allAttributes(ctx: OpContext, obj: ManagedObject): TtlvItem[] {
  const seen = new Map<string, number>();
  const out: TtlvItem[] = [];
  for (const a of obj.attrs) {
    if (!inVersion(ctx, a.key)) continue;
    const i = seen.get(a.key) ?? 0;
    seen.set(a.key, i + 1);
    out.push(ctx.v >= 20 ? toAttribute2x(a) : toAttribute1x(a, i));
  }
  return ctx.v >= 20 ? [struct(Tag.Attributes, out)] : out;
}

/**
 * Export: the object's attributes and its material as Get returns it (same Key Format Type, Key Wrap
 * Type and Key Wrapping Specification rules). A destroyed object is exported without material.
 */
export async function exportObject(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Export);
  const attributes = allAttributes(ctx, obj);
  const destroyed = isDestroyed(stateOf(obj)) || !obj.hasMaterial;
  const body = destroyed ? undefined : await objectFor(ctx, obj, payload, Operation.Export);
  if (body) await markServed(ctx, obj);
  ctx.placeholder = uid;
  return [enm(Tag.ObjectType, obj.objectType), uidItem(uid), ...attributes, body].filter((x): x is TtlvItem => x !== undefined);
}

/** The attributes of an Import request: 2.x one Attributes structure; 1.4 repeated Attribute structures. */
function importAttributes(ctx: OpContext, payload: TtlvItem): Attr[] {
  if (ctx.v >= 20) {
    const attrs = child(payload, Tag.Attributes);
    if (!attrs) throw invalidField('Import needs the Attributes of the object');
    return fromAttributes2x(attrs);
  }
  const list = children(payload, Tag.Attribute);
  if (list.length === 0) throw invalidField('Import needs the Attributes of the object');
  return list.map((a) => fromAttribute1x(a).attr);
}

/** Attributes the server keeps for itself and does not take from an Import. */
const SERVER_ONLY = new Set(['Unique Identifier', 'Object Type']);

/**
 * Import: the object under the Unique Identifier given, with the attributes given taking the place of
 * those the server would set ("Initially set by" rules are not applied). Replace Existing true replaces
 * an object of the caller's with that identifier. Key Wrap Type Not Wrapped unwraps a wrapped key with
 * the key its Key Wrapping Data names before storing it; otherwise a wrapped key is stored as given.
 */
export async function importObject(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  if (!payload) throw new KmipError(ResultReason.InvalidMessage, 'Request Payload missing');
  const uid = need('text', payload, Tag.UniqueIdentifier);
  if (uid === '') throw invalidField('the Unique Identifier of an imported object must not be empty');
  const objectType = need('enum', payload, Tag.ObjectType);
  const replace = read.bool(child(payload, Tag.ReplaceExisting)) ?? false;
  const wrapType = read.enum(child(payload, Tag.KeyWrapType));
  if (wrapType !== undefined && wrapType !== KeyWrapType.NotWrapped && wrapType !== KeyWrapType.AsRegistered) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.KeyWrapTypeNotSupported : ResultReason.InvalidField, 'Key Wrap Type must be Not Wrapped or As Registered');
  }
  if (objectType === ObjectType.Template && ctx.v >= 20) throw invalidField('Templates were removed in KMIP 2.0');
  let body: StructureItem = objectFromPayload(payload, objectType);
  const attrs = importAttributes(ctx, payload);
  const seen = new Set<string>();
  for (const a of attrs) {
    const k = kindOf(a.key);
    if (k?.kind === 'standard' && !k.def.multi && seen.has(a.key)) throw singleValued(ctx, `${a.key} may have only one value`);
    seen.add(a.key);
    if (a.key === 'Unique Identifier' && read.text(a.value) !== uid) throw invalidField('the Unique Identifier attribute differs from the Unique Identifier imported');
    if (a.key === 'Object Type' && read.enum(a.value) !== objectType) throw invalidField('the Object Type attribute differs from the Object Type imported');
  }
  const state = read.enum(attrs.find((a) => a.key === 'State')?.value);
  if (state !== undefined && isDestroyed(state)) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.InvalidAttributeValue : ResultReason.InvalidField, 'a Destroyed object has no material to import');
  }
  const existing = await ctx.tx.get(uid);
  if (existing && !replace) throw new KmipError(ResultReason.ObjectAlreadyExists, `an object ${JSON.stringify(uid)} exists (Replace Existing is not set)`);
  if (existing && existing.owner !== ctx.principal) throw new KmipError(ResultReason.PermissionDenied, 'only the owner may replace an object');
  await checkNamesUnique(ctx, attrs, existing ? { uid, attrs: [] } : undefined);
  // ML-KEM / ML-DSA / SLH-DSA keys given as PKCS#8 or X.509 are held Raw, like generated ones (as Register).
  const asGiven = body;
  body = pqcBodyToStore(ctx, objectType, body, attrs);
  checkAlgorithmPolicy(ctx, objectType, attrs);
  const unwrap = wrapType === KeyWrapType.NotWrapped && isWrapped(body);
  if (unwrap) body = await unwrapObject(ctx, body, Operation.Import);
  const unwrapped = body;
  try {
    if (objectType === ObjectType.SymmetricKey) checkSymmetricLength(body, attrs);
    // A key that came wrapped, now unwrapped.
    if (unwrap) body = pqcBodyToStore(ctx, objectType, body, attrs);
    // The server's own attributes for such an object, each replaced by the client's where it gives one.
    const given = attrs.filter((a) => !SERVER_ONLY.has(a.key));
    const keys = new Set(given.map((a) => a.key));
    const made = newObject(ctx, objectType, given, body);
    const obj: ManagedObject = { ...made, uid, attrs: made.attrs.filter((a) => given.includes(a) || !keys.has(a.key)) };
    setOne(obj, 'Unique Identifier', uidItem(uid));
    checkGrantChange(ctx, obj, attrs);
    if (existing) await ctx.tx.remove(uid);
    const material = encode(body);
    await ctx.tx.insert(toRecord(obj), material);
    material.fill(0);
    if (existing || obj.attrs.some((a) => a.key === GRANT_ATTRIBUTE)) await syncGrants(ctx, obj);
    ctx.placeholder = uid;
    return [uidItem(uid)];
  } finally {
    // What this Import made (unwrapped or converted material), never the request's own body.
    for (const b of new Set([unwrapped, body])) if (b !== asGiven) wipe(b);
  }
}

/**
 * Set Endpoint Role (2.0+): asks the server to take the role given for the rest of the connection.
 * Server is the role it has, accepted as it stands; Client would have the server send requests over
 * this connection, which it does not do.
 */
export function setEndpointRole(_ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  const role = read.enum(child(payload, Tag.EndpointRole));
  if (role === undefined) throw invalidField('Set Endpoint Role needs an Endpoint Role');
  if (role === EndpointRole.Server) return [enm(Tag.EndpointRole, EndpointRole.Server)];
  if (role === EndpointRole.Client) {
    throw new KmipError(ResultReason.FeatureNotSupported, 'the server does not take the client role: it does not send requests over a connection');
  }
  throw invalidField('Endpoint Role must be Client or Server');
}
