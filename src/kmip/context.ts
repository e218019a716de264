// What an operation sees: the negotiated version, the principal, the transaction, the clock, the ID
// placeholder of its batch, and helpers to load and save objects with access and state checks.
import { Operation, ResultReason, State, Tag } from '../dict/index.js';
import type { TtlvItem } from '../ttlv/types.js';
import type { StoreTx } from '../store/types.js';
import { KmipError, notFound } from './errors.js';
import { child, date, read } from './items.js';
import { dateDrivenState } from './lifecycle.js';
import { dateOf, fromRecord, setOne, setState, stateOf, toRecord, type ManagedObject } from './object.js';
import { vnum, type ProtocolVersion } from './version.js';

export interface OpContext {
  readonly version: ProtocolVersion;
  /** major*10+minor, for comparisons. */
  readonly v: number;
  readonly principal: string;
  readonly tx: StoreTx;
  readonly now: number;
  /** The batch's ID Placeholder: the Unique Identifier the last item returned. */
  placeholder?: string;
  readonly server: ServerState;
  /** What the store's rollback cannot undo (a multi-part stream opened or advanced): run by the engine
   *  when it rolls the batch back (Undo, Response Too Large). Add with onRollback. */
  rollbackHooks?: (() => void)[];
}

/** Registers `fn` to run if the batch is rolled back after this item succeeded. */
export function onRollback(ctx: OpContext, fn: () => void): void {
  (ctx.rollbackHooks ??= []).push(fn);
}

/** What lives for the engine's lifetime. */
export interface ServerState {
  readonly vendor: string;
  readonly serverName: string;
  log(event: Record<string, unknown>): void;
  /** Attributes an "all attributes" answer leaves out (EngineOptions.omitFromAllAttributes). */
  readonly omitFromAll: ReadonlySet<string>;
  /** KMIP 3.0 (draft) algorithms and operations are served (EngineOptions.kmip30Algorithms); optional so
   *  that a state built without it means off. */
  readonly kmip30Algorithms?: boolean;
}

/**
 * What an operation may return instead of its payload when the rest of its work is slow, pure
 * computation (SLH-DSA signing takes up to seconds): everything that reads or writes the store, and
 * every check that can refuse the request, is done before it is returned; `run` only computes. Store
 * transactions are serialized, so the engine runs `run` after the commit when the batch has this one
 * item, leaving the store free for everyone else meanwhile; in a longer batch it runs in place.
 */
export class AfterCommit {
  /** `discard` releases what `run` would have (zeroes key material) when it never runs: the commit failed. */
  constructor(
    readonly run: () => Promise<TtlvItem[]>,
    readonly discard: () => void = () => {},
  ) {}
}

export function makeContext(base: Omit<OpContext, 'v'>): OpContext {
  // Field by field rather than by spread: this runs once per request.
  const ctx: OpContext = { version: base.version, v: vnum(base.version), principal: base.principal, tx: base.tx, now: base.now, server: base.server };
  if (base.placeholder !== undefined) ctx.placeholder = base.placeholder;
  return ctx;
}

/** The wrong-state result of the negotiated version: Wrong Key Lifecycle State from 2.1; 1.x has none, and
 *  the 2.0 error tables and test cases answer Permission Denied (the convention of ops/usable.ts). */
export function wrongState(ctx: OpContext, message: string): KmipError {
  return new KmipError(ctx.v >= 21 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied, message);
}

/** The Unique Identifier of a payload, or the batch's ID Placeholder when the payload omits it. */
export function uidOf(ctx: OpContext, payload: TtlvItem | undefined): string {
  const uid = read.text(child(payload, Tag.UniqueIdentifier)) ?? ctx.placeholder;
  if (uid === undefined) throw new KmipError(ResultReason.InvalidField, 'Unique Identifier missing and no ID Placeholder is set');
  return uid;
}

export interface LoadOptions {
  /** Archived objects are refused unless the operation works on them (Recover, Get Attributes, ...). */
  allowArchived?: boolean;
}

/** Loads an object the principal may use for `operation`, with date-driven state changes applied. */
export async function load(ctx: OpContext, uid: string, operation: number, opts: LoadOptions = {}): Promise<ManagedObject> {
  const rec = await ctx.tx.get(uid);
  const missing = () => (ctx.v >= 20 ? new KmipError(ResultReason.ObjectNotFound, `no object ${JSON.stringify(uid)}`) : notFound(uid));
  if (!rec) throw missing();
  if (rec.owner !== ctx.principal) {
    const mine = (await ctx.tx.grants(uid)).find((g) => g.principal === ctx.principal);
    // Without a grant the object is answered exactly like a missing one, so that the reason does not
    // tell another principal which identifiers exist (the 2.1 Baseline test BL-M-4 expects Object Not
    // Found too). A grantee already knows of it: an operation outside its grant is Permission Denied.
    if (!mine) throw missing();
    if (!mine.operations.includes(operation)) throw new KmipError(ResultReason.PermissionDenied, 'the grant on this object does not cover this operation');
  }
  const obj = fromRecord(rec);
  await applyDates(ctx, obj);
  if (!opts.allowArchived && dateOf(obj, 'Archive Date') !== undefined) {
    throw new KmipError(ResultReason.ObjectArchived, 'the object is archived: Recover it first');
  }
  return obj;
}

/** Moves an object whose Activation or Deactivation Date has come, and persists the move. */
export async function applyDates(ctx: OpContext, obj: ManagedObject): Promise<void> {
  const state = stateOf(obj);
  const next = dateDrivenState(state, ctx.now, dateOf(obj, 'Activation Date'), dateOf(obj, 'Deactivation Date'));
  if (next === state) return;
  setState(obj, next);
  await save(ctx, obj);
}

/** Writes an object's metadata (and material when given), stamping Last Change Date. */
export async function save(ctx: OpContext, obj: ManagedObject, material?: Uint8Array | null): Promise<void> {
  obj.updatedAt = ctx.now;
  setOne(obj, 'Last Change Date', date(Tag.LastChangeDate, ctx.now));
  await ctx.tx.update(toRecord(obj), material);
}

export const isOwner = (ctx: OpContext, obj: ManagedObject): boolean => obj.owner === ctx.principal;

export { Operation, State };
