// ML-KEM, ML-DSA and SLH-DSA keys in PKCS#8 and X.509 SubjectPublicKeyInfo (src/kmip/pqc-der.ts):
// - against an independent implementation: keys written by pyca/cryptography over OpenSSL 4.0
//   (test/vectors/pqc-formats.json, made by test/vectors/pqc-formats-extract.py): our SPKI equals
//   OpenSSL's byte for byte; we read OpenSSL's SPKI and seed-only PKCS#8, and the key we expand from the
//   seed is OpenSSL's (same public key, decapsulates OpenSSL's ciphertext, verifies OpenSSL's signature);
// - SLH-DSA: the SubjectPublicKeyInfo of the draft-ietf-lamps-x509-slhdsa example certificate (SHA2-128s);
// - through the engine: Create Key Pair, Get as PKCS#8 / X.509, Register (and Import) those bytes back,
//   use them across; bad DER, wrong OID, wrong lengths and wrong formats get their Result Reasons.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';
import {
  CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, KeyFormatType, ObjectType, Operation as Op, ResultReason as RR, ResultStatus as RS, Tag, ValidityIndicator,
} from '../../src/dict/index.js';
import { MlDsa, MlKem, SlhDsa, type MlDsaLevel, type MlKemLevel } from '../../src/crypto/index.js';
import type { TtlvItem } from '../../src/ttlv/index.js';
import { bool, bytes } from '../../src/kmip/items.js';
import { OP_DECAPSULATE, OP_ENCAPSULATE, PQC, type PqcParams } from '../../src/kmip/pqc.js';
import { decodePkcs8, decodeSpki, encodePkcs8, encodeSpki, privateFromPkcs8 } from '../../src/kmip/pqc-der.js';
import { KmipError } from '../../src/kmip/errors.js';
import { child, enm, int, read, struct, testEngine, text } from '../helpers/kmip.js';

const V21 = [2, 1] as const;
type Engine = Awaited<ReturnType<typeof testEngine>>;

interface Case {
  name: string; seed: string; pkcs8Seed: string; spki: string; publicKey: string;
  ciphertext?: string; sharedSecret?: string; message?: string; signature?: string;
}
const vectors = JSON.parse(readFileSync(new URL('../vectors/pqc-formats.json', import.meta.url), 'utf8')) as { generator: Record<string, string>; cases: Case[] };
const hex = (s: string) => Buffer.from(s, 'hex');
const byName = (name: string) => [...PQC.values()].find((p) => p.name === name)!;

/** The KMIP error a call throws, as its Result Reason. */
function reasonOf(f: () => unknown): number | undefined {
  try {
    f();
  } catch (err) {
    if (err instanceof KmipError) return err.reason;
    throw err;
  }
  return undefined;
}

/** Minimal DER pieces for building bad inputs in tests. */
const tlv = (tag: number, c: Uint8Array): Buffer => {
  const n = c.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), c]);
};
const oidTlv = (p: PqcParams) => encodeSpki(p, Buffer.alloc(p.publicKey)).subarray(p.publicKey > 0xff ? 6 : 4, p.publicKey > 0xff ? 17 : 15);
const pkcs8 = (p: PqcParams, inner: Uint8Array, extra: Buffer[] = [], version = 0) =>
  tlv(0x30, Buffer.concat([Buffer.from([2, 1, version]), tlv(0x30, oidTlv(p)), tlv(0x04, inner), ...extra]));

describe('against pyca/cryptography (OpenSSL): test/vectors/pqc-formats.json', () => {
  it('the vectors name their generator', () => {
    expect(vectors.generator.cryptography).toMatch(/^\d+\./);
    expect(vectors.generator.openssl).toMatch(/OpenSSL [3-9]\./);
    expect(vectors.cases.map((c) => c.name).sort()).toEqual(['ML-DSA-44', 'ML-DSA-65', 'ML-DSA-87', 'ML-KEM-1024', 'ML-KEM-768']);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s: our SPKI is OpenSSL\'s byte for byte; we read OpenSSL\'s SPKI', (_n, c) => {
    const p = byName(c.name);
    expect(encodeSpki(p, hex(c.publicKey)).toString('hex')).toBe(c.spki);
    const back = decodeSpki(hex(c.spki));
    expect(back.p).toBe(p);
    expect(back.publicKey.toString('hex')).toBe(c.publicKey);
  });

  it.each(vectors.cases.map((c) => [c.name, c] as const))('%s: OpenSSL\'s seed-only PKCS#8 is read, expanded to OpenSSL\'s key, and used', (_n, c) => {
    const p = byName(c.name);
    const d = decodePkcs8(hex(c.pkcs8Seed));
    expect([d.p, d.form, d.seed?.toString('hex'), d.expanded]).toEqual([p, 'seed', c.seed, undefined]);
    const { secretKey } = privateFromPkcs8(hex(c.pkcs8Seed));
    expect(secretKey.length).toBe(p.secretKey);
    if (p.family === 'ml-kem') {
      // The expanded dk holds ek: OpenSSL's public key; and it decapsulates OpenSSL's ciphertext to OpenSSL's secret.
      expect(secretKey.subarray(p.secretKey - 64 - p.publicKey, p.secretKey - 64).toString('hex')).toBe(c.publicKey);
      expect(new MlKem(p.param as MlKemLevel).decapsulate(hex(c.ciphertext!), secretKey).toString('hex')).toBe(c.sharedSecret);
    } else {
      const dsa = new MlDsa(p.param as MlDsaLevel);
      expect(dsa.keygen(hex(c.seed)).publicKey.toString('hex')).toBe(c.publicKey);
      expect(dsa.verify(hex(c.signature!), hex(c.message!), hex(c.publicKey))).toBe(true);
      // Our signature with the key read from OpenSSL's DER verifies under OpenSSL's public key.
      expect(dsa.verify(dsa.sign(hex(c.message!), secretKey), hex(c.message!), hex(c.publicKey))).toBe(true);
    }
    // Our PKCS#8 (expandedKey form) of that key reads back to the same expanded key; the `both` form too.
    const ours = encodePkcs8(p, secretKey);
    expect(privateFromPkcs8(ours).secretKey.equals(secretKey)).toBe(true);
    const both = pkcs8(p, tlv(0x30, Buffer.concat([tlv(0x04, hex(c.seed)), tlv(0x04, secretKey)])));
    expect(privateFromPkcs8(both).secretKey.equals(secretKey)).toBe(true);
    // A v1 key with the right publicKey is read; with another's it is Invalid Field.
    const v1 = pkcs8(p, tlv(0x80, hex(c.seed)), [tlv(0x81, Buffer.concat([Buffer.of(0), hex(c.publicKey)]))], 1);
    expect(privateFromPkcs8(v1).secretKey.equals(secretKey)).toBe(true);
    const other = Buffer.from(hex(c.publicKey));
    other[5] ^= 1;
    const v1bad = pkcs8(p, tlv(0x80, hex(c.seed)), [tlv(0x81, Buffer.concat([Buffer.of(0), other]))], 1);
    expect(reasonOf(() => privateFromPkcs8(v1bad))).toBe(RR.InvalidField);
    // A `both` whose seed is not that of the expanded key is Invalid Field.
    const seed2 = hex(c.seed);
    seed2[0] ^= 1;
    expect(reasonOf(() => privateFromPkcs8(pkcs8(p, tlv(0x30, Buffer.concat([tlv(0x04, seed2), tlv(0x04, secretKey)])))))).toBe(RR.InvalidField);
  });
});

interface BcCase {
  name: string; seed?: string; expanded: string; publicKey: string; spki: string;
  pkcs8Seed?: string; pkcs8Expanded?: string; pkcs8Both?: string; pkcs8Default?: string; defaultIsBoth?: boolean;
  ciphertext?: string; sharedSecret?: string; message?: string; signature?: string;
}
const bc = JSON.parse(readFileSync(new URL('../vectors/pqc-formats-bc.json', import.meta.url), 'utf8')) as { generator: Record<string, string>; cases: BcCase[] };

describe('against BouncyCastle: test/vectors/pqc-formats-bc.json (every parameter set)', () => {
  it('the vectors cover every parameter set', () => {
    expect(bc.generator.bouncycastle).toMatch(/^1\.\d+/);
    expect(bc.cases.map((c) => c.name).sort()).toEqual([...PQC.values()].map((p) => p.name).sort());
  });

  it.each(bc.cases.map((c) => [c.name, c] as const))('%s: our SPKI and PKCS#8 are BouncyCastle\'s byte for byte; we read every form it writes', (_n, c) => {
    const p = byName(c.name);
    expect(encodeSpki(p, hex(c.publicKey)).toString('hex')).toBe(c.spki);
    expect(decodeSpki(hex(c.spki)).publicKey.toString('hex')).toBe(c.publicKey);
    if (p.family === 'slh-dsa') {
      expect(encodePkcs8(p, hex(c.expanded)).toString('hex')).toBe(c.pkcs8Default);
      expect(privateFromPkcs8(hex(c.pkcs8Default!)).secretKey.toString('hex')).toBe(c.expanded);
      expect(c.expanded.endsWith(c.publicKey)).toBe(true);
      return;
    }
    // What we emit (the expandedKey form) is BouncyCastle's expandedKey form.
    expect(encodePkcs8(p, hex(c.expanded)).toString('hex')).toBe(c.pkcs8Expanded);
    for (const [form, der] of [['seed', c.pkcs8Seed], ['expandedKey', c.pkcs8Expanded], ['both', c.pkcs8Both]] as const) {
      expect(decodePkcs8(hex(der!)).form).toBe(form);
      expect(privateFromPkcs8(hex(der!)).secretKey.toString('hex'), form).toBe(c.expanded);
    }
    if (p.family === 'ml-kem') {
      expect(new MlKem(p.param as MlKemLevel).decapsulate(hex(c.ciphertext!), hex(c.expanded)).toString('hex')).toBe(c.sharedSecret);
    } else {
      expect(new MlDsa(p.param as MlDsaLevel).verify(hex(c.signature!), hex(c.message!), hex(c.publicKey))).toBe(true);
    }
  });

  it('SLH-DSA: BouncyCastle\'s signatures (SHA2-128f, SHAKE-128f) verify with the public key read from its SPKI', () => {
    const signed = bc.cases.filter((c) => c.signature && c.name.startsWith('SLH'));
    expect(signed.map((c) => c.name)).toEqual(['SLH-DSA-SHA2-128f', 'SLH-DSA-SHAKE-128f']);
    for (const c of signed) {
      const p = byName(c.name);
      const { publicKey } = decodeSpki(hex(c.spki));
      expect(new SlhDsa(p.param as 'SHA2-128f').verify(hex(c.signature!), hex(c.message!), publicKey)).toBe(true);
    }
  });
});

describe('encodings (structure, every parameter set)', () => {
  it.each([...PQC.values()].map((p) => [p.name, p] as const))('%s: SPKI and PKCS#8 headers, OID, lengths', (_n, p) => {
    const pk = Buffer.alloc(p.publicKey, 0x11);
    const sk = Buffer.alloc(p.secretKey, 0x22);
    const spki = encodeSpki(p, pk);
    const last = { 'ml-kem': { 512: 1, 768: 2, 1024: 3 }[p.param as number], 'ml-dsa': { 44: 17, 65: 18, 87: 19 }[p.param as number], 'slh-dsa': 0 }[p.family];
    // AlgorithmIdentifier: SEQUENCE { OID 2.16.840.1.101.3.4.{4|3}.n } and nothing else.
    const algId = Buffer.from([0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, p.family === 'ml-kem' ? 4 : 3]);
    expect(spki.indexOf(algId)).toBeGreaterThan(0);
    const n = spki[spki.indexOf(algId) + algId.length];
    // RFC 9909: sigAlgs 20-25 SHA2-128s, 128f, 192s, 192f, 256s, 256f; 26-31 the SHAKE ones in the same order.
    const slhArc = (name: string) => 20 + (name.includes('SHAKE') ? 6 : 0) + ['128s', '128f', '192s', '192f', '256s', '256f'].indexOf(name.slice(-4));
    expect(n).toBe(p.family === 'slh-dsa' ? slhArc(p.name) : last);
    expect(spki.subarray(spki.length - p.publicKey - 1)).toEqual(Buffer.concat([Buffer.of(0), pk]));
    expect(decodeSpki(spki)).toEqual({ p, publicKey: pk });
    const der = encodePkcs8(p, sk);
    expect(der.subarray(der.indexOf(algId) - 3, der.indexOf(algId))).toEqual(Buffer.from([0x02, 0x01, 0x00]));
    // privateKey OCTET STRING: for ML-KEM / ML-DSA it holds expandedKey OCTET STRING; for SLH-DSA the key itself.
    const d = decodePkcs8(der);
    expect(d.form).toBe(p.family === 'slh-dsa' ? 'raw' : 'expandedKey');
    expect(d.expanded).toEqual(sk);
    if (p.family === 'slh-dsa') {
      const head = p.secretKey < 0x80 ? [0x04, p.secretKey] : [0x04, 0x81, p.secretKey];
      expect(der.subarray(der.length - p.secretKey - head.length, der.length - p.secretKey)).toEqual(Buffer.from(head));
    } else {
      expect(der.subarray(der.length - p.secretKey - 8, der.length - p.secretKey)).toEqual(Buffer.from([0x04, 0x82, (p.secretKey + 4) >> 8, (p.secretKey + 4) & 0xff, 0x04, 0x82, p.secretKey >> 8, p.secretKey & 0xff]));
    }
  });

  it('SLH-DSA SPKI of the draft-ietf-lamps-x509-slhdsa example certificate (id-slh-dsa-sha2-128s.pem, lamps-wg/x509-slhdsa) reads and re-encodes byte for byte', () => {
    const spki = hex('3030300b06096086480165030403140321002b8109ec777caa4e1f024ccfcf9497d99180509280f4256af2b07af80289b494');
    const d = decodeSpki(spki);
    expect(d.p.name).toBe('SLH-DSA-SHA2-128s');
    expect(encodeSpki(d.p, d.publicKey).equals(spki)).toBe(true);
  });

  it('SLH-DSA: the private key is the raw key in the OCTET STRING, with the public key as its second half', () => {
    const p = byName('SLH-DSA-SHA2-128f');
    const { publicKey, secretKey } = new SlhDsa('SHA2-128f').keygen();
    const der = encodePkcs8(p, secretKey);
    expect(der.subarray(der.length - 64 - 2)).toEqual(Buffer.concat([Buffer.from([0x04, 0x40]), secretKey]));
    const v1 = Buffer.from(der);
    const withPub = pkcs8(p, secretKey, [tlv(0x81, Buffer.concat([Buffer.of(0), publicKey]))], 1);
    expect(privateFromPkcs8(withPub).secretKey.equals(secretKey)).toBe(true);
    expect(privateFromPkcs8(v1).secretKey.equals(secretKey)).toBe(true);
    // A double-wrapped key (OCTET STRING in the OCTET STRING) is not RFC 9909's: the length is wrong.
    expect(reasonOf(() => privateFromPkcs8(pkcs8(p, tlv(0x04, secretKey))))).toBe(RR.InvalidField);
  });

  it('malformed DER is Invalid Field, never a crash', () => {
    const p = byName('ML-DSA-44');
    const good = encodeSpki(p, Buffer.alloc(p.publicKey, 1));
    const cases: Buffer[] = [
      Buffer.alloc(0), Buffer.from([0x30]), Buffer.from([0x30, 0x80, 0, 0]), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]),
      Buffer.from([0x30, 0x81, 0x05, 1, 2, 3, 4, 5]), // non-minimal length
      good.subarray(0, good.length - 1), Buffer.concat([good, Buffer.of(0)]), Buffer.from([0x1f, 0x01, 0x00]),
      Buffer.from(good).fill(0x30, 0, 1).fill(0x31, 4, 5), // AlgorithmIdentifier not a SEQUENCE
    ];
    // A valid SLH-DSA SPKI whose outer length is written long (0x81 0x30): not DER.
    const slhSpki = encodeSpki(byName('SLH-DSA-SHA2-128s'), Buffer.alloc(32, 3));
    expect(decodeSpki(slhSpki).publicKey).toEqual(Buffer.alloc(32, 3));
    cases.push(Buffer.concat([Buffer.from([0x30, 0x81]), slhSpki.subarray(1)]));
    const unusedBits = Buffer.from(good);
    unusedBits[good.length - p.publicKey - 1] = 1;
    cases.push(unusedBits);
    for (const der of cases) expect(reasonOf(() => decodeSpki(der)), der.subarray(0, 8).toString('hex')).toBe(RR.InvalidField);
    for (const der of cases) expect(reasonOf(() => privateFromPkcs8(der)), der.subarray(0, 8).toString('hex')).toBe(RR.InvalidField);
    // Parameters present (NULL) are refused; an unknown OID (RSA) is refused.
    const withNull = tlv(0x30, Buffer.concat([tlv(0x30, Buffer.concat([oidTlv(p), Buffer.from([5, 0])])), tlv(0x03, Buffer.concat([Buffer.of(0), Buffer.alloc(p.publicKey)]))]));
    expect(reasonOf(() => decodeSpki(withNull))).toBe(RR.InvalidField);
    const rsaOid = Buffer.from('06092a864886f70d010101', 'hex');
    expect(reasonOf(() => decodeSpki(tlv(0x30, Buffer.concat([tlv(0x30, rsaOid), tlv(0x03, Buffer.of(0, 1, 2))]))))).toBe(RR.InvalidField);
    // Wrong lengths for the parameter set: public key, expanded key, seed; version 2.
    expect(reasonOf(() => decodeSpki(tlv(0x30, Buffer.concat([tlv(0x30, oidTlv(p)), tlv(0x03, Buffer.concat([Buffer.of(0), Buffer.alloc(p.publicKey - 1)]))]))))).toBe(RR.InvalidField);
    expect(reasonOf(() => privateFromPkcs8(pkcs8(p, tlv(0x04, Buffer.alloc(p.secretKey + 1)))))).toBe(RR.InvalidField);
    expect(reasonOf(() => privateFromPkcs8(pkcs8(p, tlv(0x80, Buffer.alloc(31)))))).toBe(RR.InvalidField);
    expect(reasonOf(() => privateFromPkcs8(pkcs8(p, tlv(0x80, Buffer.alloc(32)), [], 2)))).toBe(RR.InvalidField);
    // A publicKey in a version 0 key, or a CHOICE of another tag.
    expect(reasonOf(() => privateFromPkcs8(pkcs8(p, tlv(0x80, Buffer.alloc(32)), [tlv(0x81, Buffer.alloc(p.publicKey + 1))], 0)))).toBe(RR.InvalidField);
    expect(reasonOf(() => privateFromPkcs8(pkcs8(p, tlv(0x81, Buffer.alloc(32)))))).toBe(RR.InvalidField);
    // Random bytes: always a KMIP error, never another exception.
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(good.subarray(0, 40 + (i % 60)));
      b[rnd() % b.length] = rnd();
      expect(() => decodeSpki(b)).toThrow(KmipError);
      expect(() => privateFromPkcs8(b)).toThrow(KmipError);
    }
  });

  it('an ML-KEM expanded key failing its FIPS 203 hash check is Invalid Field', () => {
    const p = byName('ML-KEM-768');
    const { secretKey } = new MlKem(768).keygen();
    expect(privateFromPkcs8(encodePkcs8(p, secretKey)).secretKey.equals(secretKey)).toBe(true);
    secretKey[p.secretKey - 40] ^= 1; // inside H(ek)
    expect(reasonOf(() => privateFromPkcs8(encodePkcs8(p, secretKey)))).toBe(RR.InvalidField);
  });

  it('ML-KEM seed expansion is FIPS 203 keygen of d || z: the seed-only form of a noble key gives noble\'s dk', () => {
    const seed = Buffer.alloc(64).map((_, i) => i);
    const k = ml_kem768.keygen(seed);
    const p = byName('ML-KEM-768');
    expect(Buffer.from(privateFromPkcs8(pkcs8(p, tlv(0x80, seed))).secretKey).equals(Buffer.from(k.secretKey))).toBe(true);
  });
});

// ------------------------------------------------------------------------------------------ engine

const uidP = (uid: string) => [text(Tag.UniqueIdentifier, uid)];

async function createPair(e: Engine, algorithm: number) {
  const p = await e.ok(V21, Op.CreateKeyPair, [
    struct(Tag.CommonAttributes, [enm(Tag.CryptographicAlgorithm, algorithm)]), struct(Tag.PrivateKeyAttributes, []), struct(Tag.PublicKeyAttributes, []),
  ]);
  return { priv: read.text(child(p, Tag.PrivateKeyUniqueIdentifier))!, pub: read.text(child(p, Tag.PublicKeyUniqueIdentifier))! };
}

async function getAs(e: Engine, uid: string, format?: number) {
  const p = await e.ok(V21, Op.Get, [text(Tag.UniqueIdentifier, uid), ...(format === undefined ? [] : [enm(Tag.KeyFormatType, format)])]);
  const obj = child(p, Tag.PrivateKey) ?? child(p, Tag.PublicKey);
  const kb = child(obj, Tag.KeyBlock);
  return {
    format: read.enum(child(kb, Tag.KeyFormatType)), algorithm: read.enum(child(kb, Tag.CryptographicAlgorithm)), bits: read.int(child(kb, Tag.CryptographicLength)),
    material: Buffer.from(read.bytes(child(child(kb, Tag.KeyValue), Tag.KeyMaterial))!),
  };
}

const keyBody = (tag: number, format: number, der: Uint8Array, blockAttrs: TtlvItem[] = []) =>
  struct(tag, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, format), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, der)]), ...blockAttrs])]);

async function register(e: Engine, objectType: number, body: TtlvItem, attrs: TtlvItem[]) {
  const r = await e.send(V21, [{ op: Op.Register, payload: [enm(Tag.ObjectType, objectType), struct(Tag.Attributes, attrs), body] }]);
  const it = r.items[0];
  return it.status === RS.Success ? { uid: read.text(child(it.payload, Tag.UniqueIdentifier))! } : { reason: it.reason, message: it.message };
}

async function registered(e: Engine, objectType: number, body: TtlvItem, attrs: TtlvItem[]) {
  const r = await register(e, objectType, body, attrs);
  if (!('uid' in r)) throw new Error(`Register failed: ${r.reason}: ${r.message}`);
  await e.ok(V21, Op.Activate, uidP(r.uid!));
  return r.uid!;
}

describe('through the engine (kmip30Algorithms on)', () => {
  const on = () => testEngine({ kmip30Algorithms: true });

  it.each([byName('ML-DSA-65'), byName('ML-DSA-44')].map((p) => [p.name, p] as const))('%s: Get as PKCS#8 / X.509, Register those bytes back, Sign with the registered key, Verify with the original', async (_n, p) => {
    const e = await on();
    const pair = await createPair(e, p.algorithm);
    for (const uid of [pair.priv, pair.pub]) await e.ok(V21, Op.Activate, uidP(uid));
    const rawPriv = await getAs(e, pair.priv);
    const rawPub = await getAs(e, pair.pub);
    expect([rawPriv.format, rawPub.format]).toEqual([KeyFormatType.Raw, KeyFormatType.Raw]);
    const p8 = await getAs(e, pair.priv, KeyFormatType.PKCS_8);
    const x509 = await getAs(e, pair.pub, KeyFormatType.X_509);
    expect([p8.format, p8.algorithm, p8.bits]).toEqual([KeyFormatType.PKCS_8, p.algorithm, p.bits]);
    expect([x509.format, x509.algorithm, x509.bits]).toEqual([KeyFormatType.X_509, p.algorithm, p.bits]);
    expect(p8.material.equals(encodePkcs8(p, rawPriv.material))).toBe(true);
    expect(x509.material.equals(encodeSpki(p, rawPub.material))).toBe(true);
    // Asking for the format held, or for Raw, gives Raw; PKCS#8 of a public key is refused.
    expect((await getAs(e, pair.priv, KeyFormatType.Raw)).material.equals(rawPriv.material)).toBe(true);
    const wrong = (await e.send(V21, [{ op: Op.Get, payload: [text(Tag.UniqueIdentifier, pair.pub), enm(Tag.KeyFormatType, KeyFormatType.PKCS_8)] }])).items[0];
    expect(wrong.reason).toBe(RR.KeyFormatTypeNotSupported);

    // Register the PKCS#8 with no algorithm or length: both come from the OID; held Raw like a generated key.
    const priv2 = await registered(e, ObjectType.PrivateKey, keyBody(Tag.PrivateKey, KeyFormatType.PKCS_8, p8.material), [int(Tag.CryptographicUsageMask, Mask.Sign)]);
    const back = await getAs(e, priv2);
    expect([back.format, back.algorithm, back.bits]).toEqual([KeyFormatType.Raw, p.algorithm, p.bits]);
    expect(back.material.equals(rawPriv.material)).toBe(true);
    const sig = read.bytes(child(await e.ok(V21, Op.Sign, [text(Tag.UniqueIdentifier, priv2), bytes(Tag.Data, Buffer.from('hello'))]), Tag.SignatureData))!;
    const v = await e.ok(V21, Op.SignatureVerify, [text(Tag.UniqueIdentifier, pair.pub), bytes(Tag.Data, Buffer.from('hello')), bytes(Tag.SignatureData, sig)]);
    expect(read.enum(child(v, Tag.ValidityIndicator))).toBe(ValidityIndicator.Valid);
    // And the X.509 public key registered back (algorithm stated in the Key Block) verifies the original's signature.
    const pub2 = await registered(e, ObjectType.PublicKey, keyBody(Tag.PublicKey, KeyFormatType.X_509, x509.material, [enm(Tag.CryptographicAlgorithm, p.algorithm), int(Tag.CryptographicLength, p.bits)]), [int(Tag.CryptographicUsageMask, Mask.Verify)]);
    const sig0 = read.bytes(child(await e.ok(V21, Op.Sign, [text(Tag.UniqueIdentifier, pair.priv), bytes(Tag.Data, Buffer.from('x'))]), Tag.SignatureData))!;
    const v2 = await e.ok(V21, Op.SignatureVerify, [text(Tag.UniqueIdentifier, pub2), bytes(Tag.Data, Buffer.from('x')), bytes(Tag.SignatureData, sig0)]);
    expect(read.enum(child(v2, Tag.ValidityIndicator))).toBe(ValidityIndicator.Valid);
    // Attributes recorded from the OID.
    const a = child(await e.ok(V21, Op.GetAttributes, uidP(priv2)), Tag.Attributes);
    expect([read.enum(child(a, Tag.CryptographicAlgorithm)), read.int(child(a, Tag.CryptographicLength))]).toEqual([p.algorithm, p.bits]);
  });

  it('ML-KEM-768: X.509 and PKCS#8 registered back; Encapsulate with one, Decapsulate with the other, across', async () => {
    const p = byName('ML-KEM-768');
    const e = await on();
    const pair = await createPair(e, p.algorithm);
    for (const uid of [pair.priv, pair.pub]) await e.ok(V21, Op.Activate, uidP(uid));
    const p8 = (await getAs(e, pair.priv, KeyFormatType.PKCS_8)).material;
    const x509 = (await getAs(e, pair.pub, KeyFormatType.X_509)).material;
    const priv2 = await registered(e, ObjectType.PrivateKey, keyBody(Tag.PrivateKey, KeyFormatType.PKCS_8, p8), [enm(Tag.CryptographicAlgorithm, p.algorithm), int(Tag.CryptographicUsageMask, Mask.Decrypt)]);
    const pub2 = await registered(e, ObjectType.PublicKey, keyBody(Tag.PublicKey, KeyFormatType.X_509, x509), [int(Tag.CryptographicUsageMask, Mask.Encrypt)]);
    const secretOf = async (uid: string) => Buffer.from(read.bytes(child(child(child(child(await e.ok(V21, Op.Get, uidP(uid)), Tag.SecretData), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!);
    for (const [enc, dec] of [[pair.pub, priv2], [pub2, pair.priv]]) {
      const ep = await e.ok(V21, OP_ENCAPSULATE, uidP(enc));
      const ct = read.bytes(child(ep, Tag.Data))!;
      const s1 = await secretOf(read.text(child(ep, Tag.UniqueIdentifier))!);
      const dp = await e.ok(V21, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, dec), bytes(Tag.Data, ct)]);
      expect((await secretOf(read.text(child(dp, Tag.UniqueIdentifier))!)).equals(s1)).toBe(true);
    }
  });

  it('OpenSSL\'s keys (seed-only PKCS#8, SPKI) register and work: ML-KEM-768 decapsulates OpenSSL\'s ciphertext, ML-DSA-65 verifies OpenSSL\'s signature', async () => {
    const e = await on();
    const kem = vectors.cases.find((c) => c.name === 'ML-KEM-768')!;
    const kemPriv = await registered(e, ObjectType.PrivateKey, keyBody(Tag.PrivateKey, KeyFormatType.PKCS_8, hex(kem.pkcs8Seed)), [int(Tag.CryptographicUsageMask, Mask.Decrypt)]);
    const dp = await e.ok(V21, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, kemPriv), bytes(Tag.Data, hex(kem.ciphertext!))]);
    const ss = read.bytes(child(child(child(child(await e.ok(V21, Op.Get, uidP(read.text(child(dp, Tag.UniqueIdentifier))!)), Tag.SecretData), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!;
    expect(Buffer.from(ss).toString('hex')).toBe(kem.sharedSecret);
    const dsa = vectors.cases.find((c) => c.name === 'ML-DSA-65')!;
    const dsaPub = await registered(e, ObjectType.PublicKey, keyBody(Tag.PublicKey, KeyFormatType.X_509, hex(dsa.spki)), [int(Tag.CryptographicUsageMask, Mask.Verify)]);
    const v = await e.ok(V21, Op.SignatureVerify, [text(Tag.UniqueIdentifier, dsaPub), bytes(Tag.Data, hex(dsa.message!)), bytes(Tag.SignatureData, hex(dsa.signature!))]);
    expect(read.enum(child(v, Tag.ValidityIndicator))).toBe(ValidityIndicator.Valid);
    // Get gives back OpenSSL's SPKI byte for byte.
    expect((await getAs(e, dsaPub, KeyFormatType.X_509)).material.toString('hex')).toBe(dsa.spki);
  });

  it('refusals: bad DER, wrong OID for the stated algorithm, wrong length, wrong format for the object type, setting off', async () => {
    const e = await on();
    const p = byName('ML-DSA-65');
    const pk = new MlDsa(65).keygen().publicKey;
    const spki = encodeSpki(p, pk);
    const mask = [int(Tag.CryptographicUsageMask, Mask.Verify)];
    const reason = async (body: TtlvItem, attrs: TtlvItem[], type: number = ObjectType.PublicKey) => ((await register(e, type, body, attrs)) as { reason?: number }).reason;
    expect(await reason(keyBody(Tag.PublicKey, KeyFormatType.X_509, spki.subarray(0, 100)), [enm(Tag.CryptographicAlgorithm, p.algorithm), ...mask])).toBe(RR.InvalidField);
    expect(await reason(keyBody(Tag.PublicKey, KeyFormatType.X_509, spki), [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_87), ...mask])).toBe(RR.InvalidField);
    expect(await reason(keyBody(Tag.PublicKey, KeyFormatType.X_509, spki, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_44)]), mask)).toBe(RR.InvalidField);
    expect(await reason(keyBody(Tag.PublicKey, KeyFormatType.X_509, spki), [enm(Tag.CryptographicAlgorithm, Alg.RSA), ...mask])).toBe(RR.InvalidField);
    expect(await reason(keyBody(Tag.PublicKey, KeyFormatType.X_509, spki), [int(Tag.CryptographicLength, 2048), ...mask])).toBe(RR.InvalidField);
    // An ML-DSA-44-sized key under the ML-DSA-65 OID.
    const shortSpki = tlv(0x30, Buffer.concat([tlv(0x30, oidTlv(p)), tlv(0x03, Buffer.concat([Buffer.of(0), Buffer.alloc(1312)]))]));
    expect(await reason(keyBody(Tag.PublicKey, KeyFormatType.X_509, shortSpki), mask)).toBe(RR.InvalidField);
    // PKCS#8 material registered as a Public Key; X.509 as a Private Key.
    expect(await reason(keyBody(Tag.PublicKey, KeyFormatType.PKCS_8, spki), [enm(Tag.CryptographicAlgorithm, p.algorithm), ...mask])).toBe(RR.KeyFormatTypeNotSupported);
    expect(await reason(keyBody(Tag.PrivateKey, KeyFormatType.X_509, spki), [enm(Tag.CryptographicAlgorithm, p.algorithm)], ObjectType.PrivateKey)).toBe(RR.KeyFormatTypeNotSupported);
    // The setting off: an ML-DSA SPKI with no algorithm stated is refused as the algorithm is.
    const off = await testEngine();
    const r = await off.send(V21, [{ op: Op.Register, payload: [enm(Tag.ObjectType, ObjectType.PublicKey), struct(Tag.Attributes, mask), keyBody(Tag.PublicKey, KeyFormatType.X_509, spki)] }]);
    expect(r.items[0].reason).toBe(RR.UnknownEnumeration);
    // Quantum Safe asked of a key whose algorithm only its OID names: the rule sees ML-DSA, and it is safe.
    const qs = await register(e, ObjectType.PublicKey, keyBody(Tag.PublicKey, KeyFormatType.X_509, spki), [...mask, bool(Tag.QuantumSafe, true)]);
    expect('uid' in qs).toBe(true);
    // A classical key (EC) as X.509 still registers as before.
    const { generateKeyPairSync } = await import('node:crypto');
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ format: 'der', type: 'spki' });
    expect('uid' in (await register(e, ObjectType.PublicKey, keyBody(Tag.PublicKey, KeyFormatType.X_509, ec), [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), ...mask]))).toBe(true);
  });

  it('Import of a PKCS#8 ML-DSA-44 key stores it Raw with the algorithm from the OID; Export returns it as PKCS#8 on request', async () => {
    const e = await on();
    const p = byName('ML-DSA-44');
    const seed = Buffer.alloc(32, 7);
    const { secretKey } = new MlDsa(44).keygen(seed);
    const der = pkcs8(p, tlv(0x80, seed));
    await e.ok(V21, Op.Import, [
      text(Tag.UniqueIdentifier, 'imported-mldsa'), enm(Tag.ObjectType, ObjectType.PrivateKey),
      struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.Sign)]), keyBody(Tag.PrivateKey, KeyFormatType.PKCS_8, der),
    ]);
    const held = await getAs(e, 'imported-mldsa');
    expect([held.format, held.algorithm, held.bits]).toEqual([KeyFormatType.Raw, p.algorithm, p.bits]);
    expect(held.material.equals(secretKey)).toBe(true);
    const ex = await e.ok(V21, Op.Export, [text(Tag.UniqueIdentifier, 'imported-mldsa'), enm(Tag.KeyFormatType, KeyFormatType.PKCS_8)]);
    const km = read.bytes(child(child(child(child(ex, Tag.PrivateKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!;
    expect(Buffer.from(km).equals(encodePkcs8(p, secretKey))).toBe(true);
    const bad = await e.send(V21, [{ op: Op.Import, payload: [
      text(Tag.UniqueIdentifier, 'imported-bad'), enm(Tag.ObjectType, ObjectType.PrivateKey),
      struct(Tag.Attributes, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_65)]), keyBody(Tag.PrivateKey, KeyFormatType.PKCS_8, der),
    ] }]);
    expect(bad.items[0].reason).toBe(RR.InvalidField);
  });

  it('a Raw ML-DSA-87 public key registered with its algorithm in the attributes only is returned as X.509 too', async () => {
    const e = await on();
    const p = byName('ML-DSA-87');
    const { publicKey } = new MlDsa(87).keygen();
    const uid = await registered(e, ObjectType.PublicKey, keyBody(Tag.PublicKey, KeyFormatType.Raw, publicKey), [enm(Tag.CryptographicAlgorithm, p.algorithm), int(Tag.CryptographicUsageMask, Mask.Verify)]);
    expect((await getAs(e, uid, KeyFormatType.X_509)).material.equals(encodeSpki(p, publicKey))).toBe(true);
  });

  it('SLH-DSA-SHA2-128f: Get as PKCS#8 / X.509 and Register back; the registered private key signs, the original public key verifies', { timeout: 60_000 }, async () => {
    const p = byName('SLH-DSA-SHA2-128f');
    const e = await on();
    const pair = await createPair(e, p.algorithm);
    for (const uid of [pair.priv, pair.pub]) await e.ok(V21, Op.Activate, uidP(uid));
    const p8 = await getAs(e, pair.priv, KeyFormatType.PKCS_8);
    const x509 = await getAs(e, pair.pub, KeyFormatType.X_509);
    const raw = await getAs(e, pair.priv);
    expect(p8.material.subarray(p8.material.length - p.secretKey).equals(raw.material)).toBe(true);
    expect(decodeSpki(x509.material).publicKey.equals(raw.material.subarray(p.secretKey - p.publicKey))).toBe(true);
    const priv2 = await registered(e, ObjectType.PrivateKey, keyBody(Tag.PrivateKey, KeyFormatType.PKCS_8, p8.material), [int(Tag.CryptographicUsageMask, Mask.Sign)]);
    const sig = read.bytes(child(await e.ok(V21, Op.Sign, [text(Tag.UniqueIdentifier, priv2), bytes(Tag.Data, Buffer.from('m'))]), Tag.SignatureData))!;
    const v = await e.ok(V21, Op.SignatureVerify, [text(Tag.UniqueIdentifier, pair.pub), bytes(Tag.Data, Buffer.from('m')), bytes(Tag.SignatureData, sig)]);
    expect(read.enum(child(v, Tag.ValidityIndicator))).toBe(ValidityIndicator.Valid);
  });
});
