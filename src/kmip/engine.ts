// The KMIP engine: one request message in, one response message out, over a Store. Every batch runs
// in one store transaction and every item in a savepoint, so a failed item writes nothing, Stop keeps
// what went before, Undo rolls the whole batch back, and the response leaves only after the commit.
import { timingSafeEqual } from 'node:crypto';
import { BatchErrorContinuationOption, CredentialType, Operation, ResultReason, ResultStatus, Tag, enumByName } from '../dict/index.js';
import { decode, encode, ItemType, TtlvError } from '../ttlv/index.js';
import type { TtlvItem } from '../ttlv/types.js';
import type { ClientIdentity, MessageHandler } from '../server/types.js';
import type { Store, StoreTx } from '../store/types.js';
import { ReadOnlyRetry } from '../store/txbase.js';
import { StoreError } from '../store/types.js';
import { KmipError } from './errors.js';
import { read } from './items.js';
import { buildResponse, failure, parseRequest, peekVersion, type RequestMessage, type ResponseItem } from './message.js';
import { AfterCommit, makeContext, type OpContext, type ServerState } from './context.js';
import { SUPPORTED_VERSIONS, isSupported, vnum, type ProtocolVersion } from './version.js';
import { create, register } from './ops/create.js';
import { check, get } from './ops/get.js';
import { addAttribute, adjustAttribute, deleteAttribute, getAttributeList, getAttributes, modifyAttribute, setAttribute } from './ops/attributes.js';
import { activate, archive, destroy, recover, revoke } from './ops/lifecycle.js';
import { locate } from './ops/locate.js';
import { discoverVersions, interop, log, query, rngRetrieve } from './ops/server.js';
import { reKey } from './ops/rekey.js';
import { decrypt, encrypt, hash, mac, macVerify, rngSeed } from './ops/crypto.js';
import { createKeyPair, reKeyKeyPair } from './ops/keypair.js';
import { sign, signatureVerify } from './ops/sign.js';
import { exportObject, importObject, setEndpointRole } from './ops/exchange.js';
import { deriveKey } from './ops/derive.js';
import { decapsulate, encapsulate } from './ops/kem.js';
import { OP_DECAPSULATE, OP_ENCAPSULATE } from './pqc.js';
import { fastPath } from './fastpath.js';

export interface EngineOptions {
  store: Store;
  /** Milliseconds since the epoch; tests move time with it. */
  clock?: () => number;
  /** Structured events (no key material ever): operation, principal, result, duration. */
  log?: (event: Record<string, unknown>) => void;
  /** When set, every request must carry one of these as a Username and Password Credential (a second
   *  factor on top of the client certificate). */
  credentials?: readonly { username: string; password: string }[];
  /** Instead of `credentials`: decides whether a Username and Password is right (e.g. against scrypt
   *  hashes, see src/server/credentials.ts). When set, every request must carry one that passes. */
  verifyCredential?: (username: string, password: string) => Promise<boolean> | boolean;
  vendor?: string;
  serverName?: string;
  /** Standard attributes left out when a client asks for all attributes (Get Attributes with no names,
   *  Get Attribute List); asked for by name they are still returned. For clients that cannot decode
   *  attributes newer than they are (see `pykmipOmissions`). */
  omitFromAllAttributes?: readonly string[];
  /** Serve the KMIP 3.0 (draft) post-quantum algorithms (ML-KEM, ML-DSA, SLH-DSA) and the Encapsulate and
   *  Decapsulate operations, whose code points are not final (see src/kmip/pqc.ts). Default off. */
  kmip30Algorithms?: boolean;
  /** Default true: a lone Get that asks for nothing but the object, and a lone single-part symmetric
   *  Encrypt, are answered from the object as last committed, without a transaction, when the store can
   *  (see src/kmip/fastpath.ts); false always takes the general path (the differential test compares the two). */
  fastPath?: boolean;
  /** Default true: a lone read-mostly item (Get, Encrypt, Locate, ...) runs first without a transaction
   *  when the store can (Store.readCommitted), and again in one if it writes; false always opens one. */
  readOnlyRuns?: boolean;
}

type OpFn = (ctx: OpContext, payload: TtlvItem | undefined) => Promise<TtlvItem[] | AfterCommit> | TtlvItem[];

interface OpDef {
  fn: OpFn;
  /** First protocol version (major*10+minor) that has the operation. */
  since: number;
  /** A KMIP 3.0 (draft) operation: performed and advertised only with EngineOptions.kmip30Algorithms. */
  kmip30?: boolean;
}

const requirePayload = (fn: (ctx: OpContext, p: TtlvItem) => Promise<TtlvItem[]>): OpFn => (ctx, p) => {
  if (!p) throw new KmipError(ResultReason.InvalidMessage, 'Request Payload missing');
  return fn(ctx, p);
};

const OPS = new Map<number, OpDef>([
  [Operation.Create, { fn: requirePayload(create), since: 10 }],
  [Operation.Register, { fn: requirePayload(register), since: 10 }],
  [Operation.CreateKeyPair, { fn: createKeyPair, since: 10 }],
  [Operation.ReKeyKeyPair, { fn: reKeyKeyPair, since: 11 }],
  [Operation.Sign, { fn: sign, since: 12 }],
  [Operation.SignatureVerify, { fn: signatureVerify, since: 12 }],
  [Operation.ReKey, { fn: reKey, since: 10 }],
  [Operation.Locate, { fn: locate, since: 10 }],
  [Operation.Check, { fn: check, since: 10 }],
  [Operation.Get, { fn: get, since: 10 }],
  [Operation.GetAttributes, { fn: getAttributes, since: 10 }],
  [Operation.GetAttributeList, { fn: getAttributeList, since: 10 }],
  [Operation.AddAttribute, { fn: addAttribute, since: 10 }],
  [Operation.ModifyAttribute, { fn: modifyAttribute, since: 10 }],
  [Operation.DeleteAttribute, { fn: deleteAttribute, since: 10 }],
  [Operation.Activate, { fn: activate, since: 10 }],
  [Operation.Revoke, { fn: revoke, since: 10 }],
  [Operation.Destroy, { fn: destroy, since: 10 }],
  [Operation.Archive, { fn: archive, since: 10 }],
  [Operation.Recover, { fn: recover, since: 10 }],
  [Operation.Query, { fn: (ctx, p) => query(ctx, p, operationsFor(ctx.v, ctx.server.kmip30Algorithms)), since: 10 }],
  [Operation.DiscoverVersions, { fn: discoverVersions, since: 11 }],
  [Operation.RNGRetrieve, { fn: rngRetrieve, since: 12 }],
  [Operation.RNGSeed, { fn: rngSeed, since: 12 }],
  [Operation.Encrypt, { fn: encrypt, since: 12 }],
  [Operation.Decrypt, { fn: decrypt, since: 12 }],
  [Operation.MAC, { fn: mac, since: 12 }],
  [Operation.MACVerify, { fn: macVerify, since: 12 }],
  [Operation.Hash, { fn: hash, since: 12 }],
  [Operation.Export, { fn: exportObject, since: 14 }],
  [Operation.Import, { fn: importObject, since: 14 }],
  [Operation.DeriveKey, { fn: deriveKey, since: 10 }],
  [Operation.Log, { fn: log, since: 20 }],
  [Operation.SetAttribute, { fn: setAttribute, since: 20 }],
  [Operation.AdjustAttribute, { fn: adjustAttribute, since: 20 }],
  [Operation.SetEndpointRole, { fn: setEndpointRole, since: 20 }],
  [Operation.Interop, { fn: interop, since: 20 }], // KMIP 2.0 §6.1.25
  // KMIP 3.0 draft code points (src/kmip/pqc.ts): only with EngineOptions.kmip30Algorithms, in 2.x messages.
  [OP_ENCAPSULATE, { fn: encapsulate, since: 20, kmip30: true }],
  [OP_DECAPSULATE, { fn: decapsulate, since: 20, kmip30: true }],
]);

/** The operations the server performs at protocol version v (what Query advertises). */
export function operationsFor(v: number, kmip30 = false): number[] {
  return [...OPS].filter(([, d]) => d.since <= v && (kmip30 || !d.kmip30)).map(([op]) => op);
}

const enumName = (enumeration: string, v: number | undefined): string | undefined =>
  v === undefined ? undefined : (enumByName(enumeration)?.valueName(v) ?? `0x${v.toString(16).padStart(8, '0')}`);
const operationName = (op: number | undefined) => enumName('Operation', op);

/** Thrown inside the transaction to roll the batch back while keeping the answer. */
class Rollback {
  constructor(readonly items: ResponseItem[]) {}
}

/** Thrown inside an optimistic (savepoint-free) run when an item failed: roll back and run again with savepoints. */
class Replay {}

/** A lone item whose slow part runs after the commit (see AfterCommit). */
class Pending {
  constructor(readonly work: AfterCommit, readonly base: { operation: number; uniqueBatchItemId?: Uint8Array }) {}
}

function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a), y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createEngine(options: EngineOptions): MessageHandler {
  const clock = options.clock ?? Date.now;
  const logEvent = options.log ?? (() => {});
  const readOnlyRuns = options.readOnlyRuns !== false && options.store.readCommitted !== undefined;
  // Not when every request must carry a credential: the general path checks it.
  const fastPaths = options.fastPath !== false && options.store.peekCommitted !== undefined && !options.credentials?.length && !options.verifyCredential;
  const server: ServerState = {
    vendor: options.vendor ?? 'kmipkit',
    serverName: options.serverName ?? 'kmipkit',
    log: logEvent,
    omitFromAll: new Set(options.omitFromAllAttributes ?? []),
    kmip30Algorithms: options.kmip30Algorithms ?? false,
  };

  async function authenticated(msg: RequestMessage): Promise<boolean> {
    if (options.verifyCredential) {
      for (const c of msg.header.credentials) {
        if (c.type !== CredentialType.UsernameAndPassword || c.username === undefined || c.password === undefined) continue;
        if (await options.verifyCredential(c.username, c.password)) return true;
      }
      return false;
    }
    if (!options.credentials?.length) return true;
    return msg.header.credentials.some(
      (c) =>
        c.type === CredentialType.UsernameAndPassword &&
        c.username !== undefined &&
        c.password !== undefined &&
        options.credentials!.some((k) => constantTimeEqual(k.username, c.username!) && constantTimeEqual(k.password, c.password!)),
    );
  }

  // Without a savepoint when a failure rolls back the whole transaction anyway: a lone item, an Undo
  // batch, or an optimistic first run (see runBatch).
  async function runItem(ctx: OpContext, tx: StoreTx, op: number, payload: TtlvItem | undefined, savepoint: boolean): Promise<TtlvItem[] | AfterCommit> {
    const def = OPS.get(op);
    if (!def || def.since > ctx.v || (def.kmip30 && !ctx.server.kmip30Algorithms)) throw new KmipError(ResultReason.OperationNotSupported, `operation ${op} is not supported at ${ctx.version.major}.${ctx.version.minor}`);
    return savepoint ? tx.savepoint(async () => def.fn(ctx, payload)) : def.fn(ctx, payload);
  }

  async function runBatch(msg: RequestMessage, client: ClientIdentity, now: number): Promise<Uint8Array> {
    const { header } = msg;
    const version = header.version;
    const fail = (reason: number, message: string) =>
      msg.items.map((it) => failure(new KmipError(reason, message), { operation: it.operation, uniqueBatchItemId: it.uniqueBatchItemId }));
    if (!(await authenticated(msg))) return respond(version, now, fail(ResultReason.AuthenticationNotSuccessful, 'credential missing or wrong'), header.clientCorrelationValue);
    if (header.asynchronous) {
      return respond(version, now, fail(ResultReason.FeatureNotSupported, 'asynchronous operations are not supported: send the request with Asynchronous Indicator Optional or Prohibited'), header.clientCorrelationValue);
    }
    const render = (items: ResponseItem[]) => encode(buildResponse(version, now, items, { clientCorrelationValue: header.clientCorrelationValue }));
    const started = options.log ? Date.now() : 0;
    let answered: ResponseItem[] = [];
    // A failed item in a Stop or Continue batch must write nothing while the items before it stand, so
    // each item runs in a savepoint, which costs about as much as the item's own insert. Most batches
    // have no failure: they run first without savepoints, and only when an item fails is everything
    // rolled back and run again, with savepoints. Nothing is answered or logged before the final run.
    const lone = msg.items.length === 1;
    const undo = header.errorContinuation === BatchErrorContinuationOption.Undo;
    // A lone item's slow part, once returned; discarded if the transaction then fails to commit.
    let pending: Pending | undefined;
    let finished = false;
    // The context of the latest run, so that a read-only run given up can end what it opened.
    let runCtx: OpContext | undefined;
    const attempt = (optimistic: boolean, readOnly = false): Promise<Uint8Array | Pending> => {
      const run = async (tx: StoreTx): Promise<Uint8Array | Pending> => {
        const ctx = (runCtx = makeContext({ version, principal: client.principal, tx, now, server }));
        const items: ResponseItem[] = [];
        for (const item of msg.items) {
          const base = { operation: item.operation, uniqueBatchItemId: item.uniqueBatchItemId };
          try {
            let payload = await runItem(ctx, tx, item.operation, item.payload, !(lone || undo || optimistic));
            if (payload instanceof AfterCommit) {
              if (lone) return (pending = new Pending(payload, base));
              payload = await payload.run();
            }
            items.push({ ...base, status: ResultStatus.Success, payload });
          } catch (err) {
            if (optimistic) throw new Replay();
            // A read-only run refused a write: it is given up and run again in a transaction (no log).
            if (readOnly && err instanceof StoreError && err.code === 'MISUSE') throw err;
            const e = asKmipError(err, logEvent);
            items.push(failure(e, base));
            if (lone) throw new Rollback(items);
            if (header.errorContinuation === BatchErrorContinuationOption.Continue) continue;
            if (header.errorContinuation === BatchErrorContinuationOption.Undo) {
              rolledBack(ctx);
              // Undone items keep their Response Payload: only a failed item has none (the payload is
              // required "if not a failure"), and Operation Undone is not one.
              throw new Rollback(items.map((it) => (it.status === ResultStatus.Success ? { ...it, status: ResultStatus.OperationUndone } : it)));
            }
            break; // Stop: later items are not processed; earlier ones stand.
          }
        }
        const out = render(items);
        if (header.maximumResponseSize !== undefined && out.length > header.maximumResponseSize) {
          rolledBack(ctx);
          throw new Rollback(msg.items.map((it) => failure(new KmipError(ResultReason.ResponseTooLarge, `the response would be ${out.length} bytes, over the Maximum Response Size`), { operation: it.operation, uniqueBatchItemId: it.uniqueBatchItemId })));
        }
        answered = items;
        return out;
      };
      return readOnly ? options.store.readCommitted!(run) : options.store.transaction(run);
    };
    /** The slow part of a lone item, once its transaction has committed (it wrote nothing left to undo). */
    async function finish(p: Pending): Promise<Uint8Array> {
      finished = true;
      let item: ResponseItem;
      try {
        item = { ...p.base, status: ResultStatus.Success, payload: await p.work.run() };
      } catch (err) {
        item = failure(asKmipError(err, logEvent), p.base);
      }
      answered = [item];
      let out = render([item]);
      if (header.maximumResponseSize !== undefined && out.length > header.maximumResponseSize) {
        answered = [failure(new KmipError(ResultReason.ResponseTooLarge, `the response would be ${out.length} bytes, over the Maximum Response Size`), p.base)];
        out = render(answered);
      }
      return out;
    }
    try {
      let bytes: Uint8Array | Pending | undefined;
      // A lone item that usually only reads runs first without a transaction (Store.readCommitted); if it
      // wrote after all (a date moved the key's state, a usage limit counted), or the store could not,
      // it runs again in a transaction, as every other batch does.
      if (lone && readOnlyRuns && readsOnly(msg.items[0])) {
        try {
          bytes = await attempt(false, true);
        } catch (err) {
          if (!(err instanceof ReadOnlyRetry)) throw err;
          if (runCtx) rolledBack(runCtx);
          pending?.work.discard();
          pending = undefined;
        }
      }
      try {
        bytes ??= await attempt(!(lone || undo));
      } catch (err) {
        if (!(err instanceof Replay)) throw err;
        bytes = await attempt(false);
      }
      if (bytes instanceof Pending) bytes = await finish(bytes);
      // Logged once committed: a commit that fails leaves no success in the log.
      if (options.log) audit(answered, client, started);
      return bytes;
    } catch (err) {
      if (pending && !finished) pending.work.discard();
      if (err instanceof Rollback) {
        if (options.log) audit(err.items, client, started);
        return render(err.items);
      }
      throw err;
    }
  }

  /** One event per batch item, as finally answered (after Undo or Response Too Large), never before
   *  the outcome is settled; names instead of numbers, the object's identifier, never key material. */
  function audit(items: readonly ResponseItem[], client: ClientIdentity, started: number): void {
    const ms = Date.now() - started;
    for (const it of items) {
      const uid = it.payload ? read.text(it.payload.find((c) => c.tag === Tag.UniqueIdentifier)) : undefined;
      logEvent({
        event: 'operation',
        operation: operationName(it.operation),
        principal: client.principal,
        ...(client.remoteAddress ? { remoteAddress: client.remoteAddress } : {}),
        status: enumName('ResultStatus', it.status),
        ...(it.reason !== undefined ? { reason: enumName('ResultReason', it.reason) } : {}),
        ...(uid !== undefined ? { uid } : {}),
        ms,
      });
    }
  }

  return {
    async handle(request: Uint8Array, client: ClientIdentity): Promise<Uint8Array> {
      const now = clock();
      let root: TtlvItem | undefined;
      let version: ProtocolVersion = SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1];
      try {
        root = decode(request);
        const asked = peekVersion(root);
        if (asked) version = answerVersion(asked);
        if (asked && !isSupported(asked)) {
          const reason = version.major >= 2 ? ResultReason.UnsupportedProtocolVersion : ResultReason.InvalidMessage;
          return respond(version, now, [{ status: ResultStatus.OperationFailed, reason, message: `protocol version ${asked.major}.${asked.minor} is not supported` }]);
        }
        if (fastPaths && asked) {
          const started = options.log ? Date.now() : 0;
          const fast = fastPath(options.store, root, version, client.principal, now, server);
          if (fast) {
            if (options.log) audit([fast.item], client, started);
            return fast.bytes;
          }
        }
        const msg = parseRequest(root);
        return await runBatch(msg, client, now);
      } catch (err) {
        const e =
          err instanceof TtlvError
            ? new KmipError(ResultReason.InvalidMessage, `malformed TTLV: ${err.message}`)
            : asKmipError(err, logEvent);
        return respond(version, now, [{ status: ResultStatus.OperationFailed, reason: e.reason, message: e.message }]);
      }
    },
  };
}

/** Operations that usually read and write nothing, so a lone one is tried without a transaction first. */
const READ_MOSTLY = new Set<number>([
  Operation.Get, Operation.GetAttributes, Operation.GetAttributeList, Operation.Locate, Operation.Check, Operation.Export,
  Operation.Encrypt, Operation.Decrypt, Operation.Sign, Operation.SignatureVerify, Operation.MAC, Operation.MACVerify,
  Operation.Hash, Operation.Query, Operation.DiscoverVersions, Operation.RNGRetrieve,
]);

/** A request item to try read-only: a read-mostly operation, not part of a multi-part (streamed) one,
 *  whose parts change state outside the store. */
function readsOnly(item: { operation: number; payload?: TtlvItem }): boolean {
  if (!READ_MOSTLY.has(item.operation)) return false;
  const p = item.payload;
  return !p || p.type !== ItemType.Structure || !p.value.some((c) => c.tag === Tag.CorrelationValue || c.tag === Tag.InitIndicator || c.tag === Tag.FinalIndicator);
}

/** The version to answer in: the client's when supported, else the nearest one below it that is. */
function answerVersion(asked: ProtocolVersion): ProtocolVersion {
  if (isSupported(asked)) return asked;
  const below = SUPPORTED_VERSIONS.find((v) => vnum(v) <= vnum(asked) && v.major === asked.major);
  return below ?? SUPPORTED_VERSIONS.find((v) => vnum(v) <= vnum(asked)) ?? SUPPORTED_VERSIONS[SUPPORTED_VERSIONS.length - 1];
}

function respond(version: ProtocolVersion, now: number, items: ResponseItem[], clientCorrelationValue?: string): Uint8Array {
  return encode(buildResponse(version, now, items, { clientCorrelationValue }));
}

/** The batch is being rolled back: what the store cannot undo is undone here (multi-part streams end). */
function rolledBack(ctx: OpContext): void {
  for (const fn of ctx.rollbackHooks ?? []) {
    try {
      fn();
    } catch {
      // Ending a stream does not fail; one that did must not stop the others.
    }
  }
  ctx.rollbackHooks = undefined;
}

/** Unexpected errors become General Failure, logged without their message's details reaching the client. */
function asKmipError(err: unknown, logEvent: (e: Record<string, unknown>) => void): KmipError {
  if (err instanceof KmipError) return err;
  if (err instanceof TtlvError) return new KmipError(ResultReason.InvalidField, `malformed item: ${err.message}`);
  logEvent({ event: 'internal-error', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
  return new KmipError(ResultReason.GeneralFailure, 'internal server error');
}
