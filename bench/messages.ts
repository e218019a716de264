// The benchmark ladder: real KMIP message shapes from 64 bytes to 1 MiB, built as item trees.
import { Tag } from '../src/dict/index.js';
import { encode, ItemType, type TtlvItem } from '../src/ttlv/index.js';

const S = (tag: number, value: TtlvItem[]): TtlvItem => ({ tag, type: ItemType.Structure, value });
const I = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Integer, value });
const E = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Enumeration, value });
const T = (tag: number, value: string): TtlvItem => ({ tag, type: ItemType.TextString, value });
const B = (tag: number, value: Uint8Array): TtlvItem => ({ tag, type: ItemType.ByteString, value });
const D = (tag: number, value: bigint): TtlvItem => ({ tag, type: ItemType.DateTime, value });

const NOW = 1_764_331_200n;
// Bench fixtures must not look like real keys: a fixed, obviously synthetic pattern.
const fakeKey = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);
const uid = (i: number) => `kmipkit-bench-${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

const version = (minor: number) =>
  S(Tag.ProtocolVersion, [I(Tag.ProtocolVersionMajor, 1), I(Tag.ProtocolVersionMinor, minor)]);

function request(items: TtlvItem[][]): TtlvItem {
  return S(Tag.RequestMessage, [
    S(Tag.RequestHeader, [version(4), I(Tag.BatchCount, items.length)]),
    ...items.map(([op, payload]) => S(Tag.BatchItem, [op, payload])),
  ]);
}

function response(op: number, payload: TtlvItem[]): TtlvItem {
  return S(Tag.ResponseMessage, [
    S(Tag.ResponseHeader, [version(4), D(Tag.TimeStamp, NOW), I(Tag.BatchCount, 1)]),
    S(Tag.BatchItem, [E(Tag.Operation, op), E(Tag.ResultStatus, 0), S(Tag.ResponsePayload, payload)]),
  ]);
}

const attr = (name: string, value: TtlvItem): TtlvItem =>
  S(Tag.Attribute, [T(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);

const OP = { Create: 1, Register: 3, Locate: 8, Get: 10, Query: 24 } as const;

function createPayload(i: number): TtlvItem[] {
  return [
    E(Tag.Operation, OP.Create),
    S(Tag.RequestPayload, [
      E(Tag.ObjectType, 2),
      S(Tag.TemplateAttribute, [
        attr('Cryptographic Algorithm', E(0, 3)),
        attr('Cryptographic Length', I(0, 256)),
        attr('Cryptographic Usage Mask', I(0, 12)),
        attr('Name', S(0, [T(Tag.NameValue, `bench-key-${i}`), E(Tag.NameType, 1)])),
      ]),
    ]),
  ];
}

function symmetricKey(bytes: number): TtlvItem {
  return S(Tag.SymmetricKey, [
    S(Tag.KeyBlock, [
      E(Tag.KeyFormatType, 1),
      S(Tag.KeyValue, [B(Tag.KeyMaterial, fakeKey(bytes))]),
      E(Tag.CryptographicAlgorithm, 3),
      I(Tag.CryptographicLength, bytes * 8),
    ]),
  ]);
}

function locateResponse(n: number): TtlvItem {
  return response(OP.Locate, [I(Tag.LocatedItems, n), ...Array.from({ length: n }, (_, i) => T(Tag.UniqueIdentifier, uid(i)))]);
}

export interface LadderMessage {
  name: string;
  item: TtlvItem;
  bytes: Buffer;
}

function message(name: string, item: TtlvItem): LadderMessage {
  const bytes = encode(item);
  return { name: name && `${name} (${bytes.length} B)`, item, bytes };
}

/** The ladder the issue names, smallest first. */
export function ladder(): LadderMessage[] {
  const batch: TtlvItem[][] = [];
  // 1 MiB batch: Register requests, each a 4 KiB key with its attributes (a bulk import).
  for (let i = 0; batch.length < 240; i++) {
    batch.push([
      E(Tag.Operation, OP.Register),
      S(Tag.RequestPayload, [
        E(Tag.ObjectType, 2),
        S(Tag.TemplateAttribute, [attr('Cryptographic Usage Mask', I(0, 12)), attr('Name', S(0, [T(Tag.NameValue, `bulk-${i}`), E(Tag.NameType, 1)]))]),
        symmetricKey(4096),
      ]),
    ]);
  }
  return [
    message('discover-versions request', S(Tag.RequestMessage, [S(Tag.RequestHeader, [version(4), I(Tag.BatchCount, 1)])])),
    message('create request', request([createPayload(1)])),
    message('get response, 4 KiB key', response(OP.Get, [E(Tag.ObjectType, 2), T(Tag.UniqueIdentifier, uid(1)), symmetricKey(4096)])),
    message('locate response, 1,000 ids', locateResponse(1000)),
    message('1 MiB batch (240 Register, 4 KiB keys)', request(batch)),
  ];
}

/** Extra shapes: sizes between the rungs to find the native/TS crossover, and a batch of small items. */
export function crossoverLadder(): LadderMessage[] {
  // The smallest messages: where the call into the addon costs about what the scan saves.
  const small = [
    message('protocol version', version(4)),
    message('request header', S(Tag.RequestHeader, [version(4), I(Tag.BatchCount, 1)])),
    message('get request', request([[E(Tag.Operation, OP.Get), S(Tag.RequestPayload, [T(Tag.UniqueIdentifier, uid(1))])]])),
  ];
  const out = [256, 512, 1024, 2048, 4096].map((target) => {
    let n = 0;
    let m = message('', locateResponse(0));
    while (m.bytes.length < target) m = message('', locateResponse(++n));
    return { ...m, name: `locate response, ${n} ids (${m.bytes.length} B)` };
  });
  const creates: TtlvItem[][] = [];
  for (let i = 0; creates.length < 2900; i++) creates.push(createPayload(i));
  out.push(message('1 MiB batch of small items (2,900 Create)', request(creates)));
  return [...small, ...out];
}
