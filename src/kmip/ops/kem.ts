// Encapsulate and Decapsulate with ML-KEM keys (KMIP 3.0 draft, "PQC Updates"; code points and payloads
// are not final: see src/kmip/pqc.ts). Served only with the KMIP 3.0 setting.
//
//   Encapsulate  request: Unique Identifier (an ML-KEM Public Key), [Cryptographic Parameters]
//                response: Unique Identifier (a new Secret Data holding the 32-byte shared secret), Data (the ciphertext)
//   Decapsulate  request: Unique Identifier (an ML-KEM Private Key), Data (the ciphertext), [Cryptographic Parameters]
//                response: Unique Identifier (a new Secret Data holding the 32-byte shared secret)
//
// The shared secret never travels in the response: it becomes a managed object (Secret Data Type Seed,
// Key Format Type Raw, Cryptographic Length 256, usage Derive Key, Pre-Active, linked to the KEM key by a
// Derivation Base Object Link) the client can Get, derive from, or destroy. Encapsulate is protecting
// (public key Active, before its Protect Stop Date, usage mask Encrypt); Decapsulate is processing
// (private key Active, Deactivated or Compromised, after its Process Start Date, usage mask Decrypt), as
// for Encrypt and Decrypt. A ciphertext of the wrong length is Invalid Field; a tampered one of the right
// length decapsulates to an unrelated secret (FIPS 203 implicit rejection), as ML-KEM specifies.
import { CryptographicUsageMask as Use, KeyFormatType, LinkType, ObjectType, ResultReason, SecretDataType, Tag } from '../../dict/index.js';
import { MlKem, type MlKemLevel } from '../../crypto/index.js';
import { encode } from '../../ttlv/index.js';
import type { TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, enm, int, read, struct, text } from '../items.js';
import type { OpContext } from '../context.js';
import { toRecord, uidItem } from '../object.js';
import { wipe } from '../objects.js';
import { USES, pqcKeyFor, type PqcParams } from '../pqc.js';
import { newObject } from './common.js';

/** The KMIP 3.0 draft's Input Key Material (deterministic encapsulation coins), per the same evidence. */
const INPUT_KEY_MATERIAL = 0x4201c7;

function checkRequest(payload: TtlvItem | undefined, p: PqcParams): void {
  for (const tag of [Tag.CorrelationValue, Tag.InitIndicator, Tag.FinalIndicator]) {
    if (child(payload, tag)) throw new KmipError(ResultReason.FeatureNotSupported, 'ML-KEM operations are single-part');
  }
  const params = child(payload, Tag.CryptographicParameters);
  const alg = read.enum(child(params, Tag.CryptographicAlgorithm));
  if (alg !== undefined && alg !== p.algorithm) throw invalidField('the Cryptographic Algorithm does not fit the key');
  if (child(params, INPUT_KEY_MATERIAL) || child(payload, INPUT_KEY_MATERIAL)) {
    throw new KmipError(ResultReason.FeatureNotSupported, 'deterministic encapsulation (Input Key Material) is not supported');
  }
}

/** Stores the shared secret as a new Secret Data of the caller; its identifier. */
async function storeSecret(ctx: OpContext, secret: Buffer, kemKey: string): Promise<string> {
  const body = struct(Tag.SecretData, [
    enm(Tag.SecretDataType, SecretDataType.Seed),
    struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, secret)])]),
  ]);
  try {
    const obj = newObject(ctx, ObjectType.SecretData, [
      { key: 'Cryptographic Length', value: int(Tag.CryptographicLength, secret.length * 8) },
      { key: 'Cryptographic Usage Mask', value: int(Tag.CryptographicUsageMask, Use.DeriveKey) },
      { key: 'Link', value: struct(Tag.Link, [enm(Tag.LinkType, LinkType.DerivationBaseObjectLink), text(Tag.LinkedObjectIdentifier, kemKey)]) },
    ], body);
    const material = encode(body);
    await ctx.tx.insert(toRecord(obj), material);
    material.fill(0);
    return obj.uid;
  } finally {
    wipe(body);
    secret.fill(0);
  }
}

export async function encapsulate(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const { uid, p, key } = await pqcKeyFor(ctx, payload, USES.encapsulate);
  let out: { cipherText: Buffer; sharedSecret: Buffer };
  try {
    checkRequest(payload, p);
    out = new MlKem(p.param as MlKemLevel).encapsulate(key);
  } catch (err) {
    if (err instanceof KmipError) throw err;
    throw new KmipError(ResultReason.CryptographicFailure, `${p.name} encapsulation failed`);
  } finally {
    key.fill(0);
  }
  const secretUid = await storeSecret(ctx, out.sharedSecret, uid);
  ctx.placeholder = secretUid;
  return [uidItem(secretUid), bytes(Tag.Data, out.cipherText)];
}

export async function decapsulate(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  const { uid, p, key } = await pqcKeyFor(ctx, payload, USES.decapsulate);
  let secret: Buffer;
  try {
    checkRequest(payload, p);
    const ct = read.bytes(child(payload, Tag.Data));
    if (ct === undefined) throw invalidField('Data (the ciphertext) missing');
    if (ct.length !== p.output) throw invalidField(`an ${p.name} ciphertext is ${p.output} bytes, not ${ct.length}`);
    secret = new MlKem(p.param as MlKemLevel).decapsulate(ct, key);
  } catch (err) {
    if (err instanceof KmipError) throw err;
    throw new KmipError(ResultReason.CryptographicFailure, `${p.name} decapsulation failed`);
  } finally {
    key.fill(0);
  }
  const secretUid = await storeSecret(ctx, secret, uid);
  ctx.placeholder = secretUid;
  return [uidItem(secretUid)];
}
