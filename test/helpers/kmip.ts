// Building requests and reading responses in tests, with the engine's own item builders.
import { Tag, ResultStatus } from '../../src/dict/index.js';
import { decode, encode } from '../../src/ttlv/index.js';
import type { TtlvItem } from '../../src/ttlv/types.js';
import { bytes, child, children, enm, int, read, struct, text } from '../../src/kmip/items.js';
import { createEngine, type EngineOptions } from '../../src/kmip/engine.js';
import { openStore } from '../../src/store/index.js';
import type { MessageHandler } from '../../src/server/types.js';

export interface Item {
  op: number;
  payload?: TtlvItem[];
  id?: Uint8Array;
}

export function request(version: readonly [number, number], items: Item[], header: TtlvItem[] = []): Uint8Array {
  return encode(
    struct(Tag.RequestMessage, [
      struct(Tag.RequestHeader, [
        struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, version[0]), int(Tag.ProtocolVersionMinor, version[1])]),
        ...header,
        int(Tag.BatchCount, items.length),
      ]),
      ...items.map((it) =>
        struct(Tag.BatchItem, [
          enm(Tag.Operation, it.op),
          it.id ? { tag: Tag.UniqueBatchItemID, type: 0x08, value: it.id } : undefined,
          it.payload ? struct(Tag.RequestPayload, it.payload) : undefined,
        ]),
      ),
    ]),
  );
}

export interface ResultItem {
  operation?: number;
  status: number;
  reason?: number;
  message?: string;
  payload?: TtlvItem;
  id?: Uint8Array;
}

export function response(bytes: Uint8Array): { root: TtlvItem; version: [number, number]; items: ResultItem[] } {
  const root = decode(bytes);
  const pv = child(child(root, Tag.ResponseHeader), Tag.ProtocolVersion);
  const items = children(root, Tag.BatchItem).map((b) => ({
    operation: read.enum(child(b, Tag.Operation)),
    status: read.enum(child(b, Tag.ResultStatus))!,
    reason: read.enum(child(b, Tag.ResultReason)),
    message: read.text(child(b, Tag.ResultMessage)),
    payload: child(b, Tag.ResponsePayload),
    id: read.bytes(child(b, Tag.UniqueBatchItemID)),
  }));
  return { root, version: [read.int(child(pv, Tag.ProtocolVersionMajor))!, read.int(child(pv, Tag.ProtocolVersionMinor))!], items };
}

/** An engine over a fresh in-memory store, and a `send` that speaks for one principal. */
export async function testEngine(opts: Partial<EngineOptions> = {}) {
  const store = await openStore({ kind: 'memory' });
  const engine: MessageHandler = createEngine({ store, ...opts });
  const send = async (version: readonly [number, number], items: Item[], header: TtlvItem[] = [], principal = 'alice') =>
    response(await engine.handle(request(version, items, header), { principal }));
  /** One operation that must succeed; its payload. */
  const ok = async (version: readonly [number, number], op: number, payload: TtlvItem[] = [], principal = 'alice') => {
    const r = await send(version, [{ op, payload }], [], principal);
    const it = r.items[0];
    if (it.status !== ResultStatus.Success) throw new Error(`operation ${op} failed: reason ${it.reason}: ${it.message}`);
    return it.payload!;
  };
  return { store, engine, send, ok };
}

export const uidIn = (payload: TtlvItem): string => read.text(child(payload, Tag.UniqueIdentifier))!;

/** A Key Block holding `material` in `format`, with the algorithm and length when given. */
export const keyBlock = (format: number, material: Uint8Array, alg?: number, len?: number): TtlvItem =>
  struct(Tag.KeyBlock, [
    enm(Tag.KeyFormatType, format),
    struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, material)]),
    alg === undefined ? undefined : enm(Tag.CryptographicAlgorithm, alg),
    len === undefined ? undefined : int(Tag.CryptographicLength, len),
  ]);
export { text, int, enm, struct, child, children, read };
