// Attributes the server sets by its own policy on the objects it creates: Lease Time, Random Number
// Generator, and the history flags Always Sensitive and Never Extractable that follow Sensitive and
// Extractable.
import { CryptographicAlgorithm, DRBGAlgorithm, ObjectType, ProtectionStorageMask, ResultReason, RNGAlgorithm, Tag } from '../dict/index.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import type { Attr } from './attributes/model.js';
import { KmipError } from './errors.js';
import { bool, child, enm, int, interval, read, struct } from './items.js';
import { first, setOne, type ManagedObject } from './object.js';
import { hasKeyBlock } from './objects.js';

/**
 * The Lease Time (seconds) the server grants on its cryptographic objects: the maximum lease a client
 * may obtain (KMIP 1.4 §3.20, 2.1 §4.30). The server renews no leases of its own accord.
 */
export const DEFAULT_LEASE_TIME_S = 3600;

/** Lease Time applies to the cryptographic objects (KMIP 1.x "All Cryptographic Objects"): keys, secret data, certificates. */
export const hasLeaseTime = (objectType: number): boolean => hasKeyBlock(objectType) || objectType === ObjectType.Certificate;

export const leaseTime = (): TtlvItem => interval(Tag.LeaseTime, DEFAULT_LEASE_TIME_S);

/**
 * The generator behind every secret the server makes: node:crypto randomBytes, i.e. OpenSSL's default
 * DRBG (NIST SP 800-90A CTR_DRBG with AES-256). Its RNG Parameters, as the Random Number Generator
 * attribute of generated keys.
 */
export const SERVER_RNG = { rngAlgorithm: RNGAlgorithm.DRBG, cryptographicAlgorithm: CryptographicAlgorithm.AES, cryptographicLength: 256, drbgAlgorithm: DRBGAlgorithm.CTR } as const;

export const serverRng = (): TtlvItem =>
  struct(Tag.RandomNumberGenerator, [
    enm(Tag.RNGAlgorithm, SERVER_RNG.rngAlgorithm),
    enm(Tag.CryptographicAlgorithm, SERVER_RNG.cryptographicAlgorithm),
    int(Tag.CryptographicLength, SERVER_RNG.cryptographicLength),
    enm(Tag.DRBGAlgorithm, SERVER_RNG.drbgAlgorithm),
  ]);

/** Whether a client's Random Number Generator value describes ours: every field it gives agrees (Unspecified matches any algorithm). */
function describesServerRng(want: TtlvItem): boolean {
  if (want.type !== ItemType.Structure) return false;
  const ours = serverRng();
  if (ours.type !== ItemType.Structure) return false;
  for (const f of want.value) {
    if (f.tag === Tag.RNGAlgorithm && f.type === ItemType.Enumeration && f.value === RNGAlgorithm.Unspecified) continue;
    if (f.tag === Tag.DRBGAlgorithm && f.type === ItemType.Enumeration && f.value === DRBGAlgorithm.Unspecified) continue;
    const have = ours.value.find((o) => o.tag === f.tag);
    if (!have || have.type !== f.type || have.value !== f.value) return false;
  }
  return true;
}

/**
 * The attributes of a key the server generates, with the Random Number Generator it used. A client that
 * names generators (KMIP: the server SHALL use a matching one or fail) gets ours only when one matches.
 */
export function withServerRng(attrs: readonly Attr[]): Attr[] {
  const asked = attrs.filter((a) => a.key === 'Random Number Generator');
  if (asked.length > 0 && !asked.some((a) => describesServerRng(a.value))) {
    throw new KmipError(ResultReason.InvalidField, 'the server generates keys with a CTR_DRBG (AES-256) only: no requested Random Number Generator matches it');
  }
  return [...attrs.filter((a) => a.key !== 'Random Number Generator'), { key: 'Random Number Generator', value: serverRng() }];
}

/** Always Sensitive and Never Extractable for a new object, from its Sensitive and Extractable. */
export function initialHistoryFlags(attrs: readonly Attr[]): Attr[] {
  const sensitive = read.bool(attrs.find((a) => a.key === 'Sensitive')?.value) ?? false;
  const extractable = read.bool(attrs.find((a) => a.key === 'Extractable')?.value) ?? true;
  return [
    { key: 'Always Sensitive', value: bool(Tag.AlwaysSensitive, sensitive) },
    { key: 'Never Extractable', value: bool(Tag.NeverExtractable, !extractable) },
  ];
}

/**
 * After Sensitive or Extractable changed: Always Sensitive turns False once Sensitive has been False,
 * Never Extractable turns False once Extractable has been True; neither turns back.
 */
export function updateHistoryFlags(obj: ManagedObject): void {
  if (first(obj, 'Always Sensitive') !== undefined && read.bool(first(obj, 'Sensitive')) === false) {
    setOne(obj, 'Always Sensitive', bool(Tag.AlwaysSensitive, false));
  }
  if (first(obj, 'Never Extractable') !== undefined && read.bool(first(obj, 'Extractable')) === true) {
    setOne(obj, 'Never Extractable', bool(Tag.NeverExtractable, false));
  }
}

/** Where the server keeps objects: in software (process memory, or the SQLite file sealed with the master key). No HSM. */
export const SERVER_PROTECTION_STORAGE = ProtectionStorageMask.Software;

/**
 * The Protection Storage Mask (KMIP 2.0+, set by the server when the object is stored) for a Create or
 * Register whose request may list the acceptable storage as Protection Storage Masks: ours must be one
 * of them, else Protection Storage Unavailable.
 */
export function protectionStorageFor(payload: TtlvItem | undefined): TtlvItem {
  const masks = read.struct(child(payload, Tag.ProtectionStorageMasks));
  if (masks) {
    const accepted = masks.value.map((m) => read.int(m) ?? 0);
    if (!accepted.some((m) => (m & SERVER_PROTECTION_STORAGE) === SERVER_PROTECTION_STORAGE)) {
      throw new KmipError(ResultReason.ProtectionStorageUnavailable, 'the server stores objects in software only');
    }
  }
  return int(Tag.ProtectionStorageMask, SERVER_PROTECTION_STORAGE);
}
