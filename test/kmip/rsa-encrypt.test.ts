// RSA Encrypt (Public Key) and Decrypt (Private Key) through the engine: RSAES-OAEP with each hash, MGF1
// hash and label, and RSAES-PKCS1-v1_5 (decryption with implicit rejection), each result checked against
// node:crypto (an independent implementation), the OASIS CS-AC-M-OAEP vectors and, for PKCS#1 v1.5, the
// draft-irtf-cfrg-rsa-guidance Appendix B vectors; the refusals (object type, usage mask, state, message
// length, parameters) and one answer for every bad OAEP ciphertext.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, HashingAlgorithm as Hash, KeyFormatType, MaskGenerator, ObjectType,
  Operation as Op, PaddingMethod, ResultReason as RR, ResultStatus as RS, RevocationReasonCode, Tag,
} from '../../src/dict/index.js';
import type { TtlvItem } from '../../src/ttlv/index.js';
import { bytes } from '../../src/kmip/items.js';
import { oaepDecode, oaepEncode, rsaPlan, type RsaPlan } from '../../src/kmip/crypto/rsa.js';
import { child, enm, int, read, struct, testEngine, text, uidIn } from '../helpers/kmip.js';
import { createClientAndServer, type TestKmip } from '../../src/testing/index.js';
import { CryptographicFailureError, connect, type KmipClient } from '../../src/client/index.js';

const V21 = [2, 1] as const;
const V20 = [2, 0] as const;
const V14 = [1, 4] as const;
type V = typeof V21 | typeof V20 | typeof V14;
type Engine = Awaited<ReturnType<typeof testEngine>>;

const attr1x = (name: string, value: TtlvItem) => struct(Tag.Attribute, [text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);

interface Oaep {
  padding?: number;
  hash?: number;
  mgf1?: number;
  label?: Uint8Array;
  algorithm?: number;
}
const params = (p: Oaep): TtlvItem =>
  struct(Tag.CryptographicParameters, [
    p.padding !== undefined ? enm(Tag.PaddingMethod, p.padding) : undefined,
    p.hash !== undefined ? enm(Tag.HashingAlgorithm, p.hash) : undefined,
    p.algorithm !== undefined ? enm(Tag.CryptographicAlgorithm, p.algorithm) : undefined,
    p.mgf1 !== undefined ? enm(Tag.MaskGenerator, MaskGenerator.MGF1) : undefined,
    p.mgf1 !== undefined ? enm(Tag.MaskGeneratorHashingAlgorithm, p.mgf1) : undefined,
    p.label !== undefined ? bytes(Tag.PSource, p.label) : undefined,
  ]);

interface RegOpts {
  mask?: number;
  keyParams?: Oaep;
  activate?: boolean;
}

/** Registers one half of an RSA (or other) key pair from DER; Active unless told otherwise. */
async function register(e: Engine, v: V, type: number, der: Uint8Array, format: number, opts: RegOpts = {}, algorithm: number = Alg.RSA, bits = 2048): Promise<string> {
  const mask = opts.mask ?? (type === ObjectType.PublicKey ? Mask.Encrypt : Mask.Decrypt);
  const body = struct(type === ObjectType.PublicKey ? Tag.PublicKey : Tag.PrivateKey, [
    struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, format),
      struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, Uint8Array.from(der))]),
      enm(Tag.CryptographicAlgorithm, algorithm),
      int(Tag.CryptographicLength, bits),
    ]),
  ]);
  const attrs =
    v[0] === 1
      ? struct(Tag.TemplateAttribute, [attr1x('Cryptographic Usage Mask', int(0, mask)), ...(opts.keyParams ? [attr1x('Cryptographic Parameters', params(opts.keyParams))] : [])])
      : struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, mask), ...(opts.keyParams ? [params(opts.keyParams)] : [])]);
  const uid = uidIn(await e.ok(v, Op.Register, [enm(Tag.ObjectType, type), attrs, body]));
  if (opts.activate ?? true) await e.ok(v, Op.Activate, [text(Tag.UniqueIdentifier, uid)]);
  return uid;
}

const req = (uid: string, data: Uint8Array, p?: Oaep, extra: TtlvItem[] = []): TtlvItem[] =>
  [text(Tag.UniqueIdentifier, uid), p ? params(p) : undefined, bytes(Tag.Data, data), ...extra].filter((x): x is TtlvItem => x !== undefined);

async function encrypt(e: Engine, v: V, uid: string, data: Uint8Array, p?: Oaep): Promise<Buffer> {
  const out = await e.ok(v, Op.Encrypt, req(uid, data, p));
  expect(read.text(child(out, Tag.UniqueIdentifier))).toBe(uid);
  expect(child(out, Tag.IVCounterNonce)).toBeUndefined();
  return Buffer.from(read.bytes(child(out, Tag.Data))!);
}
async function decrypt(e: Engine, v: V, uid: string, data: Uint8Array, p?: Oaep): Promise<Buffer> {
  return Buffer.from(read.bytes(child(await e.ok(v, Op.Decrypt, req(uid, data, p)), Tag.Data))!);
}
async function failure(e: Engine, v: V, op: number, payload: TtlvItem[]) {
  const it = (await e.send(v, [{ op, payload }])).items[0];
  expect(it.status).toBe(RS.OperationFailed);
  return { reason: it.reason, message: it.message };
}

const NODE_HASH: Record<number, string> = { [Hash.SHA_1]: 'sha1', [Hash.SHA_256]: 'sha256', [Hash.SHA_384]: 'sha384', [Hash.SHA_512]: 'sha512' };

let pub: KeyObject;
let priv: KeyObject;
let pubDer: Buffer;
let privDer: Buffer;
beforeAll(() => {
  ({ publicKey: pub, privateKey: priv } = generateKeyPairSync('rsa', { modulusLength: 2048 }));
  pubDer = pub.export({ format: 'der', type: 'spki' });
  privDer = priv.export({ format: 'der', type: 'pkcs1' });
});

const MESSAGE = Buffer.from('a public test message for RSA encryption');
const LABEL = Buffer.from('a label');

interface Case {
  label: string;
  p: Oaep;
  /** node:crypto can do it (one hash for OAEP and MGF1). */
  node: boolean;
}
const OAEP_CASES: Case[] = [
  { label: 'OAEP with the defaults (SHA-1, MGF1-SHA-1, empty label)', p: { padding: PaddingMethod.OAEP }, node: true },
  { label: 'OAEP SHA-256 / MGF1-SHA-256', p: { padding: PaddingMethod.OAEP, hash: Hash.SHA_256, mgf1: Hash.SHA_256 }, node: true },
  { label: 'OAEP SHA-256 / MGF1-SHA-256 with a label', p: { padding: PaddingMethod.OAEP, hash: Hash.SHA_256, mgf1: Hash.SHA_256, label: LABEL }, node: true },
  { label: 'OAEP SHA-512 / MGF1-SHA-512', p: { padding: PaddingMethod.OAEP, hash: Hash.SHA_512, mgf1: Hash.SHA_512, algorithm: Alg.RSA }, node: true },
  { label: 'OAEP SHA-384 / MGF1-SHA-256 with a label (encoded here, not by OpenSSL)', p: { padding: PaddingMethod.OAEP, hash: Hash.SHA_384, mgf1: Hash.SHA_256, label: LABEL }, node: false },
];

const nodeOaep = (p: Oaep) => ({ padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: NODE_HASH[p.hash ?? Hash.SHA_1], ...(p.label ? { oaepLabel: p.label } : {}) });

for (const v of [V14, V21] as const) describe(`RSA OAEP at KMIP ${v.join('.')}`, () => {
  for (const c of OAEP_CASES) {
    it(`${c.label}: round trip, and node:crypto agrees both ways`, async () => {
      const e = await testEngine();
      const pubUid = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509);
      const privUid = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1);
      const ct = await encrypt(e, v, pubUid, MESSAGE, c.p);
      expect(ct.length).toBe(256);
      // Randomized: the same message encrypts differently each time.
      expect((await encrypt(e, v, pubUid, MESSAGE, c.p)).equals(ct)).toBe(false);
      expect((await decrypt(e, v, privUid, ct, c.p)).equals(MESSAGE)).toBe(true);
      if (c.node) {
        expect(privateDecrypt({ key: priv, ...nodeOaep(c.p) }, ct).equals(MESSAGE)).toBe(true);
        const theirs = publicEncrypt({ key: pub, ...nodeOaep(c.p) }, MESSAGE);
        expect((await decrypt(e, v, privUid, theirs, c.p)).equals(MESSAGE)).toBe(true);
      }
      // The empty message and the longest one (k - 2h - 2 bytes).
      const h = { [Hash.SHA_1]: 20, [Hash.SHA_256]: 32, [Hash.SHA_384]: 48, [Hash.SHA_512]: 64 }[c.p.hash ?? Hash.SHA_1]!;
      for (const m of [Buffer.alloc(0), randomBytes(256 - 2 * h - 2)]) {
        expect((await decrypt(e, v, privUid, await encrypt(e, v, pubUid, m, c.p), c.p)).equals(m)).toBe(true);
      }
      const tooLong = await failure(e, v, Op.Encrypt, req(pubUid, randomBytes(256 - 2 * h - 1), c.p));
      expect(tooLong.reason).toBe(RR.InvalidField);
      expect(tooLong.message).toContain(`at most ${256 - 2 * h - 2} bytes`);
    });
  }

  it('parameters come from the key\'s Cryptographic Parameters unless the request gives its own', async () => {
    const e = await testEngine();
    const p: Oaep = { padding: PaddingMethod.OAEP, hash: Hash.SHA_256, mgf1: Hash.SHA_256, label: LABEL };
    const pubUid = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509, { keyParams: p });
    const privUid = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1, { keyParams: p });
    const ct = await encrypt(e, v, pubUid, MESSAGE);
    expect(privateDecrypt({ key: priv, ...nodeOaep(p) }, ct).equals(MESSAGE)).toBe(true);
    expect((await decrypt(e, v, privUid, ct)).equals(MESSAGE)).toBe(true);
    // The request's parameters replace the key's (here: SHA-1 defaults, no label).
    const sha1 = await encrypt(e, v, pubUid, MESSAGE, { padding: PaddingMethod.OAEP });
    expect(privateDecrypt({ key: priv, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, sha1).equals(MESSAGE)).toBe(true);
    expect((await decrypt(e, v, privUid, sha1, { padding: PaddingMethod.OAEP })).equals(MESSAGE)).toBe(true);
    // A PKCS#1 (RSAPublicKey) public key works as well as X.509.
    const pkcs1Pub = await register(e, v, ObjectType.PublicKey, pub.export({ format: 'der', type: 'pkcs1' }), KeyFormatType.PKCS_1, { keyParams: p });
    expect(privateDecrypt({ key: priv, ...nodeOaep(p) }, await encrypt(e, v, pkcs1Pub, MESSAGE)).equals(MESSAGE)).toBe(true);
  });

  it('every bad ciphertext gets the same answer: Cryptographic Failure, one message', async () => {
    const e = await testEngine();
    const privUid = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1);
    const answers = new Set<string>();
    for (const c of OAEP_CASES) {
      const good = publicEncryptAny(c.p, MESSAGE);
      const flipped = Buffer.from(good);
      flipped[100] ^= 0x01;
      const wrongLabel = publicEncryptAny({ ...c.p, label: Buffer.from('another label') }, MESSAGE);
      const wrongHash = publicEncryptAny({ ...c.p, hash: c.p.hash === Hash.SHA_512 ? Hash.SHA_256 : Hash.SHA_512, mgf1: c.p.hash === Hash.SHA_512 ? Hash.SHA_256 : Hash.SHA_512 }, MESSAGE);
      const bad = [flipped, wrongLabel, wrongHash, good.subarray(0, 255), Buffer.concat([good, Buffer.alloc(1)]), Buffer.alloc(256, 0xff), Buffer.alloc(256), Buffer.alloc(0)];
      for (const ct of bad) {
        const f = await failure(e, v, Op.Decrypt, req(privUid, ct, c.p));
        expect(f.reason).toBe(RR.CryptographicFailure);
        answers.add(f.message ?? '');
      }
      expect((await decrypt(e, v, privUid, good, c.p)).equals(MESSAGE)).toBe(true);
    }
    expect([...answers]).toEqual(['decryption failed']);
  });
});

/** OAEP encryption under the test key with any hashes: node:crypto when it can, else the module's encoder over raw RSA. */
function publicEncryptAny(p: Oaep, msg: Uint8Array): Buffer {
  if ((p.hash ?? Hash.SHA_1) === (p.mgf1 ?? Hash.SHA_1)) return publicEncrypt({ key: pub, ...nodeOaep(p) }, msg);
  const plan = rsaPlan(params(p)) as Extract<RsaPlan, { padding: 'oaep' }>;
  return publicEncrypt({ key: pub, padding: constants.RSA_NO_PADDING }, oaepEncode(256, plan, msg));
}

describe('the EME-OAEP coder used when the MGF1 hash differs', () => {
  it('agrees with OpenSSL when the hashes are the same, both ways', () => {
    for (const p of [{ padding: PaddingMethod.OAEP }, { padding: PaddingMethod.OAEP, hash: Hash.SHA_256, mgf1: Hash.SHA_256, label: LABEL }] as Oaep[]) {
      const plan = rsaPlan(params(p)) as Extract<RsaPlan, { padding: 'oaep' }>;
      for (const m of [Buffer.alloc(0), MESSAGE, randomBytes(256 - 2 * plan.hashBytes - 2)]) {
        const ours = publicEncrypt({ key: pub, padding: constants.RSA_NO_PADDING }, oaepEncode(256, plan, m));
        expect(privateDecrypt({ key: priv, ...nodeOaep(p) }, ours).equals(m)).toBe(true);
        const theirs = publicEncrypt({ key: pub, ...nodeOaep(p) }, m);
        expect(oaepDecode(256, plan, privateDecrypt({ key: priv, padding: constants.RSA_NO_PADDING }, theirs)).equals(m)).toBe(true);
      }
    }
  });

  it('refuses every malformed encoding with one error', () => {
    const plan = rsaPlan(params({ padding: PaddingMethod.OAEP, hash: Hash.SHA_384, mgf1: Hash.SHA_256 })) as Extract<RsaPlan, { padding: 'oaep' }>;
    const em = oaepEncode(256, plan, MESSAGE);
    expect(oaepDecode(256, plan, em).equals(MESSAGE)).toBe(true);
    const variants: Buffer[] = [];
    const first = Buffer.from(em);
    first[0] = 1;
    variants.push(first);
    for (const i of [1, 60, 100, 255]) {
      const b = Buffer.from(em);
      b[i] ^= 0x80;
      variants.push(b);
    }
    variants.push(Buffer.alloc(256), em.subarray(1));
    for (const b of variants) expect(() => oaepDecode(256, plan, b)).toThrow(/^decryption failed$/);
  });
});

describe('RSA OAEP: the OASIS CS-AC-M-OAEP vectors', () => {
  const dir = join(import.meta.dirname, '../../testdata/kmip-testcases/v1.4/profiles/mandatory');
  const read1 = (n: number) => readFileSync(join(dir, `CS-AC-M-OAEP-${n}-14.xml`), 'utf8');
  const fieldsOf = (xml: string) => {
    const e = (tag: string): string | undefined => new RegExp(`<${tag} type="Enumeration" value="(\\w+)"/>`).exec(xml)?.[1];
    const hashOf = (name?: string) => (name === undefined ? undefined : (Hash as Record<string, number>)[name]);
    const label = /<PSource type="ByteString" value="([0-9a-f]+)"\/>/.exec(xml)?.[1];
    return {
      der: Buffer.from(/<KeyMaterial type="ByteString" value="([0-9a-f]+)"\/>/.exec(xml)![1], 'hex'),
      data: [...xml.matchAll(/<Data type="ByteString" value="([0-9a-f]+)"\/>/g)].map((m) => Buffer.from(m[1], 'hex')),
      p: { padding: PaddingMethod.OAEP, hash: hashOf(e('HashingAlgorithm')), mgf1: hashOf(e('MaskGeneratorHashingAlgorithm')), label: label ? Buffer.from(label, 'hex') : undefined } as Oaep,
    };
  };
  for (const [enc, dec] of [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]] as const) {
    it(`OAEP-${dec} decrypts the reference ciphertext; what the server encrypts under OAEP-${enc}'s key decrypts with OAEP-${dec}'s`, async () => {
      const e = await testEngine();
      const E = fieldsOf(read1(enc));
      const D = fieldsOf(read1(dec));
      expect(E.p).toEqual(D.p);
      const pubUid = await register(e, V21, ObjectType.PublicKey, E.der, KeyFormatType.X_509, { keyParams: E.p });
      const privUid = await register(e, V21, ObjectType.PrivateKey, D.der, KeyFormatType.PKCS_1, { keyParams: D.p });
      const [plaintext, reference] = E.data;
      expect(D.data).toEqual([reference, plaintext]);
      expect((await decrypt(e, V21, privUid, reference)).equals(plaintext)).toBe(true);
      const ours = await encrypt(e, V21, pubUid, plaintext);
      expect(ours.equals(reference)).toBe(false);
      expect((await decrypt(e, V21, privUid, ours)).equals(plaintext)).toBe(true);
      if (E.p.hash === E.p.mgf1) {
        const key = createPrivateKey({ key: D.der, format: 'der', type: 'pkcs1' });
        expect(privateDecrypt({ key, ...nodeOaep(E.p) }, ours).equals(plaintext)).toBe(true);
      }
    });
  }
});

interface IrVectors {
  groups: { name: string; privateKeyPkcs8Pem: string; cases: { id: string; padding: string; ciphertext: string; message: string }[] }[];
}
const IR = JSON.parse(readFileSync(new URL('../vectors/rsa-pkcs1-implicit-rejection.json', import.meta.url), 'utf8')) as IrVectors;

describe('RSA PKCS#1 v1.5', () => {
  it('encrypts (checked by opening the RSA block) and decrypts what it and node:crypto encrypt', async () => {
    const e = await testEngine();
    const p: Oaep = { padding: PaddingMethod.PKCS1V1_5 };
    const pubUid = await register(e, V21, ObjectType.PublicKey, pubDer, KeyFormatType.X_509);
    const privUid = await register(e, V21, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1);
    for (const m of [MESSAGE, Buffer.alloc(0), randomBytes(1), randomBytes(245)]) {
      const ct = await encrypt(e, V21, pubUid, m, p);
      // EM = 00 02 PS (at least 8 non-zero bytes) 00 M (RFC 8017 §7.2.1).
      const em = privateDecrypt({ key: priv, padding: constants.RSA_NO_PADDING }, ct);
      expect([em[0], em[1]]).toEqual([0, 2]);
      const sep = em.indexOf(0, 2);
      expect(sep).toBe(256 - m.length - 1);
      expect(sep - 2).toBeGreaterThanOrEqual(8);
      expect(em.subarray(sep + 1).equals(m)).toBe(true);
      expect((await decrypt(e, V21, privUid, ct, p)).equals(m)).toBe(true);
      const byNode = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, m);
      expect((await decrypt(e, V21, privUid, byNode, p)).equals(m)).toBe(true);
    }
    const tooLong = await failure(e, V21, Op.Encrypt, req(pubUid, randomBytes(246), p));
    expect(tooLong.reason).toBe(RR.InvalidField);
    expect(tooLong.message).toContain('at most 245 bytes');
  });

  for (const v of [V14, V21] as const) it(`KMIP ${v.join('.')}: a tampered ciphertext decrypts with Success to a synthetic message, the same each time`, async () => {
    const e = await testEngine();
    const p: Oaep = { padding: PaddingMethod.PKCS1V1_5 };
    const pubUid = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509);
    const privUid = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1, { keyParams: p });
    const ct = await encrypt(e, v, pubUid, MESSAGE, p);
    // No Cryptographic Parameters in the Decrypt request: the key's (PKCS#1 v1.5) apply.
    expect((await decrypt(e, v, privUid, ct)).equals(MESSAGE)).toBe(true);
    // Tampered copies whose raw decryption (checked here with node:crypto) really is badly padded.
    const wellPadded = (c: Buffer): boolean => {
      const em = privateDecrypt({ key: priv, padding: constants.RSA_NO_PADDING }, c);
      return em[0] === 0 && em[1] === 2 && em.indexOf(0, 2) >= 10;
    };
    const tampered: Buffer[] = [];
    for (let i = 1; tampered.length < 4; i++) {
      const t = Buffer.from(ct);
      t[i * 37] ^= 0x01;
      if (!wellPadded(t)) tampered.push(t);
    }
    const first = await decrypt(e, v, privUid, tampered[0]);
    const second = await decrypt(e, v, privUid, tampered[0], p);
    expect(first.equals(MESSAGE)).toBe(false);
    expect(first.length).toBeLessThanOrEqual(245);
    expect(second.equals(first)).toBe(true);
    // Other tampered ciphertexts: other synthetic messages (all four alike would be a 2^-30 event).
    const others = await Promise.all(tampered.map((t) => decrypt(e, v, privUid, t)));
    expect(new Set(others.map((o) => o.toString('hex'))).size).toBeGreaterThan(1);
  });

  it('only public defects fail: a wrong length or a value not below the modulus, one answer', async () => {
    const e = await testEngine();
    const p: Oaep = { padding: PaddingMethod.PKCS1V1_5 };
    const privUid = await register(e, V21, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1);
    const answers: { reason?: number; message?: string }[] = [];
    const good = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, MESSAGE);
    for (const ct of [Buffer.alloc(3), good.subarray(1), Buffer.concat([good, Buffer.alloc(1)]), Buffer.alloc(256, 0xff)]) {
      answers.push(await failure(e, V21, Op.Decrypt, req(privUid, ct, p)));
    }
    expect(answers[0].reason).toBe(RR.CryptographicFailure);
    expect(answers.every((a) => a.reason === answers[0].reason && a.message === answers[0].message)).toBe(true);
    // A random ciphertext below the modulus, like any other, decrypts.
    const n = BigInt('0x' + Buffer.from((priv.export({ format: 'jwk' }) as { n: string }).n, 'base64url').toString('hex'));
    const below = Buffer.from((n - 12345n).toString(16).padStart(512, '0'), 'hex');
    expect((await decrypt(e, V21, privUid, below, p)).length).toBeLessThanOrEqual(245);
  });

  it('the draft-irtf-cfrg-rsa-guidance Appendix B vectors, good and bad padding, through the server', async () => {
    const e = await testEngine();
    const p: Oaep = { padding: PaddingMethod.PKCS1V1_5 };
    const groups = IR.groups.filter((g) => g.name.startsWith('draft-'));
    expect(groups.map((g) => g.name)).toEqual(['draft-B.1', 'draft-B.2']);
    for (const g of groups) {
      const key = createPrivateKey(g.privateKeyPkcs8Pem);
      const bits = key.asymmetricKeyDetails!.modulusLength!;
      const uid = await register(e, V21, ObjectType.PrivateKey, key.export({ format: 'der', type: 'pkcs8' }), KeyFormatType.PKCS_8, {}, Alg.RSA, bits);
      for (const c of g.cases) {
        expect((await decrypt(e, V21, uid, Buffer.from(c.ciphertext, 'hex'), p)).toString('hex'), `${g.name} ${c.id}`).toBe(c.message);
      }
    }
  });
});

for (const v of [V14, V20, V21] as const) describe(`RSA Encrypt / Decrypt refusals at KMIP ${v.join('.')}`, () => {
  const two = v[0] === 2;
  const p: Oaep = { padding: PaddingMethod.OAEP, hash: Hash.SHA_256, mgf1: Hash.SHA_256 };
  // src/kmip/ops/usable.ts: the convention shared with Sign and Signature Verify.
  const typeReason = two ? RR.InvalidObjectType : RR.PermissionDenied;
  const maskReason = two ? RR.IncompatibleCryptographicUsageMask : RR.PermissionDenied;
  const stateReason = v[1] === 1 && two ? RR.WrongKeyLifecycleState : RR.PermissionDenied;

  it('object type and usage mask: Encrypt with a Public Key that has Encrypt, Decrypt with a Private Key that has Decrypt', async () => {
    const e = await testEngine();
    const pubUid = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509);
    const privUid = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1);
    const ct = await encrypt(e, v, pubUid, MESSAGE, p);
    expect((await failure(e, v, Op.Encrypt, req(privUid, MESSAGE, p))).reason).toBe(typeReason);
    expect((await failure(e, v, Op.Decrypt, req(pubUid, ct, p))).reason).toBe(typeReason);
    const pubNoEnc = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509, { mask: Mask.Verify });
    const privNoDec = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1, { mask: Mask.Sign });
    expect((await failure(e, v, Op.Encrypt, req(pubNoEnc, MESSAGE, p))).reason).toBe(maskReason);
    expect((await failure(e, v, Op.Decrypt, req(privNoDec, ct, p))).reason).toBe(maskReason);
  });

  it('states: Pre-Active neither; Deactivated and Compromised decrypt only; Destroyed: no key value', async () => {
    const e = await testEngine();
    const preDer = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509, { activate: false });
    const prePriv = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1, { activate: false });
    const ct = publicEncrypt({ key: pub, ...nodeOaep(p) }, MESSAGE);
    expect((await failure(e, v, Op.Encrypt, req(preDer, MESSAGE, p))).reason).toBe(stateReason);
    expect((await failure(e, v, Op.Decrypt, req(prePriv, ct, p))).reason).toBe(stateReason);
    for (const code of [RevocationReasonCode.CessationOfOperation, RevocationReasonCode.KeyCompromise]) {
      const pubUid = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509);
      const privUid = await register(e, v, ObjectType.PrivateKey, privDer, KeyFormatType.PKCS_1);
      for (const uid of [pubUid, privUid]) {
        await e.ok(v, Op.Revoke, [
          text(Tag.UniqueIdentifier, uid),
          struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, code)]),
          ...(code === RevocationReasonCode.KeyCompromise ? [{ tag: Tag.CompromiseOccurrenceDate, type: 0x09, value: 0n } as TtlvItem] : []),
        ]);
      }
      expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE, p))).reason).toBe(stateReason);
      expect((await decrypt(e, v, privUid, ct, p)).equals(MESSAGE)).toBe(true);
      await e.ok(v, Op.Destroy, [text(Tag.UniqueIdentifier, privUid)]);
      expect((await failure(e, v, Op.Decrypt, req(privUid, ct, p))).reason).toBe(RR.KeyValueNotPresent);
    }
  });

  it('parameters: a Padding Method is needed; RSA takes no IV; raw RSA and other algorithms are not offered', async () => {
    const e = await testEngine();
    const badParams = two ? RR.BadCryptographicParameters : RR.InvalidField;
    const pubUid = await register(e, v, ObjectType.PublicKey, pubDer, KeyFormatType.X_509);
    expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE))).reason).toBe(badParams);
    expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE, { hash: Hash.SHA_256 }))).reason).toBe(badParams);
    expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE, { ...p, algorithm: Alg.AES }))).reason).toBe(badParams);
    expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE, { padding: PaddingMethod.PSS }))).reason).toBe(badParams);
    expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE, p, [bytes(Tag.IVCounterNonce, Buffer.alloc(16))]))).reason).toBe(badParams);
    expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE, { padding: PaddingMethod.None }))).reason).toBe(RR.FeatureNotSupported);
    expect((await failure(e, v, Op.Encrypt, req(pubUid, MESSAGE, { ...p, hash: Hash.MD5 }))).reason).toBe(RR.FeatureNotSupported);
    expect((await failure(e, v, Op.Encrypt, [text(Tag.UniqueIdentifier, pubUid), params(p)])).reason).toBe(RR.InvalidField);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'der', type: 'spki' });
    const ecUid = await register(e, v, ObjectType.PublicKey, ec, KeyFormatType.X_509, {}, Alg.EC, 256);
    expect((await failure(e, v, Op.Encrypt, req(ecUid, MESSAGE, p))).reason).toBe(RR.FeatureNotSupported);
  });
});

describe('a pair the server generates', () => {
  it('Create Key Pair, Encrypt with the public key; node:crypto decrypts with the private key from Get, and the server decrypts node\'s ciphertext', async () => {
    const e = await testEngine();
    const out = await e.ok(V21, Op.CreateKeyPair, [
      struct(Tag.CommonAttributes, [enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, 2048)]),
      struct(Tag.PrivateKeyAttributes, [int(Tag.CryptographicUsageMask, Mask.Decrypt)]),
      struct(Tag.PublicKeyAttributes, [int(Tag.CryptographicUsageMask, Mask.Encrypt)]),
    ]);
    const privUid = read.text(child(out, Tag.PrivateKeyUniqueIdentifier))!;
    const pubUid = read.text(child(out, Tag.PublicKeyUniqueIdentifier))!;
    for (const uid of [privUid, pubUid]) await e.ok(V21, Op.Activate, [text(Tag.UniqueIdentifier, uid)]);
    const got = await e.ok(V21, Op.Get, [text(Tag.UniqueIdentifier, privUid), enm(Tag.KeyFormatType, KeyFormatType.PKCS_8)]);
    const der = read.bytes(child(child(child(child(got, Tag.PrivateKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!;
    const key = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
    const p: Oaep = { padding: PaddingMethod.OAEP, hash: Hash.SHA_256, mgf1: Hash.SHA_256, label: LABEL };
    const ct = await encrypt(e, V21, pubUid, MESSAGE, p);
    expect(privateDecrypt({ key, ...nodeOaep(p) }, ct).equals(MESSAGE)).toBe(true);
    const theirs = publicEncrypt({ key, ...nodeOaep(p) }, MESSAGE);
    expect((await decrypt(e, V21, privUid, theirs, p)).equals(MESSAGE)).toBe(true);
  });
});

for (const version of ['2.1', '1.4'] as const) describe(`KmipClient against the server over TLS, KMIP ${version}`, () => {
  let kmip: TestKmip;
  let client: KmipClient;
  beforeAll(async () => {
    kmip = await createClientAndServer();
    client = await connect({ servers: [kmip.server.address], tls: kmip.tls, version });
  });
  afterAll(async () => {
    await client?.close();
    await kmip?.close();
  });

  it('OAEP SHA-384 / MGF1-SHA-256 with a label round trip, a bad OAEP ciphertext refused; PKCS#1 v1.5 round trip and implicit rejection', async () => {
    const pair = await client.createKeyPair({
      common: { cryptographicAlgorithm: 'RSA', cryptographicLength: 2048 },
      privateKey: { cryptographicUsageMask: ['Decrypt'] },
      publicKey: { cryptographicUsageMask: ['Encrypt'] },
    });
    await client.activate(pair.privateKeyUniqueIdentifier);
    await client.activate(pair.publicKeyUniqueIdentifier);
    const cryptographicParameters = { paddingMethod: 'OAEP', hashingAlgorithm: 'SHA_384', maskGenerator: 'MGF1', maskGeneratorHashingAlgorithm: 'SHA_256', pSource: LABEL };
    const enc = await client.encrypt(pair.publicKeyUniqueIdentifier, MESSAGE, { cryptographicParameters });
    expect(enc.data.length).toBe(256);
    const dec = await client.decrypt(pair.privateKeyUniqueIdentifier, enc.data, { cryptographicParameters });
    expect(Buffer.from(dec.data).equals(MESSAGE)).toBe(true);
    const tampered = Uint8Array.from(enc.data);
    tampered[7] ^= 0x10;
    expect(await client.decrypt(pair.privateKeyUniqueIdentifier, tampered, { cryptographicParameters }).catch((x: unknown) => x)).toBeInstanceOf(CryptographicFailureError);
    const v15 = { paddingMethod: 'PKCS1V1_5' };
    const ct = await client.encrypt(pair.publicKeyUniqueIdentifier, MESSAGE, { cryptographicParameters: v15 });
    expect(Buffer.from((await client.decrypt(pair.privateKeyUniqueIdentifier, ct.data, { cryptographicParameters: v15 })).data).equals(MESSAGE)).toBe(true);
    const bad = Uint8Array.from(ct.data);
    bad[9] ^= 0x40;
    const synthetic = Buffer.from((await client.decrypt(pair.privateKeyUniqueIdentifier, bad, { cryptographicParameters: v15 })).data);
    expect(synthetic.equals(MESSAGE)).toBe(false);
    expect(Buffer.from((await client.decrypt(pair.privateKeyUniqueIdentifier, bad, { cryptographicParameters: v15 })).data).equals(synthetic)).toBe(true);
  });
});
