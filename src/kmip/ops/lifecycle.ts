// Activate, Revoke, Destroy, Archive, Recover: every state change goes through the transition table.
import { ResultReason, RevocationReasonCode, State, Tag } from '../../dict/index.js';
import type { TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { child, need, read } from '../items.js';
import { load, save, uidOf, type OpContext, Operation } from '../context.js';
import { lifecycleRefusal } from './usable.js';
import { dateOf, removeAll, setDate, setOne, setState, stateOf, uidItem, type ManagedObject } from '../object.js';
import { transition, type LifecycleEvent } from '../lifecycle.js';

const STATE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(State).map(([k, v]) => [v, k]));

function move(ctx: OpContext, obj: ManagedObject, event: LifecycleEvent): number {
  const from = stateOf(obj);
  const to = transition(from, event);
  if (to === undefined) {
    const hint = event === 'destroy' && from === State.Active ? ': Revoke it first' : '';
    throw lifecycleRefusal(ctx, `${event} is not permitted in state ${STATE_NAMES[from] ?? from}${hint}`);
  }
  setState(obj, to);
  return to;
}

export async function activate(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Activate);
  move(ctx, obj, 'activate');
  setDate(obj, 'Activation Date', ctx.now, Tag.ActivationDate);
  await save(ctx, obj);
  ctx.placeholder = uid;
  return [uidItem(uid)];
}

export async function revoke(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const reason = read.struct(child(payload, Tag.RevocationReason));
  if (!reason) throw invalidField('Revoke needs a Revocation Reason');
  const code = need('enum', reason, Tag.RevocationReasonCode);
  const obj = await load(ctx, uid, Operation.Revoke);
  const compromised = code === RevocationReasonCode.KeyCompromise || code === RevocationReasonCode.CACompromise;
  move(ctx, obj, compromised ? 'revokeCompromised' : 'revoke');
  setOne(obj, 'Revocation Reason', reason);
  if (compromised) {
    const occurred = read.date(child(payload, Tag.CompromiseOccurrenceDate)) ?? ctx.now;
    setDate(obj, 'Compromise Occurrence Date', occurred, Tag.CompromiseOccurrenceDate);
    setDate(obj, 'Compromise Date', ctx.now, Tag.CompromiseDate);
  } else {
    setDate(obj, 'Deactivation Date', ctx.now, Tag.DeactivationDate);
  }
  await save(ctx, obj);
  ctx.placeholder = uid;
  return [uidItem(uid)];
}

export async function destroy(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Destroy, { allowArchived: true });
  const s = stateOf(obj);
  if (s === State.Destroyed || s === State.DestroyedCompromised) {
    throw new KmipError(ctx.v >= 20 ? ResultReason.ObjectDestroyed : ResultReason.PermissionDenied, 'the object is already destroyed');
  }
  move(ctx, obj, 'destroy');
  setDate(obj, 'Destroy Date', ctx.now, Tag.DestroyDate);
  obj.hasMaterial = false;
  await save(ctx, obj, null);
  ctx.placeholder = uid;
  return [uidItem(uid)];
}

export async function archive(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Archive, { allowArchived: true });
  if (dateOf(obj, 'Archive Date') === undefined) {
    setDate(obj, 'Archive Date', ctx.now, Tag.ArchiveDate);
    await save(ctx, obj);
  }
  ctx.placeholder = uid;
  return [uidItem(uid)];
}

export async function recover(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, Operation.Recover, { allowArchived: true });
  if (dateOf(obj, 'Archive Date') !== undefined) {
    removeAll(obj, 'Archive Date');
    await save(ctx, obj);
  }
  ctx.placeholder = uid;
  return [uidItem(uid)];
}
