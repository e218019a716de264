// The fast path: the commonest requests a key manager serves, a lone Get of one object by its Unique
// Identifier with nothing else asked, and a lone single-part symmetric Encrypt, answered without a store
// transaction from the object as last committed (Store.peekCommitted): the Get's response written
// straight from the stored bytes, the Encrypt's by Encrypt's own code (ops/crypto.ts encryptNow).
//
// Get:
// It answers only what the general path (ops/get.ts through the engine) would answer with the same
// bytes and no write: the requester owns the object; no date moves its state; it is not archived, not
// Fresh (serving it would clear Fresh), not Sensitive, not unextractable, not destroyed, and holds
// material. Anything else, and any request with more in it (a Key Format Type, a Unique Batch Item ID,
// a credential, another header field), returns undefined and goes the general way.
//
// Encrypt: the requester owns the key, no date moves its state, it is not archived, and Encrypt's own
// checks pass (checkUsable: a Symmetric Key, Active, before its Protect Stop Date, Encrypt in its usage
// mask); the key has no Usage Limits (counting them is a write); the data is under the size Encrypt
// hands to the libuv pool; the payload has no multi-part field. Any refusal is left to the general path,
// which makes it again and answers it.
//
// A differential test (test/kmip/fastpath.test.ts) holds both paths to the same response bytes.
import { ObjectType, Operation, ResultStatus, Tag } from '../dict/index.js';
import { decode, encode } from '../ttlv/index.js';
import { ItemType, type StructureItem, type TtlvItem } from '../ttlv/types.js';
import type { CommittedObject, Store, StoreTx } from '../store/types.js';
import { makeContext, type ServerState } from './context.js';
import { read } from './items.js';
import { dateDrivenState, isDestroyed } from './lifecycle.js';
import { buildResponse, type ResponseItem } from './message.js';
import { dateOf, first, fromRecord, stateOf } from './object.js';
import { symmetricKeyBytes, wipe } from './objects.js';
import { encryptNow } from './ops/crypto.js';
import { checkUsable } from './ops/usable.js';
import { vnum, type ProtocolVersion } from './version.js';

/** What a committed object needs for the fast path, worked out once per cached object. */
interface Servable {
  readonly state: number;
  readonly activation: number | undefined;
  readonly deactivation: number | undefined;
}

const servable = new WeakMap<CommittedObject, Servable | false>();

function assess(c: CommittedObject): Servable | false {
  const obj = fromRecord(c.record);
  const state = stateOf(obj);
  if (isDestroyed(state) || !obj.hasMaterial) return false;
  if (dateOf(obj, 'Archive Date') !== undefined) return false;
  if (read.bool(first(obj, 'Fresh'))) return false;
  if (read.bool(first(obj, 'Sensitive'))) return false;
  if (read.bool(first(obj, 'Extractable')) === false) return false;
  return { state, activation: dateOf(obj, 'Activation Date'), deactivation: dateOf(obj, 'Deactivation Date') };
}

const isStruct = (it: TtlvItem | undefined, tag: number, length: number): it is TtlvItem & { value: TtlvItem[] } =>
  it !== undefined && it.tag === tag && it.type === ItemType.Structure && it.value.length === length;

/** The operation and payload of a request that is exactly {header: version, Batch Count 1; one item
 *  with an Operation and a Request Payload}. */
function loneItemOf(root: TtlvItem): { op: number; payload: TtlvItem & { value: TtlvItem[] } } | undefined {
  if (!isStruct(root, Tag.RequestMessage, 2)) return undefined;
  const [header, item] = root.value;
  if (!isStruct(header, Tag.RequestHeader, 2)) return undefined;
  const [pv, count] = header.value;
  if (!isStruct(pv, Tag.ProtocolVersion, 2) || count.tag !== Tag.BatchCount || count.type !== ItemType.Integer || count.value !== 1) return undefined;
  if (!isStruct(item, Tag.BatchItem, 2)) return undefined;
  const [op, payload] = item.value;
  if (op.tag !== Tag.Operation || op.type !== ItemType.Enumeration) return undefined;
  if (payload.tag !== Tag.RequestPayload || payload.type !== ItemType.Structure) return undefined;
  return { op: op.value, payload: payload as TtlvItem & { value: TtlvItem[] } };
}

/** A request the fast path answered: its bytes, and the item the audit log records. */
export interface FastAnswer {
  readonly bytes: Uint8Array;
  readonly item: ResponseItem;
}

/** The response to a lone Get or Encrypt the fast path can answer, else undefined (the general path
 *  answers). `root` is the decoded request, whose version the engine has already checked is supported. */
export function fastPath(store: Store, root: TtlvItem, version: ProtocolVersion, principal: string, now: number, server: ServerState): FastAnswer | undefined {
  if (!store.peekCommitted) return undefined;
  const lone = loneItemOf(root);
  if (!lone) return undefined;
  if (lone.op === Operation.Get) return fastGet(store, lone.payload, version, principal, now);
  if (lone.op === Operation.Encrypt) return fastEncrypt(store, lone.payload, version, principal, now, server);
  return undefined;
}

function fastGet(store: Store, payload: TtlvItem & { value: TtlvItem[] }, version: ProtocolVersion, principal: string, now: number): FastAnswer | undefined {
  if (payload.value.length !== 1) return undefined;
  const uidItem = payload.value[0];
  if (uidItem.tag !== Tag.UniqueIdentifier || uidItem.type !== ItemType.TextString) return undefined;
  const uid = uidItem.value;
  const c = store.peekCommitted!(uid);
  if (!c || c.record.owner !== principal) return undefined;
  let s = servable.get(c);
  if (s === undefined) {
    s = assess(c);
    servable.set(c, s);
  }
  if (!s || dateDrivenState(s.state, now, s.activation, s.deactivation) !== s.state) return undefined;
  let body: Uint8Array | undefined;
  try {
    body = c.open();
  } catch {
    return undefined; // a blob that fails to open: the general path reports it
  }
  if (!body) return undefined;
  try {
    const bytes = getResponse(version, now, c.record.objectType, uid, body);
    return { bytes, item: { operation: Operation.Get, status: ResultStatus.Success, payload: [uidOf(uid)] } };
  } finally {
    body.fill(0);
  }
}

const uidOf = (uid: string): TtlvItem => ({ tag: Tag.UniqueIdentifier, type: ItemType.TextString, value: uid });

/** Payload fields a single-part Encrypt may carry on the fast path (each at most once). */
const ENCRYPT_FIELDS = new Set<number>([Tag.UniqueIdentifier, Tag.CryptographicParameters, Tag.Data, Tag.IVCounterNonce, Tag.AuthenticatedEncryptionAdditionalData]);

/** The transaction of a fast-path operation: there is none, and Encrypt's code never asks for one
 *  once encryptNow is reached (it returns undefined instead of writing). */
const NO_TX = new Proxy({} as StoreTx, {
  get() {
    throw new Error('the fast path has no store transaction');
  },
});

function fastEncrypt(store: Store, payload: TtlvItem & { value: TtlvItem[] }, version: ProtocolVersion, principal: string, now: number, server: ServerState): FastAnswer | undefined {
  if (vnum(version) < 12) return undefined; // Encrypt is a KMIP 1.2 operation
  const seen = new Set<number>();
  for (const f of payload.value) {
    if (!ENCRYPT_FIELDS.has(f.tag) || seen.has(f.tag)) return undefined;
    seen.add(f.tag);
  }
  const uidItem = payload.value.find((f) => f.tag === Tag.UniqueIdentifier);
  if (uidItem?.type !== ItemType.TextString) return undefined;
  const uid = uidItem.value;
  const c = store.peekCommitted!(uid);
  if (!c || c.record.owner !== principal || c.record.objectType !== ObjectType.SymmetricKey) return undefined;
  const obj = fromRecord(c.record);
  const state = stateOf(obj);
  if (dateDrivenState(state, now, dateOf(obj, 'Activation Date'), dateOf(obj, 'Deactivation Date')) !== state) return undefined;
  if (dateOf(obj, 'Archive Date') !== undefined) return undefined;
  const ctx = makeContext({ version, principal, tx: NO_TX, now, server });
  let key: Uint8Array | undefined;
  try {
    checkUsable(ctx, obj, 'encrypt', [ObjectType.SymmetricKey]);
    const material = c.open();
    if (!material) return undefined;
    const body = decode(material) as StructureItem;
    material.fill(0);
    const raw = symmetricKeyBytes(body);
    if (raw) key = Buffer.from(raw);
    wipe(body);
    if (!key) return undefined;
    const out = encryptNow(ctx, payload, uid, obj, body, key);
    if (!out) return undefined;
    const item: ResponseItem = { operation: Operation.Encrypt, status: ResultStatus.Success, payload: out };
    return { bytes: encode(buildResponse(version, now, [item])), item };
  } catch {
    return undefined; // a refusal: the general path makes it again and answers it
  } finally {
    key?.fill(0);
  }
}

// Tags and types as the three header bytes and the type byte of an item header.
const STRUCT = ItemType.Structure;

/**
 * ResponseMessage{ResponseHeader{ProtocolVersion{Major, Minor}, Time Stamp, Batch Count 1},
 * BatchItem{Operation Get, Result Status Success, ResponsePayload{Object Type, Unique Identifier, body}}},
 * exactly as buildResponse and encode write it. `body` is the stored object, a whole TTLV item.
 */
function getResponse(version: ProtocolVersion, now: number, objectType: number, uid: string, body: Uint8Array): Uint8Array {
  const uidLen = Buffer.byteLength(uid, 'utf8');
  const payloadLen = 16 + 8 + pad8(uidLen) + body.length;
  const itemLen = 16 + 16 + 8 + payloadLen;
  const headerLen = 8 + 32 + 16 + 16;
  const total = 8 + 8 + headerLen + 8 + itemLen;
  // Every byte is written below (as encode's output, it comes from Node's pool below 4 KiB).
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  const head = (tag: number, type: number, len: number) => {
    out.writeUInt32BE(((tag << 8) | type) >>> 0, at);
    out.writeUInt32BE(len, at + 4);
    at += 8;
  };
  const int32 = (tag: number, type: number, v: number) => {
    head(tag, type, 4);
    out.writeUInt32BE(v >>> 0, at);
    out.writeUInt32BE(0, at + 4);
    at += 8;
  };
  head(Tag.ResponseMessage, STRUCT, total - 8);
  head(Tag.ResponseHeader, STRUCT, headerLen);
  head(Tag.ProtocolVersion, STRUCT, 32);
  int32(Tag.ProtocolVersionMajor, ItemType.Integer, version.major);
  int32(Tag.ProtocolVersionMinor, ItemType.Integer, version.minor);
  head(Tag.TimeStamp, ItemType.DateTime, 8);
  out.writeBigInt64BE(BigInt(Math.floor(now / 1000)), at);
  at += 8;
  int32(Tag.BatchCount, ItemType.Integer, 1);
  head(Tag.BatchItem, STRUCT, itemLen);
  int32(Tag.Operation, ItemType.Enumeration, Operation.Get);
  int32(Tag.ResultStatus, ItemType.Enumeration, ResultStatus.Success);
  head(Tag.ResponsePayload, STRUCT, payloadLen);
  int32(Tag.ObjectType, ItemType.Enumeration, objectType);
  head(Tag.UniqueIdentifier, ItemType.TextString, uidLen);
  out.write(uid, at, 'utf8');
  out.fill(0, at + uidLen, at + pad8(uidLen));
  at += pad8(uidLen);
  out.set(body, at);
  return out;
}

const pad8 = (n: number): number => (n + 7) & ~7;
