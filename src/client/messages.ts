// Request messages out, response messages in. A response is checked against the request it answers
// (shape, batch count, item ids) before anything reads it: a server that answers something else gets
// a KmipProtocolError, never a half-parsed result.
import { BatchErrorContinuationOption, ResultStatus, Tag, enumByName } from '../dict/index.js';
import { KmipError as EngineError } from '../kmip/errors.js';
import { child, children, enm, int, bytes, read, struct } from '../kmip/items.js';
import { TtlvError, decode } from '../ttlv/index.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { KmipProtocolError, kmipError, type KmipError } from './errors.js';

/** A protocol version as major*10+minor (14 for 1.4, 21 for 2.1). */
export type VersionNumber = number;

export const versionText = (v: VersionNumber): string => `${Math.floor(v / 10)}.${v % 10}`;

/** '1.4', [1, 4] or 14 to 14. */
export function parseVersion(v: string | readonly [number, number] | number): VersionNumber {
  const [major, minor] = typeof v === 'number' ? [Math.floor(v / 10), v % 10] : typeof v === 'string' ? v.split('.').map(Number) : v;
  const n = major * 10 + minor;
  if (!Number.isInteger(major) || !Number.isInteger(minor) || !CLIENT_VERSIONS.includes(n)) {
    throw new TypeError(`unsupported KMIP version ${JSON.stringify(v)}: this client speaks ${CLIENT_VERSIONS.map(versionText).join(', ')}`);
  }
  return n;
}

/** What this client speaks, best first. */
export const CLIENT_VERSIONS: readonly VersionNumber[] = [21, 20, 14, 13, 12, 11, 10];

export const protocolVersion = (v: VersionNumber): TtlvItem =>
  struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, Math.floor(v / 10)), int(Tag.ProtocolVersionMinor, v % 10)]);

export function operationCode(name: string): number {
  const v = enumByName('Operation')?.valueByName(name);
  if (v === undefined) throw new TypeError(`unknown KMIP operation ${JSON.stringify(name)}`);
  return v;
}

export const operationName = (code: number | undefined): string | undefined =>
  code === undefined ? undefined : (enumByName('Operation')?.valueName(code) ?? `0x${code.toString(16)}`);

export interface RequestItem {
  operation: string;
  payload: TtlvItem[];
}

export type ErrorContinuation = keyof typeof BatchErrorContinuationOption;

export interface HeaderOptions {
  errorContinuation?: ErrorContinuation;
  /** Extra Request Header fields (Authentication, Maximum Response Size, ...), placed before Batch Count. */
  header?: TtlvItem[];
}

/** Batch items of a multi-item request carry Unique Batch Item IDs (their index, 4 bytes) so answers can be matched. */
export function requestMessage(v: VersionNumber, items: readonly RequestItem[], options: HeaderOptions = {}): TtlvItem {
  const many = items.length > 1;
  return struct(Tag.RequestMessage, [
    struct(Tag.RequestHeader, [
      protocolVersion(v),
      ...(options.header ?? []),
      options.errorContinuation ? enm(Tag.BatchErrorContinuationOption, BatchErrorContinuationOption[options.errorContinuation]) : undefined,
      int(Tag.BatchCount, items.length),
    ]),
    ...items.map((it, i) =>
      struct(Tag.BatchItem, [
        enm(Tag.Operation, operationCode(it.operation)),
        many ? bytes(Tag.UniqueBatchItemID, batchId(i)) : undefined,
        struct(Tag.RequestPayload, it.payload),
      ]),
    ),
  ]);
}

function batchId(i: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, i);
  return b;
}

export interface ResponseItem {
  /** Position of the request item it answers. */
  index: number;
  operation: string | undefined;
  status: number;
  /** The failure, when status is not Success. */
  error?: KmipError;
  payload: TtlvItem | undefined;
}

export interface ParsedResponse {
  version: VersionNumber;
  /** One entry per request item: undefined for items the server did not process (error continuation Stop). */
  items: (ResponseItem | undefined)[];
  /** A failure that answers the whole message (a server that could not read the request). */
  messageError?: KmipError;
}

/** Decodes a response to `requested` items; KmipProtocolError when it is not a KMIP response to it. */
export function parseResponse(bytes: Uint8Array, requested: readonly RequestItem[]): ParsedResponse {
  let root: TtlvItem;
  try {
    root = decode(bytes);
  } catch (e) {
    throw new KmipProtocolError(`the response is not valid TTLV: ${(e as Error).message}`, { cause: e });
  }
  return parseResponseTree(root, requested);
}

export function parseResponseTree(root: TtlvItem, requested: readonly RequestItem[]): ParsedResponse {
  try {
    return readResponse(root, requested);
  } catch (e) {
    if (e instanceof EngineError || e instanceof TtlvError) throw new KmipProtocolError(`invalid response: ${e.message}`, { cause: e });
    throw e;
  }
}

function readResponse(root: TtlvItem, requested: readonly RequestItem[]): ParsedResponse {
  if (root.tag !== Tag.ResponseMessage || root.type !== ItemType.Structure) throw new KmipProtocolError('the answer is not a Response Message');
  const header = read.struct(child(root, Tag.ResponseHeader));
  if (!header) throw new KmipProtocolError('the response has no Response Header');
  const pv = read.struct(child(header, Tag.ProtocolVersion));
  const major = read.int(child(pv, Tag.ProtocolVersionMajor));
  const minor = read.int(child(pv, Tag.ProtocolVersionMinor));
  if (major === undefined || minor === undefined) throw new KmipProtocolError('the response header has no Protocol Version');
  const count = read.int(child(header, Tag.BatchCount));
  const batch = children(root, Tag.BatchItem);
  if (count !== batch.length) throw new KmipProtocolError(`the response says Batch Count ${count} but holds ${batch.length} items`);
  if (batch.length > requested.length) throw new KmipProtocolError(`${batch.length} answers to ${requested.length} requests`);
  const items: (ResponseItem | undefined)[] = new Array(requested.length).fill(undefined);
  let messageError: KmipError | undefined;
  batch.forEach((b, position) => {
    const status = read.enum(child(b, Tag.ResultStatus));
    if (status === undefined) throw new KmipProtocolError(`response batch item ${position} has no Result Status`);
    const op = read.enum(child(b, Tag.Operation));
    const id = read.bytes(child(b, Tag.UniqueBatchItemID));
    let index = position;
    if (id && id.length === 4 && requested.length > 1) index = new DataView(id.buffer, id.byteOffset, 4).getUint32(0);
    if (index >= requested.length || items[index]) throw new KmipProtocolError(`response batch item ${position} answers no request item`);
    const operation = operationName(op);
    const payload = read.struct(child(b, Tag.ResponsePayload));
    let error: KmipError | undefined;
    if (status !== ResultStatus.Success) {
      error = kmipError({
        status: enumByName('ResultStatus')?.valueName(status) ?? `0x${status.toString(16)}`,
        reasonCode: read.enum(child(b, Tag.ResultReason)),
        resultMessage: read.text(child(b, Tag.ResultMessage)),
        batchIndex: index,
        operation: operation ?? requested[index].operation,
      });
    }
    // A failure with no Operation that is not matched to an item answers the message as a whole.
    if (op === undefined && error && batch.length === 1 && requested.length > 1) {
      messageError = error;
      return;
    }
    if (op !== undefined && operation !== requested[index].operation) {
      throw new KmipProtocolError(`response batch item ${position} is a ${operation} answer to a ${requested[index].operation} request`);
    }
    if (!error && op === undefined) throw new KmipProtocolError(`response batch item ${position} succeeded but names no Operation`);
    items[index] = { index, operation, status, error, payload };
  });
  return { version: major * 10 + minor, items, messageError };
}
