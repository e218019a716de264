// Sign and Signature Verify with a managed Private / Public Key, through node:crypto (on its thread pool):
// RSASSA-PKCS1-v1_5 and RSASSA-PSS with SHA-2 (and SHA3 for PKCS#1 v1.5), ECDSA with SHA-2 (signatures
// DER-encoded, X9.62 Ecdsa-Sig-Value, as PyKMIP and OpenSSL produce them), and Ed25519 (pure, no hash).
// PSS uses MGF1 with the message hash; unless the parameters give a Salt Length, Sign uses a salt as
// long as the hash and Signature Verify accepts any salt length. SHA-1 is accepted to verify old signatures, never to make new ones. Single-part only: Correlation
// Value, Init and Final Indicator, and Digested Data answer Feature Not Supported. Usage Limits are not
// enforced. An invalid signature is a successful Signature Verify with Validity Indicator Invalid.
// Whether the key may be used, and each refusal's Result Reason per version: ./usable.ts.
import { constants, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import {
  CryptographicAlgorithm as Alg, DigitalSignatureAlgorithm as Dsa, HashingAlgorithm as Hash, ObjectType,
  PaddingMethod, ResultReason, Tag, ValidityIndicator,
} from '../../dict/index.js';
import type { TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, enm, read } from '../items.js';
import { load, uidOf, type AfterCommit, type OpContext } from '../context.js';
import { first, uidItem } from '../object.js';
import { DIGESTS as HASHES, keyObjectOfStored } from '../asymmetric.js';
import { USES, checkUsable } from './usable.js';
import { isPqcKeyRequest, pqcSign, pqcVerify } from '../pqc.js';


type Family = 'rsa' | 'ec' | 'ed25519';

/** The hash ECDSA uses on a curve when the parameters name none. */
const CURVE_HASH: Readonly<Record<string, number>> = { secp224r1: Hash.SHA_224, prime256v1: Hash.SHA_256, secp256k1: Hash.SHA_256, secp384r1: Hash.SHA_384, secp521r1: Hash.SHA_512 };

/** What a Digital Signature Algorithm stands for. */
const BY_DSA: Readonly<Record<number, { family: Family; hash?: number; pss?: boolean }>> = {
  [Dsa.SHA_1WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA_1 },
  [Dsa.SHA_224WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA_224 },
  [Dsa.SHA_256WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA_256 },
  [Dsa.SHA_384WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA_384 },
  [Dsa.SHA_512WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA_512 },
  [Dsa.SHA3_256WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA3_256 },
  [Dsa.SHA3_384WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA3_384 },
  [Dsa.SHA3_512WithRSAEncryption]: { family: 'rsa', hash: Hash.SHA3_512 },
  [Dsa.RSASSA_PSS]: { family: 'rsa', pss: true },
  [Dsa.ECDSAWithSHA_1]: { family: 'ec', hash: Hash.SHA_1 },
  [Dsa.ECDSAWithSHA224]: { family: 'ec', hash: Hash.SHA_224 },
  [Dsa.ECDSAWithSHA256]: { family: 'ec', hash: Hash.SHA_256 },
  [Dsa.ECDSAWithSHA384]: { family: 'ec', hash: Hash.SHA_384 },
  [Dsa.ECDSAWithSHA512]: { family: 'ec', hash: Hash.SHA_512 },
};

const FAMILY_OF_ALG: Readonly<Record<number, Family>> = { [Alg.RSA]: 'rsa', [Alg.ECDSA]: 'ec', [Alg.EC]: 'ec', [Alg.Ed25519]: 'ed25519' };

interface Scheme {
  hash?: string;
  pss?: { saltLength: number };
}

const unsupported = (msg: string) => new KmipError(ResultReason.FeatureNotSupported, msg);

/** The signature scheme of the request's (else the key's) Cryptographic Parameters, for a key of `family`. */
function schemeFor(params: TtlvItem | undefined, family: Family, signing: boolean, curveHash?: number): Scheme {
  if (family === 'ed25519') {
    const h = read.enum(child(params, Tag.HashingAlgorithm));
    if (h !== undefined && h !== Hash.SHA_512) throw invalidField('Ed25519 signs the message itself (its SHA-512 is built in): no other Hashing Algorithm applies');
    return {};
  }
  const dsa = read.enum(child(params, Tag.DigitalSignatureAlgorithm));
  const alg = read.enum(child(params, Tag.CryptographicAlgorithm));
  let hash = read.enum(child(params, Tag.HashingAlgorithm));
  let padding = read.enum(child(params, Tag.PaddingMethod));
  if (dsa !== undefined) {
    const d = BY_DSA[dsa];
    if (!d) throw unsupported('that Digital Signature Algorithm is not supported');
    if (d.family !== family) throw invalidField('the Digital Signature Algorithm does not fit the key');
    if (d.hash !== undefined) {
      if (hash !== undefined && hash !== d.hash) throw invalidField('the Hashing Algorithm disagrees with the Digital Signature Algorithm');
      hash = d.hash;
    }
    if (d.pss) {
      if (padding !== undefined && padding !== PaddingMethod.PSS) throw invalidField('RSASSA-PSS uses PSS padding');
      padding = PaddingMethod.PSS;
    } else if (family === 'rsa') {
      if (padding !== undefined && padding !== PaddingMethod.PKCS1V1_5) throw invalidField('the Digital Signature Algorithm uses PKCS#1 v1.5 padding');
      padding = PaddingMethod.PKCS1V1_5;
    }
  } else if (alg !== undefined && FAMILY_OF_ALG[alg] !== family) {
    throw invalidField('the Cryptographic Algorithm does not fit the key');
  }
  // ECDSA without a hash: the SHA-2 that matches the curve's strength (OASIS CS-AC-M-3-ECC names only ECDSA).
  if (hash === undefined && family === 'ec') hash = curveHash;
  if (hash === undefined) throw invalidField('Cryptographic Parameters must name a Digital Signature Algorithm or a Hashing Algorithm');
  const h = HASHES[hash];
  if (!h) throw unsupported('that Hashing Algorithm is not supported for signatures');
  if (family === 'ec' && hash >= Hash.SHA3_256) throw unsupported('ECDSA is supported with SHA-1 (verify only) and SHA-2');
  if (hash === Hash.SHA_1 && signing) throw unsupported('SHA-1 signatures are verified, never made');
  if (family === 'ec') {
    if (padding !== undefined && padding !== PaddingMethod.None) throw invalidField('ECDSA has no Padding Method');
    return { hash: h.name };
  }
  if (padding === undefined || padding === PaddingMethod.PKCS1V1_5) return { hash: h.name };
  if (padding !== PaddingMethod.PSS) throw unsupported('RSA signatures use PKCS#1 v1.5 or PSS padding');
  const mgf = read.enum(child(params, Tag.MaskGeneratorHashingAlgorithm));
  if (mgf !== undefined && mgf !== hash) throw unsupported('PSS uses MGF1 with the message hash');
  // Signing: the salt is as long as the hash unless a Salt Length is given. Verifying without a Salt
  // Length recovers it from the signature (PyKMIP signs with the largest salt that fits, and the OASIS
  // vector of CS-AC-M-2 uses another length than the hash's).
  const given = read.int(child(params, Tag.SaltLength));
  if (given !== undefined && given < 0) throw invalidField('Salt Length must not be negative');
  const salt = given ?? (signing ? h.bytes : constants.RSA_PSS_SALTLEN_AUTO);
  return { hash: h.name, pss: { saltLength: salt } };
}

function familyOf(key: KeyObject): Family {
  const t = key.asymmetricKeyType;
  if (t === 'rsa') return 'rsa';
  if (t === 'ec') return 'ec';
  if (t === 'ed25519') return 'ed25519';
  throw unsupported('signatures are made with RSA, EC and Ed25519 keys only');
}

const keyInput = (key: KeyObject, s: Scheme) =>
  s.pss ? { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: s.pss.saltLength } : { key, ...(key.asymmetricKeyType === 'ec' ? { dsaEncoding: 'der' as const } : {}) };

interface Prepared {
  uid: string;
  key: KeyObject;
  scheme: Scheme;
  data: Uint8Array;
}

/** Everything Sign and Signature Verify check before using the key (./usable.ts: type, state, dates, usage mask). */
async function prepare(ctx: OpContext, payload: TtlvItem | undefined, signing: boolean): Promise<Prepared> {
  const uid = uidOf(ctx, payload);
  const use = signing ? 'sign' : 'verify';
  const obj = await load(ctx, uid, USES[use].op);
  for (const tag of [Tag.CorrelationValue, Tag.InitIndicator, Tag.FinalIndicator]) {
    if (child(payload, tag)) throw unsupported('multi-part (streamed) signatures are not supported: send the data in one request');
  }
  if (child(payload, Tag.DigestedData)) throw unsupported('Digested Data is not supported: send the Data');
  checkUsable(ctx, obj, use, [signing ? ObjectType.PrivateKey : ObjectType.PublicKey]);
  const data = read.bytes(child(payload, Tag.Data));
  if (data === undefined) throw invalidField('Data missing');
  const key = keyObjectOfStored(await ctx.tx.getMaterial(uid));
  const params = child(payload, Tag.CryptographicParameters) ?? first(obj, 'Cryptographic Parameters');
  return { uid, key, scheme: schemeFor(params, familyOf(key), signing, CURVE_HASH[key.asymmetricKeyDetails?.namedCurve ?? '']), data };
}

export async function sign(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[] | AfterCommit> {
  if (await isPqcKeyRequest(ctx, payload)) return pqcSign(ctx, payload); // ML-DSA, SLH-DSA: src/kmip/pqc.ts
  const { uid, key, scheme, data } = await prepare(ctx, payload, true);
  const signature = await new Promise<Buffer>((resolve, reject) =>
    nodeSign(scheme.hash ?? null, data, keyInput(key, scheme), (err, sig) => (err ? reject(err) : resolve(sig))),
  ).catch(() => {
    throw new KmipError(ResultReason.CryptographicFailure, 'the signature could not be made with these parameters');
  });
  ctx.placeholder = uid;
  return [uidItem(uid), bytes(Tag.SignatureData, signature)];
}

export async function signatureVerify(ctx: OpContext, payload: TtlvItem | undefined): Promise<TtlvItem[]> {
  if (await isPqcKeyRequest(ctx, payload)) return pqcVerify(ctx, payload); // ML-DSA, SLH-DSA: src/kmip/pqc.ts
  const { uid, key, scheme, data } = await prepare(ctx, payload, false);
  const signature = read.bytes(child(payload, Tag.SignatureData));
  if (signature === undefined) throw invalidField('Signature Data missing');
  // A malformed signature (wrong length, bad DER) is an invalid one, not an error.
  const valid = await new Promise<boolean>((resolve) =>
    nodeVerify(scheme.hash ?? null, data, keyInput(key, scheme), signature, (err, ok) => resolve(!err && ok)),
  );
  ctx.placeholder = uid;
  return [uidItem(uid), enm(Tag.ValidityIndicator, valid ? ValidityIndicator.Valid : ValidityIndicator.Invalid)];
}
