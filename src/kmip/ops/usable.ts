// Whether a managed key may be used for a cryptographic operation, and the Result Reason of each refusal,
// per protocol version: one convention for Encrypt, Decrypt, MAC, MAC Verify, Sign and Signature Verify
// (and the lifecycle refusals of Activate, Revoke, Destroy and Modify Attribute).
//
//   refusal                               KMIP 1.x             KMIP 2.0                      KMIP 2.1
//   wrong Object Type                     Permission Denied    Invalid Object Type           Invalid Object Type
//   Usage Mask lacks the operation's bit  Permission Denied    Incompatible Crypt. Usage M.  Incompatible Crypt. Usage M.
//   state, Protect Stop / Process Start   Permission Denied    Permission Denied             Wrong Key Lifecycle State
//   destroyed (no material)               Key Value Not Pres.  Key Value Not Present         Key Value Not Present
//
// Sources: the KMIP 1.4 error tables (§11.30-11.33) give every "object specified is not able to be used
// for ..." case Permission Denied and "the Key Value is not present" Key Value Not Present. The 2.x
// tables of Encrypt, Decrypt, Sign and Signature Verify (2.1 §6.1.11.1, 6.1.17.1, 6.1.49.1, 6.1.50.1)
// list Invalid Object Type, Incompatible Cryptographic Usage Mask and Key Value Not Present (not Illegal
// Object Type nor Object Destroyed). For lifecycle refusals the 2.0 tables of those operations list both
// Permission Denied and Wrong Key Lifecycle State, its Modify Attribute table only Permission Denied, and
// every 2.0 profile test case that refuses for a state or a date answers Permission Denied (AKLC-M-2-20
// Destroy, AKLC-M-3-20 Modify Attribute, CS-AC-M-8-20 Sign and Verify, CS-BC-M-14-20 Encrypt and
// Decrypt); 2.1 adds Wrong Key Lifecycle State to the Modify Attribute table and its test cases answer it
// for all of them. So lifecycle refusals are Permission Denied up to 2.0 and Wrong Key Lifecycle State
// from 2.1.
import { CryptographicUsageMask as Mask, ObjectType, ResultReason } from '../../dict/index.js';
import type { TtlvItem } from '../../ttlv/types.js';
import { KmipError } from '../errors.js';
import { read } from '../items.js';
import { load, uidOf, type OpContext, Operation } from '../context.js';
import { dateOf, first, stateOf, type ManagedObject } from '../object.js';
import { canProcess, canProtect, isDestroyed } from '../lifecycle.js';

/** A refusal because of the object's lifecycle state (or a Protect Stop / Process Start Date). */
export const lifecycleRefusal = (ctx: OpContext, message: string): KmipError =>
  new KmipError(ctx.v >= 21 ? ResultReason.WrongKeyLifecycleState : ResultReason.PermissionDenied, message);

/** The object is not of a type the operation uses. */
export const wrongObjectType = (ctx: OpContext, message: string): KmipError =>
  new KmipError(ctx.v >= 20 ? ResultReason.InvalidObjectType : ResultReason.PermissionDenied, message);

/** The object's Cryptographic Usage Mask lacks the operation's bit. */
export const maskRefusal = (ctx: OpContext, message: string): KmipError =>
  new KmipError(ctx.v >= 20 ? ResultReason.IncompatibleCryptographicUsageMask : ResultReason.PermissionDenied, message);

/** The object is destroyed or holds no material. */
export const noKeyValue = (message = 'the key is destroyed: its material is gone'): KmipError => new KmipError(ResultReason.KeyValueNotPresent, message);

export type KeyUse = 'encrypt' | 'decrypt' | 'mac' | 'macVerify' | 'sign' | 'verify';

interface UseInfo {
  op: number;
  bit: number;
  /** Protecting (needs Active, ends at the Protect Stop Date) or processing (Active, Deactivated or Compromised, from the Process Start Date). */
  protect: boolean;
  name: string;
  bitName: string;
}

export const USES: Readonly<Record<KeyUse, UseInfo>> = {
  encrypt: { op: Operation.Encrypt, bit: Mask.Encrypt, protect: true, name: 'Encrypt', bitName: 'Encrypt' },
  decrypt: { op: Operation.Decrypt, bit: Mask.Decrypt, protect: false, name: 'Decrypt', bitName: 'Decrypt' },
  mac: { op: Operation.MAC, bit: Mask.MACGenerate, protect: true, name: 'MAC', bitName: 'MAC Generate' },
  macVerify: { op: Operation.MACVerify, bit: Mask.MACVerify, protect: false, name: 'MAC Verify', bitName: 'MAC Verify' },
  sign: { op: Operation.Sign, bit: Mask.Sign, protect: true, name: 'Sign', bitName: 'Sign' },
  verify: { op: Operation.SignatureVerify, bit: Mask.Verify, protect: false, name: 'Signature Verify', bitName: 'Verify' },
};

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [ObjectType.SymmetricKey]: 'a Symmetric Key',
  [ObjectType.PublicKey]: 'a Public Key',
  [ObjectType.PrivateKey]: 'a Private Key',
};

/**
 * Refuses `obj` for `use` unless it is one of `types`, not destroyed, in a state (and within the dates)
 * that permit the use, and its Cryptographic Usage Mask has the use's bit. Checked in that order.
 */
export function checkUsable(ctx: OpContext, obj: ManagedObject, use: KeyUse, types: readonly number[]): void {
  const u = USES[use];
  if (!types.includes(obj.objectType)) {
    throw wrongObjectType(ctx, `${u.name} needs ${types.map((t) => TYPE_NAMES[t] ?? `object type ${t}`).join(' or ')}`);
  }
  const state = stateOf(obj);
  if (isDestroyed(state) || !obj.hasMaterial) throw noKeyValue();
  if (!(u.protect ? canProtect(state) : canProcess(state))) {
    throw lifecycleRefusal(ctx, u.protect ? `${u.name} needs an Active key` : `${u.name} needs an Active, Deactivated or Compromised key`);
  }
  // Protection ends at the Protect Stop Date; processing begins at the Process Start Date (KMIP 1.4
  // §3.25-3.26, 2.1 §4.42-4.43).
  if (u.protect) {
    const stop = dateOf(obj, 'Protect Stop Date');
    if (stop !== undefined && stop <= ctx.now) throw lifecycleRefusal(ctx, `the key's Protect Stop Date has passed: no ${u.name}`);
  } else {
    const start = dateOf(obj, 'Process Start Date');
    if (start !== undefined && start > ctx.now) throw lifecycleRefusal(ctx, `the key's Process Start Date has not come: no ${u.name}`);
  }
  const mask = read.int(first(obj, 'Cryptographic Usage Mask')) ?? 0;
  if ((mask & u.bit) === 0) throw maskRefusal(ctx, `the key's Cryptographic Usage Mask does not include ${u.bitName}`);
}

/** Loads the payload's object (or the ID Placeholder's) and checks it is usable for `use`. */
export async function usableObject(ctx: OpContext, payload: TtlvItem | undefined, use: KeyUse, types: readonly number[]): Promise<{ uid: string; obj: ManagedObject }> {
  const uid = uidOf(ctx, payload);
  const obj = await load(ctx, uid, USES[use].op);
  checkUsable(ctx, obj, use, types);
  return { uid, obj };
}
