// The Get fast path: the commonest request a key manager serves (a lone Get of one object by its
// Unique Identifier, nothing else asked) answered without a store transaction, from the object as last
// committed (Store.peekCommitted), with the response written straight from the stored bytes.
//
// It answers only what the general path (ops/get.ts through the engine) would answer with the same
// bytes and no write: the requester owns the object; no date moves its state; it is not archived, not
// Fresh (serving it would clear Fresh), not Sensitive, not unextractable, not destroyed, and holds
// material. Anything else, and any request with more in it (a Key Format Type, a Unique Batch Item ID,
// a credential, another header field), returns undefined and goes the general way. A differential
// test (test/kmip/fastget.test.ts) holds the two paths to the same response bytes.
import { Operation, ResultStatus, Tag } from '../dict/index.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import type { CommittedObject, Store } from '../store/types.js';
import { read } from './items.js';
import { dateDrivenState, isDestroyed } from './lifecycle.js';
import { dateOf, first, fromRecord, stateOf } from './object.js';
import type { ProtocolVersion } from './version.js';

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

/** The Unique Identifier of a request that is exactly {header: version, Batch Count 1; one Get of it}. */
function loneGetOf(root: TtlvItem): string | undefined {
  if (!isStruct(root, Tag.RequestMessage, 2)) return undefined;
  const [header, item] = root.value;
  if (!isStruct(header, Tag.RequestHeader, 2)) return undefined;
  const [pv, count] = header.value;
  if (!isStruct(pv, Tag.ProtocolVersion, 2) || count.tag !== Tag.BatchCount || count.type !== ItemType.Integer || count.value !== 1) return undefined;
  if (!isStruct(item, Tag.BatchItem, 2)) return undefined;
  const [op, payload] = item.value;
  if (op.tag !== Tag.Operation || op.type !== ItemType.Enumeration || op.value !== Operation.Get) return undefined;
  if (!isStruct(payload, Tag.RequestPayload, 1)) return undefined;
  const uid = payload.value[0];
  return uid.tag === Tag.UniqueIdentifier && uid.type === ItemType.TextString ? uid.value : undefined;
}

/** The Get response bytes, or undefined when the general path must answer. `root` is the decoded
 *  request, whose version the engine has already checked is supported. */
export function fastGet(store: Store, root: TtlvItem, version: ProtocolVersion, principal: string, now: number): Uint8Array | undefined {
  if (!store.peekCommitted) return undefined;
  const uid = loneGetOf(root);
  if (uid === undefined) return undefined;
  const c = store.peekCommitted(uid);
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
    return getResponse(version, now, c.record.objectType, uid, body);
  } finally {
    body.fill(0);
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
