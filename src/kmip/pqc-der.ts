// ML-KEM, ML-DSA and SLH-DSA keys in the standard DER formats: X.509 SubjectPublicKeyInfo (Key Format
// Type X.509) for public keys, PKCS#8 OneAsymmetricKey (Key Format Type PKCS#8) for private keys; the
// server holds them Raw (src/kmip/pqc.ts) and converts on Get, Register and Import.
//
// OIDs (NIST CSOR, 2.16.840.1.101.3.4): ML-KEM-512/768/1024 kems(4).1-3 (RFC 9935), ML-DSA-44/65/87
// sigAlgs(3).17-19 (RFC 9881), SLH-DSA-SHA2-128s ... SHAKE-256f sigAlgs(3).20-31 (RFC 9909). The
// AlgorithmIdentifier's parameters are absent for all of them (the RFCs say MUST), so one given is refused.
//
//   SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
//     the BIT STRING holds the FIPS public key (ek, pk) with no unused bits.
//   OneAsymmetricKey ::= SEQUENCE { version INTEGER (0 | 1), privateKeyAlgorithm AlgorithmIdentifier,
//     privateKey OCTET STRING, attributes [0] IMPLICIT SET OPTIONAL, publicKey [1] IMPLICIT BIT STRING OPTIONAL (v1) }
//   The privateKey OCTET STRING holds, for ML-KEM and ML-DSA, the DER of
//     CHOICE { seed [0] IMPLICIT OCTET STRING (64 | 32), expandedKey OCTET STRING, both SEQUENCE { seed, expandedKey } }
//   and for SLH-DSA the FIPS 205 private key itself (SK.seed || SK.prf || PK.seed || PK.root).
//
// The server keeps the expanded key only (key pairs come from the backends' keygen, which for ML-KEM gives
// no seed), so Get emits the expandedKey form, version 0, no attributes. Every form is read: a seed is
// expanded (ML-DSA and ML-KEM with src/crypto's keygen(seed): the addon, or @noble/post-quantum with the
// addon off), and in the `both` form the seed must give the expanded key. What the private key holds
// of the public key is checked against a v1 publicKey. The reader is strict DER: definite minimal lengths,
// low tag numbers, every length checked against what remains before anything is read, nothing trailing.
import { createHash, timingSafeEqual } from 'node:crypto';
import { KeyFormatType, ObjectType, ResultReason, Tag } from '../dict/index.js';
import { MlDsa, MlKem, type MlDsaLevel, type MlKemLevel } from '../crypto/index.js';
import { KmipError, invalidField } from './errors.js';
import type { StructureItem } from '../ttlv/types.js';
import { ItemType } from '../ttlv/types.js';
import type { Attr } from './attributes/model.js';
import { child, enm, int, read, struct, bytes } from './items.js';
import { keyBlockOf } from './objects.js';
import { PQC, checkPqcAllowed, pqcKeyBody, pqcOf, type PqcParams } from './pqc.js';
import type { OpContext } from './context.js';

// ------------------------------------------------------------------------------------------ OIDs

const NIST = [0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04]; // 2.16.840.1.101.3.4

/** The OID content bytes of a parameter set. */
function oidOf(p: PqcParams): Buffer {
  if (p.family === 'ml-kem') return Buffer.from([...NIST, 0x04, { 512: 1, 768: 2, 1024: 3 }[p.param as number]!]);
  if (p.family === 'ml-dsa') return Buffer.from([...NIST, 0x03, { 44: 17, 65: 18, 87: 19 }[p.param as number]!]);
  const order = ['SHA2-128s', 'SHA2-128f', 'SHA2-192s', 'SHA2-192f', 'SHA2-256s', 'SHA2-256f', 'SHAKE-128s', 'SHAKE-128f', 'SHAKE-192s', 'SHAKE-192f', 'SHAKE-256s', 'SHAKE-256f'];
  return Buffer.from([...NIST, 0x03, 20 + order.indexOf(p.param as string)]);
}

const BY_OID: ReadonlyMap<string, PqcParams> = new Map([...PQC.values()].map((p) => [oidOf(p).toString('hex'), p]));

/** The dotted form of an OID's content bytes, for messages. */
function dotted(c: Uint8Array): string {
  if (c.length === 0 || c.length > 64) return '(unreadable)';
  const arcs: number[] = [];
  let v = 0;
  for (const b of c) {
    v = v * 128 + (b & 0x7f);
    if (v > Number.MAX_SAFE_INTEGER / 256) return '(unreadable)';
    if ((b & 0x80) === 0) {
      arcs.push(v);
      v = 0;
    }
  }
  if (arcs.length === 0) return '(unreadable)';
  const first = arcs[0] < 40 ? [0, arcs[0]] : arcs[0] < 80 ? [1, arcs[0] - 40] : [2, arcs[0] - 80];
  return [...first, ...arcs.slice(1)].join('.');
}

// ------------------------------------------------------------------------------------------ DER

/** One DER element: its tag byte and its content, a view into the input. */
interface Tlv {
  tag: number;
  content: Buffer;
}

const malformed = (what: string) => invalidField(`the key material is not valid DER: ${what}`);

/** The elements of `buf` in order, each fully inside it; none may be cut short or run past the end. */
function elements(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let i = 0;
  while (i < buf.length) {
    const tag = buf[i++];
    if ((tag & 0x1f) === 0x1f) throw malformed('high tag numbers are not used here');
    if (i >= buf.length) throw malformed('a length is missing');
    let len = buf[i++];
    if (len === 0x80) throw malformed('indefinite lengths are not DER');
    if (len > 0x80) {
      const n = len & 0x7f;
      if (n > 3) throw malformed('a length is too large');
      if (i + n > buf.length) throw malformed('a length is cut short');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + buf[i++];
      if (len < 0x80 || (n > 1 && len < 1 << (8 * (n - 1)))) throw malformed('a length is not in its shortest form');
    }
    if (len > buf.length - i) throw malformed('an element runs past the end of its container');
    out.push({ tag, content: buf.subarray(i, i + len) });
    i += len;
  }
  return out;
}

/** The one element `buf` must consist of, with the tag expected. */
function only(buf: Buffer, tag: number, what: string): Buffer {
  const els = elements(buf);
  if (els.length !== 1 || els[0].tag !== tag) throw malformed(`${what} expected`);
  return els[0].content;
}

function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const len = parts.reduce((n, p) => n + p.length, 0);
  const head = len < 0x80 ? [tag, len] : len < 0x100 ? [tag, 0x81, len] : len < 0x10000 ? [tag, 0x82, len >> 8, len & 0xff] : [tag, 0x83, len >> 16, (len >> 8) & 0xff, len & 0xff];
  return Buffer.concat([Buffer.from(head), ...parts]);
}

const SEQUENCE = 0x30;
const OCTET_STRING = 0x04;
const BIT_STRING = 0x03;
const INTEGER = 0x02;
const OID = 0x06;
const SEED_TAG = 0x80; // [0] IMPLICIT OCTET STRING
const ATTRIBUTES_TAG = 0xa0; // [0] IMPLICIT SET (constructed)
const PUBLIC_KEY_TAG = 0x81; // [1] IMPLICIT BIT STRING

const algorithmIdentifier = (p: PqcParams): Buffer => tlv(SEQUENCE, tlv(OID, oidOf(p)));

/** The parameter set an AlgorithmIdentifier names; a known OID with parameters, or an unknown one, is refused. */
function readAlgorithm(content: Buffer): PqcParams {
  const [oid, ...rest] = elements(content);
  if (!oid || oid.tag !== OID) throw malformed('an AlgorithmIdentifier without an OBJECT IDENTIFIER');
  const p = BY_OID.get(oid.content.toString('hex'));
  if (!p) throw invalidField(`the key's algorithm ${dotted(oid.content)} is not ML-KEM, ML-DSA or SLH-DSA`);
  if (rest.length !== 0) throw invalidField(`the ${p.name} AlgorithmIdentifier must have no parameters`);
  return p;
}

// ------------------------------------------------------------------------------------------ public keys

/** The X.509 SubjectPublicKeyInfo of a FIPS public key. */
export function encodeSpki(p: PqcParams, publicKey: Uint8Array): Buffer {
  if (publicKey.length !== p.publicKey) throw new KmipError(ResultReason.CryptographicFailure, `the key material is not a ${p.name} public key`);
  return tlv(SEQUENCE, algorithmIdentifier(p), tlv(BIT_STRING, Buffer.of(0), publicKey));
}

/** A bit string's bytes; it must have no unused bits. */
function bitStringBytes(content: Buffer, what: string): Buffer {
  if (content.length < 1 || content[0] !== 0) throw malformed(`${what} must be a BIT STRING with no unused bits`);
  return content.subarray(1);
}

/** The parameter set and FIPS public key of an X.509 SubjectPublicKeyInfo. */
export function decodeSpki(der: Uint8Array): { p: PqcParams; publicKey: Buffer } {
  const spki = only(Buffer.from(der.buffer, der.byteOffset, der.byteLength), SEQUENCE, 'a SubjectPublicKeyInfo SEQUENCE');
  const els = elements(spki);
  if (els.length !== 2 || els[0].tag !== SEQUENCE || els[1].tag !== BIT_STRING) throw malformed('a SubjectPublicKeyInfo is an AlgorithmIdentifier and a BIT STRING');
  const p = readAlgorithm(els[0].content);
  const publicKey = bitStringBytes(els[1].content, 'the subjectPublicKey');
  if (publicKey.length !== p.publicKey) throw invalidField(`a ${p.name} public key is ${p.publicKey} bytes, not ${publicKey.length}`);
  return { p, publicKey: Buffer.from(publicKey) };
}

// ------------------------------------------------------------------------------------------ private keys

/** Seed lengths (ML-KEM d || z, ML-DSA ξ). */
const SEED_BYTES: Partial<Record<PqcParams['family'], number>> = { 'ml-kem': 64, 'ml-dsa': 32 };

/** The PKCS#8 (OneAsymmetricKey v0) of a private key held expanded: the expandedKey form (SLH-DSA: the key itself). */
export function encodePkcs8(p: PqcParams, secretKey: Uint8Array): Buffer {
  if (secretKey.length !== p.secretKey) throw new KmipError(ResultReason.CryptographicFailure, `the key material is not a ${p.name} private key`);
  const inner = p.family === 'slh-dsa' ? secretKey : tlv(OCTET_STRING, secretKey);
  return tlv(SEQUENCE, tlv(INTEGER, Buffer.of(0)), algorithmIdentifier(p), tlv(OCTET_STRING, inner));
}

export interface DecodedPrivate {
  p: PqcParams;
  /** Which CHOICE the key came in (SLH-DSA: 'raw'). */
  form: 'seed' | 'expandedKey' | 'both' | 'raw';
  seed?: Buffer;
  expanded?: Buffer;
  /** The v1 publicKey, when given. */
  publicKey?: Buffer;
}

/** The parts of a PKCS#8 OneAsymmetricKey (no key expansion): strict DER, lengths of the parameter set. */
export function decodePkcs8(der: Uint8Array): DecodedPrivate {
  const seq = only(Buffer.from(der.buffer, der.byteOffset, der.byteLength), SEQUENCE, 'a OneAsymmetricKey SEQUENCE');
  const els = elements(seq);
  if (els.length < 3 || els[0].tag !== INTEGER || els[1].tag !== SEQUENCE || els[2].tag !== OCTET_STRING) {
    throw malformed('a OneAsymmetricKey is a version, an AlgorithmIdentifier and a privateKey OCTET STRING');
  }
  if (els[0].content.length !== 1 || els[0].content[0] > 1) throw invalidField('the OneAsymmetricKey version must be 0 (v1) or 1 (v2)');
  const version = els[0].content[0];
  const p = readAlgorithm(els[1].content);
  let rest = els.slice(3);
  if (rest[0]?.tag === ATTRIBUTES_TAG) rest = rest.slice(1);
  let publicKey: Buffer | undefined;
  if (rest[0]?.tag === PUBLIC_KEY_TAG) {
    if (version !== 1) throw invalidField('a publicKey in a OneAsymmetricKey needs version 1');
    publicKey = Buffer.from(bitStringBytes(rest[0].content, 'the publicKey'));
    if (publicKey.length !== p.publicKey) throw invalidField(`a ${p.name} public key is ${p.publicKey} bytes, not ${publicKey.length}`);
    rest = rest.slice(1);
  }
  if (rest.length !== 0) throw malformed('unexpected elements after the privateKey');
  const priv = els[2].content;
  if (p.family === 'slh-dsa') {
    if (priv.length !== p.secretKey) throw invalidField(`a ${p.name} private key is ${p.secretKey} bytes, not ${priv.length}`);
    return { p, form: 'raw', expanded: Buffer.from(priv), publicKey };
  }
  const seedBytes = SEED_BYTES[p.family]!;
  const [choice, ...extra] = elements(priv);
  if (!choice || extra.length !== 0) throw malformed(`the ${p.name} privateKey must hold one seed, expandedKey or both`);
  const checkSeed = (s: Buffer) => {
    if (s.length !== seedBytes) throw invalidField(`a ${p.name} seed is ${seedBytes} bytes, not ${s.length}`);
    return Buffer.from(s);
  };
  const checkExpanded = (k: Buffer) => {
    if (k.length !== p.secretKey) throw invalidField(`a ${p.name} expanded private key is ${p.secretKey} bytes, not ${k.length}`);
    return Buffer.from(k);
  };
  if (choice.tag === SEED_TAG) return { p, form: 'seed', seed: checkSeed(choice.content), publicKey };
  if (choice.tag === OCTET_STRING) return { p, form: 'expandedKey', expanded: checkExpanded(choice.content), publicKey };
  if (choice.tag === SEQUENCE) {
    const both = elements(choice.content);
    if (both.length !== 2 || both[0].tag !== OCTET_STRING || both[1].tag !== OCTET_STRING) throw malformed(`the ${p.name} 'both' form is SEQUENCE { seed OCTET STRING, expandedKey OCTET STRING }`);
    return { p, form: 'both', seed: checkSeed(both[0].content), expanded: checkExpanded(both[1].content), publicKey };
  }
  throw malformed(`the ${p.name} privateKey is none of seed [0], expandedKey or both`);
}

/** ML-KEM keygen from the 64-byte seed d || z (FIPS 203 ML-KEM.KeyGen_internal): the addon, or
 *  @noble/post-quantum with KMIPKIT_NATIVE=off. */
function mlKemFromSeed(p: PqcParams, seed: Uint8Array): { publicKey: Buffer; secretKey: Buffer } {
  return new MlKem(p.param as MlKemLevel).keygen(seed);
}

/** The public key a held (expanded) private key carries or commits to: ML-KEM's ek inside dk, SLH-DSA's
 *  PK.seed || PK.root; ML-DSA's sk holds only tr = SHAKE256(pk, 64), so a candidate is checked against it. */
function publicFits(p: PqcParams, secretKey: Buffer, publicKey: Buffer): boolean {
  if (p.family === 'ml-kem') return timingSafeEqual(secretKey.subarray(p.secretKey - 64 - p.publicKey, p.secretKey - 64), publicKey);
  if (p.family === 'slh-dsa') return timingSafeEqual(secretKey.subarray(p.secretKey - p.publicKey), publicKey);
  const tr = createHash('shake256', { outputLength: 64 }).update(publicKey).digest();
  return timingSafeEqual(secretKey.subarray(64, 128), tr);
}

/** ML-KEM's own consistency check on dk (FIPS 203 §7.3, the hash check): H(ek) stored in dk is H of the ek in dk. */
function mlKemHashCheck(p: PqcParams, dk: Buffer): boolean {
  const ek = dk.subarray(p.secretKey - 64 - p.publicKey, p.secretKey - 64);
  const h = createHash('sha3-256').update(ek).digest();
  return timingSafeEqual(h, dk.subarray(p.secretKey - 64, p.secretKey - 32));
}

/**
 * A PKCS#8 private key as the server holds it: the parameter set and the FIPS expanded private key (the
 * caller zeroes it). Seeds are expanded; a `both` whose seed does not give its expanded key, a v1
 * publicKey that is not the key's, or an ML-KEM dk failing its hash check is Invalid Field.
 */
export function privateFromPkcs8(der: Uint8Array): { p: PqcParams; secretKey: Buffer } {
  const d = decodePkcs8(der);
  const { p } = d;
  let made: { publicKey: Buffer; secretKey: Buffer } | undefined;
  try {
    let secretKey = d.expanded;
    if (d.seed) {
      try {
        made = p.family === 'ml-dsa' ? new MlDsa(p.param as MlDsaLevel).keygen(d.seed) : mlKemFromSeed(p, d.seed);
      } catch {
        throw new KmipError(ResultReason.CryptographicFailure, `the ${p.name} key could not be expanded from its seed`);
      }
      if (secretKey && !timingSafeEqual(secretKey, made.secretKey)) {
        made.secretKey.fill(0);
        throw invalidField(`the ${p.name} private key's seed and expanded key do not match`);
      }
      if (secretKey) made.secretKey.fill(0);
      else secretKey = made.secretKey;
    }
    if (p.family === 'ml-kem' && !mlKemHashCheck(p, secretKey!)) throw invalidField(`the ${p.name} expanded private key fails its hash check`);
    if (d.publicKey && !publicFits(p, secretKey!, d.publicKey)) throw invalidField(`the ${p.name} publicKey is not that of the private key`);
    if (secretKey !== d.expanded) d.expanded?.fill(0);
    return { p, secretKey: secretKey! };
  } catch (err) {
    d.expanded?.fill(0);
    made?.secretKey.fill(0);
    throw err;
  } finally {
    d.seed?.fill(0);
  }
}

/** The parameter set a PKCS#8 or X.509 DER names, without reading further (undefined: not a PQC key, or unreadable). */
export function peekPqcOid(der: Uint8Array): PqcParams | undefined {
  try {
    const outer = elements(Buffer.from(der.buffer, der.byteOffset, der.byteLength));
    if (outer.length !== 1 || outer[0].tag !== SEQUENCE) return undefined;
    const els = elements(outer[0].content);
    const alg = els.find((e) => e.tag === SEQUENCE);
    if (!alg) return undefined;
    const oid = elements(alg.content)[0];
    return oid?.tag === OID ? BY_OID.get(oid.content.toString('hex')) : undefined;
  } catch {
    return undefined;
  }
}

// ------------------------------------------------------------------------------------------ Get, Register, Import

/**
 * Get (and Export) of an ML-KEM, ML-DSA or SLH-DSA key held Raw, in Key Format Type PKCS#8 (private key)
 * or X.509 (public key); undefined when the body is no such key, is wrapped, or is asked for as held
 * (the general rules then apply). Any other format for such a key is Key Format Type Not Supported.
 */
export function pqcInFormat(body: StructureItem, format: number | undefined, objectAlgorithm?: number): StructureItem | undefined {
  if (format === undefined || (body.tag !== Tag.PrivateKey && body.tag !== Tag.PublicKey)) return undefined;
  const kb = keyBlockOf(body);
  if (!kb || child(kb, Tag.KeyWrappingData)) return undefined;
  // The Key Block's algorithm, else the object's attribute (a Raw key registered with it in the attributes only).
  const p = pqcOf(read.enum(child(kb, Tag.CryptographicAlgorithm)) ?? objectAlgorithm);
  const held = read.enum(child(kb, Tag.KeyFormatType));
  if (!p || held !== KeyFormatType.Raw || format === held) return undefined;
  const isPrivate = body.tag === Tag.PrivateKey;
  if (format !== (isPrivate ? KeyFormatType.PKCS_8 : KeyFormatType.X_509)) {
    throw new KmipError(ResultReason.KeyFormatTypeNotSupported, `${p.name} ${isPrivate ? 'private keys are returned as Raw or PKCS#8' : 'public keys are returned as Raw or X.509'}`);
  }
  const raw = read.bytes(child(child(kb, Tag.KeyValue), Tag.KeyMaterial));
  if (raw === undefined) throw new KmipError(ResultReason.KeyFormatTypeNotSupported, `the ${p.name} key is not held as a byte string`);
  const der = isPrivate ? encodePkcs8(p, raw) : encodeSpki(p, raw);
  const kbOut = struct(
    Tag.KeyBlock,
    kb.value.map((c) => {
      if (c.tag === Tag.KeyFormatType) return enm(Tag.KeyFormatType, format);
      if (c.tag === Tag.KeyValue && c.type === ItemType.Structure) return struct(Tag.KeyValue, c.value.map((k) => (k.tag === Tag.KeyMaterial ? bytes(Tag.KeyMaterial, der) : k)));
      return c;
    }),
  );
  return struct(body.tag, body.value.map((c) => (c.tag === Tag.KeyBlock ? kbOut : c)));
}

/**
 * Register and Import of a Private Key given as PKCS#8 or a Public Key given as X.509 whose OID, or whose
 * stated Cryptographic Algorithm, is ML-KEM, ML-DSA or SLH-DSA: the body the server stores, Raw like a
 * generated key (src/kmip/ops/keypair.ts). The OID must be the stated algorithm and the Cryptographic
 * Length that of the parameter set (else Invalid Field); both are added to `attrs` when not given. Bad
 * DER, wrong lengths and inconsistent forms are Invalid Field; PKCS#8 for a public key or X.509 for a
 * private one is Key Format Type Not Supported. Anything else (Raw, wrapped, classical keys) is returned as is.
 */
export function pqcBodyToStore(ctx: OpContext, objectType: number, body: StructureItem, attrs: Attr[]): StructureItem {
  if (objectType !== ObjectType.PrivateKey && objectType !== ObjectType.PublicKey) return body;
  const kb = keyBlockOf(body);
  if (!kb || child(kb, Tag.KeyWrappingData)) return body;
  const format = read.enum(child(kb, Tag.KeyFormatType));
  if (format === undefined || !PQC_DER_FORMATS.has(format)) return body;
  // Only DER in a Byte String can be a post-quantum key: anything else (a Transparent key's structure)
  // is left to the classical rules, which say what is wrong with it.
  const kmItem = child(child(kb, Tag.KeyValue), Tag.KeyMaterial);
  const km = kmItem?.type === ItemType.ByteString ? read.bytes(kmItem) : undefined;
  if (km === undefined) return body;
  const attrAlgorithm = read.enum(attrs.find((a) => a.key === 'Cryptographic Algorithm')?.value);
  const blockAlgorithm = read.enum(child(kb, Tag.CryptographicAlgorithm));
  const statedAlgorithm = attrAlgorithm ?? blockAlgorithm;
  const stated = pqcOf(statedAlgorithm);
  if (!stated && !peekPqcOid(km)) return body; // not a post-quantum key: the classical rules apply
  if (stated) checkPqcAllowed(ctx, stated); // the setting off: refused as the algorithm is, before the DER is read
  const isPrivate = objectType === ObjectType.PrivateKey;
  if (format !== (isPrivate ? KeyFormatType.PKCS_8 : KeyFormatType.X_509)) {
    throw new KmipError(ResultReason.KeyFormatTypeNotSupported, `a post-quantum ${isPrivate ? 'Private Key is registered as PKCS#8 (or Raw)' : 'Public Key is registered as X.509 (or Raw)'}`);
  }
  const { p, material } = isPrivate ? (({ p, secretKey }) => ({ p, material: secretKey }))(privateFromPkcs8(km)) : (({ p, publicKey }) => ({ p, material: publicKey }))(decodeSpki(km));
  try {
    for (const alg of [attrAlgorithm, blockAlgorithm]) {
      if (alg !== undefined && alg !== p.algorithm) {
        throw invalidField(`the key is ${p.name} (its OID), not the Cryptographic Algorithm stated${pqcOf(alg) ? ` (${pqcOf(alg)!.name})` : ''}`);
      }
    }
    if (!stated) checkPqcAllowed(ctx, p);
    if (attrAlgorithm === undefined) attrs.push({ key: 'Cryptographic Algorithm', value: enm(Tag.CryptographicAlgorithm, p.algorithm) });
    const blockLength = read.int(child(kb, Tag.CryptographicLength));
    const lengths = [...attrs.filter((a) => a.key === 'Cryptographic Length').map((a) => read.int(a.value)), ...(blockLength === undefined ? [] : [blockLength])];
    const wrong = lengths.find((n) => n !== p.bits);
    if (wrong !== undefined) throw invalidField(`${p.name} keys have Cryptographic Length ${p.bits}, not ${wrong}`);
    if (!attrs.some((a) => a.key === 'Cryptographic Length')) attrs.push({ key: 'Cryptographic Length', value: int(Tag.CryptographicLength, p.bits) });
    return pqcKeyBody(isPrivate ? Tag.PrivateKey : Tag.PublicKey, p, material);
  } catch (err) {
    material.fill(0);
    throw err;
  }
}

export const PQC_DER_FORMATS = new Set<number>([KeyFormatType.PKCS_8, KeyFormatType.X_509]);
