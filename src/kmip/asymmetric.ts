// Public and Private Key material: loading a key body (PKCS#1, PKCS#8, ECPrivateKey (RFC 5915), X.509
// SubjectPublicKeyInfo) into
// node:crypto, and the Get-side conversions between those formats. Key material never reaches an error.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { HashingAlgorithm as Hash, KeyFormatType, RecommendedCurve, ResultReason, Tag } from '../dict/index.js';
import { decode } from '../ttlv/index.js';
import { ItemType, type StructureItem, type TtlvItem } from '../ttlv/types.js';
import { KmipError } from './errors.js';
import { bytes, child, enm, read, struct } from './items.js';
import { keyBlockOf, wipe } from './objects.js';

/** The digests RSA-OAEP and the signature operations offer (Hashing Algorithm -> node:crypto name, output bytes). */
export const DIGESTS: Readonly<Record<number, { name: string; bytes: number }>> = {
  [Hash.SHA_1]: { name: 'sha1', bytes: 20 },
  [Hash.SHA_224]: { name: 'sha224', bytes: 28 },
  [Hash.SHA_256]: { name: 'sha256', bytes: 32 },
  [Hash.SHA_384]: { name: 'sha384', bytes: 48 },
  [Hash.SHA_512]: { name: 'sha512', bytes: 64 },
  [Hash.SHA3_224]: { name: 'sha3-224', bytes: 28 },
  [Hash.SHA3_256]: { name: 'sha3-256', bytes: 32 },
  [Hash.SHA3_384]: { name: 'sha3-384', bytes: 48 },
  [Hash.SHA3_512]: { name: 'sha3-512', bytes: 64 },
};

const PUBLIC_FORMATS = new Set<number>([KeyFormatType.PKCS_1, KeyFormatType.X_509]);
const PRIVATE_FORMATS = new Set<number>([KeyFormatType.PKCS_1, KeyFormatType.PKCS_8, KeyFormatType.ECPrivateKey]);

const unusable = () => new KmipError(ResultReason.KeyFormatTypeNotSupported, 'the key is not held in a format the server can use (PKCS#1, PKCS#8, ECPrivateKey or X.509)');

/** The DER material and format of an unwrapped asymmetric key body, or undefined when it has none. */
function derOf(body: StructureItem): { der: Uint8Array; format: number } | undefined {
  const kb = keyBlockOf(body);
  if (!kb || child(kb, Tag.KeyWrappingData)) return undefined;
  const format = read.enum(child(kb, Tag.KeyFormatType));
  const km = child(child(kb, Tag.KeyValue), Tag.KeyMaterial);
  if (format === undefined || km?.type !== ItemType.ByteString) return undefined;
  return { der: km.value, format };
}

/** The body of a Private Key (tag PrivateKey) or Public Key as a node:crypto KeyObject. */
export function keyObjectOf(body: StructureItem): KeyObject {
  const m = derOf(body);
  if (!m) throw unusable();
  const isPrivate = body.tag === Tag.PrivateKey;
  if (!(isPrivate ? PRIVATE_FORMATS : PUBLIC_FORMATS).has(m.format)) throw unusable();
  const key = Buffer.from(m.der.buffer, m.der.byteOffset, m.der.byteLength);
  try {
    if (isPrivate) {
      const type = m.format === KeyFormatType.PKCS_1 ? 'pkcs1' : m.format === KeyFormatType.ECPrivateKey ? 'sec1' : 'pkcs8';
      return createPrivateKey({ key, format: 'der', type });
    }
    return createPublicKey({ key, format: 'der', type: m.format === KeyFormatType.PKCS_1 ? 'pkcs1' : 'spki' });
  } catch {
    throw new KmipError(ResultReason.CryptographicFailure, 'the key material does not parse');
  }
}

/**
 * The stored material of a Public or Private Key (its encoded body) as a KeyObject. The buffer and the
 * decoded body are zeroed; a missing material is Key Value Not Present.
 */
export function keyObjectOfStored(material: Uint8Array | null | undefined): KeyObject {
  if (!material) throw new KmipError(ResultReason.KeyValueNotPresent, 'the key holds no material');
  const body = decode(material) as StructureItem;
  material.fill(0);
  try {
    return keyObjectOf(body);
  } finally {
    wipe(body);
  }
}

/** DER of a key in a Key Format Type (PKCS#1 for RSA only; ECPrivateKey for EC only; PKCS#8 private; X.509 public). */
export function exportKey(key: KeyObject, format: number): Buffer {
  const rsa = key.asymmetricKeyType === 'rsa';
  if (key.type === 'private') {
    if (format === KeyFormatType.PKCS_8) return key.export({ format: 'der', type: 'pkcs8' });
    if (format === KeyFormatType.PKCS_1 && rsa) return key.export({ format: 'der', type: 'pkcs1' });
    if (format === KeyFormatType.ECPrivateKey && key.asymmetricKeyType === 'ec') return key.export({ format: 'der', type: 'sec1' });
  } else {
    if (format === KeyFormatType.X_509) return key.export({ format: 'der', type: 'spki' });
    if (format === KeyFormatType.PKCS_1 && rsa) return key.export({ format: 'der', type: 'pkcs1' });
  }
  throw new KmipError(ResultReason.KeyFormatTypeNotSupported, 'the key cannot be returned in that Key Format Type');
}

/**
 * A Public or Private Key body in another of PKCS#1 / PKCS#8 / ECPrivateKey / X.509 (or the Transparent RSA
 * or EC Private / Public Key of the same half), or undefined when `body` is no
 * such key or is already in `format` (the caller then applies the general rules).
 */
export function asymmetricInFormat(body: StructureItem, format: number | undefined): StructureItem | undefined {
  if (format === undefined || (body.tag !== Tag.PrivateKey && body.tag !== Tag.PublicKey)) return undefined;
  const m = derOf(body);
  if (!m || m.format === format) return undefined;
  if (!(body.tag === Tag.PrivateKey ? PRIVATE_FORMATS : PUBLIC_FORMATS).has(m.format)) return undefined;
  const key = keyObjectOf(body);
  const material = TRANSPARENT_RSA.has(format)
    ? transparentRsa(key, format)
    : TRANSPARENT_EC.has(format)
      ? transparentEc(key, format)
      : bytes(Tag.KeyMaterial, exportKey(key, format));
  const kb = keyBlockOf(body)!;
  const kbOut = struct(
    Tag.KeyBlock,
    kb.value.map((c) => {
      if (c.tag === Tag.KeyFormatType) return enm(Tag.KeyFormatType, format);
      if (c.tag === Tag.KeyValue && c.type === ItemType.Structure) {
        return struct(Tag.KeyValue, c.value.map((k) => (k.tag === Tag.KeyMaterial ? material : k)));
      }
      return c;
    }),
  );
  return struct(body.tag, body.value.map((c) => (c.tag === Tag.KeyBlock ? kbOut : c)));
}

const TRANSPARENT_RSA = new Set<number>([KeyFormatType.TransparentRSAPrivateKey, KeyFormatType.TransparentRSAPublicKey]);

// Transparent EC keys: 1.3+ EC, and the 1.x ECDSA / ECDH / ECMQV forms, which have the same fields.
const TRANSPARENT_EC_PRIVATE = new Set<number>([
  KeyFormatType.TransparentECPrivateKey, KeyFormatType.TransparentECDSAPrivateKey, KeyFormatType.TransparentECDHPrivateKey, KeyFormatType.TransparentECMQVPrivateKey,
]);
const TRANSPARENT_EC = new Set<number>([
  ...TRANSPARENT_EC_PRIVATE,
  KeyFormatType.TransparentECPublicKey, KeyFormatType.TransparentECDSAPublicKey, KeyFormatType.TransparentECDHPublicKey, KeyFormatType.TransparentECMQVPublicKey,
]);
/** node:crypto's JWK curve names and the Recommended Curve each is. */
const JWK_CURVES: Readonly<Record<string, { curve: number; bytes: number }>> = {
  'P-256': { curve: RecommendedCurve.P_256, bytes: 32 },
  'P-384': { curve: RecommendedCurve.P_384, bytes: 48 },
  'P-521': { curve: RecommendedCurve.P_521, bytes: 66 },
};

/** An EC key as a Transparent EC Private Key (Recommended Curve, D) or Public Key (Recommended Curve, Q String:
 *  the uncompressed point 04 || x || y), KMIP 1.4 §2.1.7.9-2.1.7.16, 2.1 §10.1.3.11-12. */
function transparentEc(key: KeyObject, format: number): TtlvItem {
  const wantPrivate = TRANSPARENT_EC_PRIVATE.has(format);
  const jwk = key.asymmetricKeyType === 'ec' ? key.export({ format: 'jwk' }) : undefined;
  const c = jwk?.crv ? JWK_CURVES[jwk.crv] : undefined;
  if (!jwk || !c || (wantPrivate && key.type !== 'private') || (!wantPrivate && key.type !== 'public')) {
    throw new KmipError(ResultReason.KeyFormatTypeNotSupported, 'the key cannot be returned in that Key Format Type');
  }
  const curve = enm(Tag.RecommendedCurve, c.curve);
  if (wantPrivate) {
    const d = Buffer.from(jwk.d!, 'base64url');
    const item: TtlvItem = { tag: Tag.D, type: ItemType.BigInteger, value: BigInt(`0x${d.toString('hex') || '0'}`) };
    d.fill(0);
    return struct(Tag.KeyMaterial, [curve, item]);
  }
  // JWK coordinates are full-width big-endian (RFC 7518 §6.2.1.2): the point needs no padding.
  const q = Buffer.concat([Buffer.of(4), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  if (q.length !== 1 + 2 * c.bytes) throw new KmipError(ResultReason.CryptographicFailure, 'the EC public key has an unexpected size');
  return struct(Tag.KeyMaterial, [curve, bytes(Tag.QString, q)]);
}

/** An RSA key as a Transparent RSA Private / Public Key (KMIP 1.4 §2.1.7.6-7): its numbers as Big Integers. */
function transparentRsa(key: KeyObject, format: number): TtlvItem {
  const wantPrivate = format === KeyFormatType.TransparentRSAPrivateKey;
  if (key.asymmetricKeyType !== 'rsa' || (wantPrivate && key.type !== 'private') || (!wantPrivate && key.type !== 'public')) {
    throw new KmipError(ResultReason.KeyFormatTypeNotSupported, 'the key cannot be returned in that Key Format Type');
  }
  const jwk = key.export({ format: 'jwk' });
  const big = (tag: number, b64?: string): TtlvItem | undefined =>
    b64 === undefined ? undefined : { tag, type: ItemType.BigInteger, value: BigInt(`0x${Buffer.from(b64, 'base64url').toString('hex') || '0'}`) };
  if (!wantPrivate) return struct(Tag.KeyMaterial, [big(Tag.Modulus, jwk.n), big(Tag.PublicExponent, jwk.e)]);
  return struct(Tag.KeyMaterial, [
    big(Tag.Modulus, jwk.n), big(Tag.PrivateExponent, jwk.d), big(Tag.PublicExponent, jwk.e), big(Tag.P, jwk.p), big(Tag.Q, jwk.q),
    big(Tag.PrimeExponentP, jwk.dp), big(Tag.PrimeExponentQ, jwk.dq), big(Tag.CRTCoefficient, jwk.qi),
  ]);
}
