// Request and response messages (KMIP 1.4 §7, 2.1 §8): the header fields the server honours and the
// batch items, read from and written to item trees.
import { BatchErrorContinuationOption, ResultReason, ResultStatus, Tag } from '../dict/index.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { KmipError } from './errors.js';
import { child, children, date, enm, int, read, struct, text, bytes as byteItem } from './items.js';
import type { ProtocolVersion } from './version.js';

/** Most batch items one request may carry: a Batch Count of 1,000,000 must not make us allocate. */
export const MAX_BATCH_ITEMS = 1000;

export interface Credential {
  type: number;
  username?: string;
  password?: string;
}

export interface RequestHeader {
  version: ProtocolVersion;
  maximumResponseSize?: number;
  clientCorrelationValue?: string;
  asynchronous: boolean;
  batchOrder: boolean;
  errorContinuation: number;
  timeStamp?: number;
  credentials: Credential[];
  batchCount: number;
}

export interface RequestItem {
  operation: number;
  uniqueBatchItemId?: Uint8Array;
  payload?: TtlvItem;
}

export interface RequestMessage {
  header: RequestHeader;
  items: RequestItem[];
}

export interface ResponseItem {
  operation?: number;
  uniqueBatchItemId?: Uint8Array;
  status: number;
  reason?: number;
  message?: string;
  payload?: TtlvItem[];
}

const invalidMessage = (msg: string) => new KmipError(ResultReason.InvalidMessage, msg);

/** The Protocol Version of a request, read leniently, so that even a bad message is answered in kind. */
export function peekVersion(root: TtlvItem | undefined): ProtocolVersion | undefined {
  const pv = child(child(root, Tag.RequestHeader), Tag.ProtocolVersion);
  const major = child(pv, Tag.ProtocolVersionMajor);
  const minor = child(pv, Tag.ProtocolVersionMinor);
  if (major?.type !== ItemType.Integer || minor?.type !== ItemType.Integer) return undefined;
  return { major: major.value, minor: minor.value };
}

function readCredential(item: TtlvItem): Credential {
  const type = read.enum(child(item, Tag.CredentialType)) ?? 0;
  const value = child(item, Tag.CredentialValue);
  return {
    type,
    username: read.text(child(value, Tag.Username)),
    password: read.text(child(value, Tag.Password)),
  };
}

export function parseRequest(root: TtlvItem): RequestMessage {
  if (root.tag !== Tag.RequestMessage || root.type !== ItemType.Structure) throw invalidMessage('not a Request Message');
  const h = child(root, Tag.RequestHeader);
  if (!h || h.type !== ItemType.Structure) throw invalidMessage('Request Header missing');
  const version = peekVersion(root);
  if (!version) throw invalidMessage('Protocol Version missing');
  const batchCount = read.int(child(h, Tag.BatchCount));
  if (batchCount === undefined) throw invalidMessage('Batch Count missing');
  const async = child(h, Tag.AsynchronousIndicator);
  const header: RequestHeader = {
    version,
    maximumResponseSize: read.int(child(h, Tag.MaximumResponseSize)),
    clientCorrelationValue: read.text(child(h, Tag.ClientCorrelationValue)),
    // 1.x: a Boolean, "the client can accept an asynchronous response"; 2.x: Mandatory (1) / Optional / Prohibited.
    asynchronous: async?.type === ItemType.Enumeration ? async.value === 1 : false,
    batchOrder: read.bool(child(h, Tag.BatchOrderOption)) ?? true,
    errorContinuation: read.enum(child(h, Tag.BatchErrorContinuationOption)) ?? BatchErrorContinuationOption.Stop,
    timeStamp: read.date(child(h, Tag.TimeStamp)),
    credentials: children(child(h, Tag.Authentication) ?? struct(0, []), Tag.Credential).map(readCredential),
    batchCount,
  };
  const batch = children(root, Tag.BatchItem);
  if (batchCount !== batch.length) throw invalidMessage(`Batch Count is ${batchCount} but ${batch.length} batch items are present`);
  if (batch.length === 0) throw invalidMessage('no batch items');
  if (batch.length > MAX_BATCH_ITEMS) throw invalidMessage(`more than ${MAX_BATCH_ITEMS} batch items`);
  const items = batch.map((b): RequestItem => {
    const operation = read.enum(child(b, Tag.Operation));
    if (operation === undefined) throw invalidMessage('a batch item has no Operation');
    const payload = child(b, Tag.RequestPayload);
    if (payload && payload.type !== ItemType.Structure) throw invalidMessage('Request Payload must be a Structure');
    return { operation, uniqueBatchItemId: read.bytes(child(b, Tag.UniqueBatchItemID)), payload };
  });
  return { header, items };
}

export function buildResponse(
  version: ProtocolVersion,
  now: number,
  items: ResponseItem[],
  extra: { clientCorrelationValue?: string } = {},
): TtlvItem {
  return struct(Tag.ResponseMessage, [
    struct(Tag.ResponseHeader, [
      struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, version.major), int(Tag.ProtocolVersionMinor, version.minor)]),
      date(Tag.TimeStamp, now),
      extra.clientCorrelationValue !== undefined && (version.major > 1 || version.minor >= 4)
        ? text(Tag.ClientCorrelationValue, extra.clientCorrelationValue)
        : undefined,
      int(Tag.BatchCount, items.length),
    ]),
    ...items.map((it) =>
      struct(Tag.BatchItem, [
        it.operation !== undefined ? enm(Tag.Operation, it.operation) : undefined,
        it.uniqueBatchItemId ? byteItem(Tag.UniqueBatchItemID, it.uniqueBatchItemId) : undefined,
        enm(Tag.ResultStatus, it.status),
        it.reason !== undefined ? enm(Tag.ResultReason, it.reason) : undefined,
        it.message !== undefined ? text(Tag.ResultMessage, it.message) : undefined,
        it.payload ? struct(Tag.ResponsePayload, it.payload) : undefined,
      ]),
    ),
  ]);
}

export const failure = (e: KmipError, base: Pick<ResponseItem, 'operation' | 'uniqueBatchItemId'>): ResponseItem => ({
  ...base,
  status: e.status === ResultStatus.Success ? ResultStatus.OperationFailed : e.status,
  reason: e.reason,
  message: e.message,
});
