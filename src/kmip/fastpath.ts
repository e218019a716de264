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
import { read, struct } from './items.js';
import { dateDrivenState, isDestroyed } from './lifecycle.js';
import type { ResponseItem } from './message.js';
import { dateOf, first, fromRecord, stateOf, type ManagedObject } from './object.js';
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

// The managed object of a cached committed object, decoded once. Shared by the requests that read it,
// so only code that does not change it gets it (the fast path's checks and encryptNow).
const objects = new WeakMap<CommittedObject, ManagedObject>();
function objectOf(c: CommittedObject): ManagedObject {
  let obj = objects.get(c);
  if (!obj) objects.set(c, (obj = fromRecord(c.record)));
  return obj;
}

function assess(c: CommittedObject): Servable | false {
  const obj = objectOf(c);
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
  const obj = objectOf(c);
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
    const encoded = encode(struct(Tag.ResponsePayload, out));
    return { bytes: successResponse(version, now, Operation.Encrypt, encoded.length, (w) => w.bytes(encoded)), item };
  } catch {
    return undefined; // a refusal: the general path makes it again and answers it
  } finally {
    key?.fill(0);
  }
}

const STRUCT = ItemType.Structure;
const HEADER_LEN = 8 + 32 + 16 + 16; // Protocol Version, Time Stamp, Batch Count

/** Writes item headers and small values into one buffer, front to back. */
class Writer {
  at = 0;
  constructor(readonly out: Buffer) {}
  head(tag: number, type: number, len: number): void {
    this.out.writeUInt32BE(((tag << 8) | type) >>> 0, this.at);
    this.out.writeUInt32BE(len, this.at + 4);
    this.at += 8;
  }
  int32(tag: number, type: number, v: number): void {
    this.head(tag, type, 4);
    this.out.writeUInt32BE(v >>> 0, this.at);
    this.out.writeUInt32BE(0, this.at + 4);
    this.at += 8;
  }
  text(tag: number, value: string, len: number): void {
    this.head(tag, ItemType.TextString, len);
    this.out.write(value, this.at, 'utf8');
    this.out.fill(0, this.at + len, this.at + pad8(len));
    this.at += pad8(len);
  }
  bytes(b: Uint8Array): void {
    this.out.set(b, this.at);
    this.at += b.length;
  }
}

/**
 * ResponseMessage{ResponseHeader{ProtocolVersion{Major, Minor}, Time Stamp, Batch Count 1},
 * BatchItem{Operation, Result Status Success, <payload>}}, exactly as buildResponse and encode write a
 * lone successful item; `payload` writes the Response Payload, `payloadLen` bytes, header included.
 */
function successResponse(version: ProtocolVersion, now: number, operation: number, payloadLen: number, payload: (w: Writer) => void): Uint8Array {
  const itemLen = 16 + 16 + payloadLen;
  const total = 8 + 8 + HEADER_LEN + 8 + itemLen;
  // Every byte is written below (as encode's output, it comes from Node's pool below 4 KiB).
  const w = new Writer(Buffer.allocUnsafe(total));
  w.head(Tag.ResponseMessage, STRUCT, total - 8);
  w.head(Tag.ResponseHeader, STRUCT, HEADER_LEN);
  w.head(Tag.ProtocolVersion, STRUCT, 32);
  w.int32(Tag.ProtocolVersionMajor, ItemType.Integer, version.major);
  w.int32(Tag.ProtocolVersionMinor, ItemType.Integer, version.minor);
  w.head(Tag.TimeStamp, ItemType.DateTime, 8);
  w.out.writeBigInt64BE(BigInt(Math.floor(now / 1000)), w.at);
  w.at += 8;
  w.int32(Tag.BatchCount, ItemType.Integer, 1);
  w.head(Tag.BatchItem, STRUCT, itemLen);
  w.int32(Tag.Operation, ItemType.Enumeration, operation);
  w.int32(Tag.ResultStatus, ItemType.Enumeration, ResultStatus.Success);
  payload(w);
  if (w.at !== total) throw new Error(`fast path response: wrote ${w.at} of ${total} bytes`);
  return w.out;
}

/** A Get's response: Response Payload{Object Type, Unique Identifier, body}; `body` is the stored
 *  object, a whole TTLV item. */
function getResponse(version: ProtocolVersion, now: number, objectType: number, uid: string, body: Uint8Array): Uint8Array {
  const uidLen = Buffer.byteLength(uid, 'utf8');
  const payloadLen = 8 + 16 + 8 + pad8(uidLen) + body.length;
  return successResponse(version, now, Operation.Get, payloadLen, (w) => {
    w.head(Tag.ResponsePayload, STRUCT, payloadLen - 8);
    w.int32(Tag.ObjectType, ItemType.Enumeration, objectType);
    w.text(Tag.UniqueIdentifier, uid, uidLen);
    w.bytes(body);
  });
}

const pad8 = (n: number): number => (n + 7) & ~7;
