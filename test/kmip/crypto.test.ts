// Encrypt, Decrypt, MAC, MAC Verify, Hash and RNG Seed through the engine at KMIP 1.4 and 2.1: published
// known-answer vectors (NIST SP 800-38A, the GCM specification's test cases, RFC 8439, RFC 4231/2202,
// RFC 4493) with the vectors' own public keys registered; agreement with node:crypto on random data;
// the usage-mask and lifecycle-state rules; and bad input answered with the right Result Reason.
import { createCipheriv, createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import {
  BatchErrorContinuationOption, BlockCipherMode as Mode, CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, HashingAlgorithm as HashAlg, KeyFormatType, ObjectType,
  Operation as Op, PaddingMethod as Pad, ResultReason as RR, ResultStatus as RS, RevocationReasonCode, SecretDataType, State, Tag, ValidityIndicator,
} from '../../src/dict/index.js';
import type { TtlvItem } from '../../src/ttlv/index.js';
import { bool, bytes, date, long } from '../../src/kmip/items.js';
import { child, enm, int, read, struct, testEngine, text, uidIn } from '../helpers/kmip.js';
import { MultipartError, MultipartStore, type StreamState } from '../../src/kmip/crypto/multipart.js';
import { CipherStream, CmacStream, OFF_LOOP_BYTES, decrypt as symDecrypt, encrypt as symEncrypt } from '../../src/kmip/crypto/symmetric.js';
import { defaultCryptoBackend } from '../../src/crypto/backend.js';

const V21 = [2, 1] as const;
const V14 = [1, 4] as const;
type V = typeof V21 | typeof V14;
const VERSIONS: V[] = [V14, V21];
type Engine = Awaited<ReturnType<typeof testEngine>>;

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const attr1x = (name: string, value: TtlvItem) => struct(Tag.Attribute, [text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);

interface Params {
  mode?: number;
  padding?: number;
  hashing?: number;
  algorithm?: number;
  randomIv?: boolean;
  ivLength?: number;
  tagLength?: number;
  initialCounter?: number;
}
const params = (p: Params) =>
  struct(Tag.CryptographicParameters, [
    p.mode !== undefined ? enm(Tag.BlockCipherMode, p.mode) : undefined,
    p.padding !== undefined ? enm(Tag.PaddingMethod, p.padding) : undefined,
    p.hashing !== undefined ? enm(Tag.HashingAlgorithm, p.hashing) : undefined,
    p.algorithm !== undefined ? enm(Tag.CryptographicAlgorithm, p.algorithm) : undefined,
    p.randomIv !== undefined ? bool(Tag.RandomIV, p.randomIv) : undefined,
    p.ivLength !== undefined ? int(Tag.IVLength, p.ivLength) : undefined,
    p.tagLength !== undefined ? int(Tag.TagLength, p.tagLength) : undefined,
    p.initialCounter !== undefined ? int(Tag.InitialCounterValue, p.initialCounter) : undefined,
  ]);

interface KeyOpts {
  mask?: number;
  activate?: boolean;
  keyParams?: Params;
  /** More attributes, by name and 2.x item. */
  attrs?: [string, TtlvItem][];
  /** The Key Block's Cryptographic Length (default: the material's bits; null: left out). */
  lengthBits?: number | null;
}

/** Registers a Symmetric Key (Raw) with the given material; Active unless told otherwise. */
async function key(e: Engine, v: V, material: Uint8Array, algorithm: number, opts: KeyOpts = {}): Promise<string> {
  const mask = opts.mask ?? Mask.Encrypt | Mask.Decrypt | Mask.MACGenerate | Mask.MACVerify;
  const body = struct(Tag.SymmetricKey, [
    struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, KeyFormatType.Raw),
      struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, Uint8Array.from(material))]),
      enm(Tag.CryptographicAlgorithm, algorithm),
      opts.lengthBits === null ? undefined : int(Tag.CryptographicLength, opts.lengthBits ?? material.length * 8),
    ]),
  ]);
  const attrs =
    v[0] === 1
      ? struct(Tag.TemplateAttribute, [
          attr1x('Cryptographic Usage Mask', int(0, mask)),
          ...(opts.keyParams ? [attr1x('Cryptographic Parameters', params(opts.keyParams))] : []),
          ...(opts.attrs ?? []).map(([n, item]) => attr1x(n, item)),
        ])
      : struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, mask), ...(opts.keyParams ? [params(opts.keyParams)] : []), ...(opts.attrs ?? []).map(([, item]) => item)]);
  const uid = uidIn(await e.ok(v, Op.Register, [enm(Tag.ObjectType, ObjectType.SymmetricKey), attrs, body]));
  if (opts.activate ?? true) await e.ok(v, Op.Activate, [text(Tag.UniqueIdentifier, uid)]);
  return uid;
}

interface CryptoReq {
  p?: Params;
  data?: Uint8Array;
  iv?: Uint8Array;
  aad?: Uint8Array;
  tag?: Uint8Array;
  macData?: Uint8Array;
  extra?: TtlvItem[];
}
const payload = (uid: string | undefined, r: CryptoReq): TtlvItem[] =>
  [
    uid !== undefined ? text(Tag.UniqueIdentifier, uid) : undefined,
    r.p ? params(r.p) : undefined,
    r.data ? bytes(Tag.Data, r.data) : undefined,
    r.iv ? bytes(Tag.IVCounterNonce, r.iv) : undefined,
    r.aad ? bytes(Tag.AuthenticatedEncryptionAdditionalData, r.aad) : undefined,
    r.tag ? bytes(Tag.AuthenticatedEncryptionTag, r.tag) : undefined,
    r.macData ? bytes(Tag.MACData, r.macData) : undefined,
    ...(r.extra ?? []),
  ].filter((x): x is TtlvItem => x !== undefined);

async function encrypt(e: Engine, v: V, uid: string, r: CryptoReq) {
  const p = await e.ok(v, Op.Encrypt, payload(uid, r));
  expect(read.text(child(p, Tag.UniqueIdentifier))).toBe(uid);
  return {
    data: Buffer.from(read.bytes(child(p, Tag.Data))!),
    iv: read.bytes(child(p, Tag.IVCounterNonce)),
    tag: read.bytes(child(p, Tag.AuthenticatedEncryptionTag)),
  };
}
const decrypt = async (e: Engine, v: V, uid: string, r: CryptoReq) => Buffer.from(read.bytes(child(await e.ok(v, Op.Decrypt, payload(uid, r)), Tag.Data))!);
const mac = async (e: Engine, v: V, uid: string, r: CryptoReq) => Buffer.from(read.bytes(child(await e.ok(v, Op.MAC, payload(uid, r)), Tag.MACData))!);
const macVerify = async (e: Engine, v: V, uid: string, r: CryptoReq) => read.enum(child(await e.ok(v, Op.MACVerify, payload(uid, r)), Tag.ValidityIndicator));
/** The Result Reason of one operation that must fail. */
async function reason(e: Engine, v: V, op: number, p: TtlvItem[], principal = 'alice'): Promise<number | undefined> {
  const r = (await e.send(v, [{ op, payload: p }], [], principal)).items[0];
  expect(r.status, `operation ${op} should fail`).toBe(RS.OperationFailed);
  return r.reason;
}

// NIST SP 800-38A appendix F: the four-block plaintext and the published keys, IVs and ciphertexts.
const SP800_38A_PT = hex('6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710');
const K128 = hex('2b7e151628aed2a6abf7158809cf4f3c');
const K256 = hex('603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4');
const SP800_38A: { name: string; key: Buffer; mode: number; iv?: Buffer; ct: Buffer }[] = [
  { name: 'F.1.1 ECB-AES128', key: K128, mode: Mode.ECB, ct: hex('3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4') },
  { name: 'F.2.1 CBC-AES128', key: K128, mode: Mode.CBC, iv: hex('000102030405060708090a0b0c0d0e0f'), ct: hex('7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7') },
  { name: 'F.2.5 CBC-AES256', key: K256, mode: Mode.CBC, iv: hex('000102030405060708090a0b0c0d0e0f'), ct: hex('f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b') },
  { name: 'F.5.1 CTR-AES128', key: K128, mode: Mode.CTR, iv: hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), ct: hex('874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee') },
  { name: 'F.5.5 CTR-AES256', key: K256, mode: Mode.CTR, iv: hex('f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff'), ct: hex('601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6') },
];

// The GCM specification (McGrew & Viega), test cases 2, 4 and 16.
const GCM_P = hex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
const GCM_A = hex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
const GCM_IV = hex('cafebabefacedbaddecaf888');
const GCM: { name: string; key: Buffer; iv: Buffer; p: Buffer; a?: Buffer; c: Buffer; t: Buffer }[] = [
  { name: 'TC2', key: Buffer.alloc(16), iv: Buffer.alloc(12), p: Buffer.alloc(16), c: hex('0388dace60b6a392f328c2b971b2fe78'), t: hex('ab6e47d42cec13bdf53a67b21257bddf') },
  { name: 'TC4', key: hex('feffe9928665731c6d6a8f9467308308'), iv: GCM_IV, p: GCM_P, a: GCM_A, c: hex('42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091'), t: hex('5bc94fbc3221a5db94fae95ae7121a47') },
  { name: 'TC16', key: hex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308'), iv: GCM_IV, p: GCM_P, a: GCM_A, c: hex('522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662'), t: hex('76fc6ece0f4e1768cddf8853bb2d551b') },
];

// RFC 8439 §2.4.2 (ChaCha20, counter 1) and §2.8.2 (AEAD_CHACHA20_POLY1305).
const SUNSCREEN = Buffer.from("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");

// RFC 2202 (HMAC-SHA1) and RFC 4231 test case 2: key "Jefe".
const JEFE = Buffer.from('Jefe');
const JEFE_DATA = Buffer.from('what do ya want for nothing?');
const HMAC_JEFE: [number, number, string][] = [
  [Alg.HMAC_SHA1, HashAlg.SHA_1, 'effcdf6ae5eb2fa2d27416d5f184df9c259a7c79'],
  [Alg.HMAC_SHA224, HashAlg.SHA_224, 'a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44'],
  [Alg.HMAC_SHA256, HashAlg.SHA_256, '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
  [Alg.HMAC_SHA384, HashAlg.SHA_384, 'af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649'],
  [Alg.HMAC_SHA512, HashAlg.SHA_512, '164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737'],
];

// RFC 4493 §4: AES-CMAC with the SP 800-38A key, messages of 0, 16, 40 and 64 bytes.
const CMAC: [number, string][] = [
  [0, 'bb1d6929e95937287fa37d129b756746'],
  [16, '070a16b46b4d4144f79bdd9dd04a287c'],
  [40, 'dfa66747de9ae63030ca32611497c827'],
  [64, '51f0bebf7e3b9d92fc49741779363cfe'],
];

for (const v of VERSIONS) describe(`known-answer vectors through the engine at KMIP ${v.join('.')}`, () => {
  it('NIST SP 800-38A: ECB, CBC and CTR (no padding) encrypt to the published ciphertext and decrypt back', async () => {
    const e = await testEngine();
    for (const t of SP800_38A) {
      const uid = await key(e, v, t.key, Alg.AES);
      const p: Params = { mode: t.mode, padding: t.mode === Mode.CTR ? undefined : Pad.None };
      const out = await encrypt(e, v, uid, { p, data: SP800_38A_PT, iv: t.iv });
      expect(out.data.toString('hex'), t.name).toBe(t.ct.toString('hex'));
      expect(out.iv, t.name).toBeUndefined(); // the client gave the IV: none comes back
      expect((await decrypt(e, v, uid, { p, data: t.ct, iv: t.iv })).toString('hex'), t.name).toBe(SP800_38A_PT.toString('hex'));
    }
  });

  it('GCM test cases 2, 4 and 16: ciphertext and tag; decrypt checks the tag', async () => {
    const e = await testEngine();
    for (const t of GCM) {
      const uid = await key(e, v, t.key, Alg.AES);
      const p: Params = { mode: Mode.GCM, tagLength: 16 };
      const out = await encrypt(e, v, uid, { p, data: t.p, iv: t.iv, aad: t.a });
      expect(out.data.toString('hex'), t.name).toBe(t.c.toString('hex'));
      expect(Buffer.from(out.tag!).toString('hex'), t.name).toBe(t.t.toString('hex'));
      expect((await decrypt(e, v, uid, { p, data: t.c, iv: t.iv, aad: t.a, tag: t.t })).equals(t.p), t.name).toBe(true);
      const badTag = Buffer.from(t.t);
      badTag[15] ^= 1;
      expect(await reason(e, v, Op.Decrypt, payload(uid, { p, data: t.c, iv: t.iv, aad: t.a, tag: badTag }))).toBe(RR.CryptographicFailure);
      if (t.a) {
        // The additional data is authenticated too.
        expect(await reason(e, v, Op.Decrypt, payload(uid, { p, data: t.c, iv: t.iv, aad: Buffer.from('other'), tag: t.t }))).toBe(RR.CryptographicFailure);
      }
    }
  });

  it('RFC 8439: ChaCha20 (Initial Counter Value 1) and ChaCha20-Poly1305', async () => {
    const e = await testEngine();
    const k1 = Buffer.from([...Array(32).keys()]);
    const chacha = await key(e, v, k1, Alg.ChaCha20);
    const out = await encrypt(e, v, chacha, { p: { initialCounter: 1 }, data: SUNSCREEN, iv: hex('000000000000004a00000000') });
    expect(out.data.subarray(0, 16).toString('hex')).toBe('6e2e359a2568f98041ba0728dd0d6981');
    expect((await decrypt(e, v, chacha, { p: { initialCounter: 1 }, data: out.data, iv: hex('000000000000004a00000000') })).equals(SUNSCREEN)).toBe(true);
    const k2 = Buffer.from([...Array(32).keys()].map((i) => 0x80 + i));
    const aead = await key(e, v, k2, Alg.ChaCha20Poly1305);
    const iv = hex('070000004041424344454647');
    const aad = hex('50515253c0c1c2c3c4c5c6c7');
    const sealed = await encrypt(e, v, aead, { data: SUNSCREEN, iv, aad });
    expect(sealed.data.subarray(0, 16).toString('hex')).toBe('d31a8d34648e60db7b86afbc53ef7ec2');
    expect(Buffer.from(sealed.tag!).toString('hex')).toBe('1ae10b594f09e26a7e902ecbd0600691');
    expect((await decrypt(e, v, aead, { data: sealed.data, iv, aad, tag: sealed.tag })).equals(SUNSCREEN)).toBe(true);
    // A truncated tag (Tag Length 12) is checked on its 12 bytes; Block Cipher Mode AEAD names the same cipher.
    const short = { mode: Mode.AEAD, tagLength: 12 };
    expect((await decrypt(e, v, aead, { p: short, data: sealed.data, iv, aad, tag: sealed.tag!.subarray(0, 12) })).equals(SUNSCREEN)).toBe(true);
    const wrong = Buffer.from(sealed.tag!.subarray(0, 12));
    wrong[0] ^= 0xff;
    expect(await reason(e, v, Op.Decrypt, payload(aead, { p: short, data: sealed.data, iv, aad, tag: wrong }))).toBe(RR.CryptographicFailure);
    // The original ChaCha20's 64-bit nonce (and 64-bit counter): all-zero key and nonce give the well-known keystream.
    const zero = await key(e, v, Buffer.alloc(32), Alg.ChaCha20);
    const ks = await encrypt(e, v, zero, { data: Buffer.alloc(64), iv: Buffer.alloc(8) });
    expect(ks.data.toString('hex')).toBe('76b8e0ada0f13d90405d6ae55386bd28bdd219b8a08ded1aa836efcc8b770dc7da41597c5157488d7724e03fb8d84a376a43b8f41518a11cc387b669b2ee6586');
  });

  it('GCM test case 5: a 64-bit IV is used as given when IV Length does not fix one', async () => {
    const e = await testEngine();
    const uid = await key(e, v, hex('feffe9928665731c6d6a8f9467308308'), Alg.AES);
    const out = await encrypt(e, v, uid, { p: { mode: Mode.GCM, tagLength: 16 }, data: GCM_P, iv: hex('cafebabefacedbad'), aad: GCM_A });
    expect(out.data.toString('hex')).toBe('61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c742373806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598');
    expect(Buffer.from(out.tag!).toString('hex')).toBe('3612d2e79e3b0785561be14aaca2fccb');
    // IV Length fixes it: then another length is refused.
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.GCM, ivLength: 96 }, data: GCM_P, iv: hex('cafebabefacedbad') }))).toBe(RR.InvalidField);
  });

  it('RFC 2202/4231 HMAC (by the key\'s algorithm, and by Cryptographic Parameters); MAC Verify says Valid and Invalid', async () => {
    const e = await testEngine();
    for (const [alg, hashing, expected] of HMAC_JEFE) {
      const uid = await key(e, v, JEFE, alg, { mask: Mask.MACGenerate | Mask.MACVerify });
      expect((await mac(e, v, uid, { data: JEFE_DATA })).toString('hex'), `alg ${alg}`).toBe(expected);
      expect((await mac(e, v, uid, { p: { algorithm: alg }, data: JEFE_DATA })).toString('hex')).toBe(expected);
      expect((await mac(e, v, uid, { p: { hashing }, data: JEFE_DATA })).toString('hex')).toBe(expected);
      expect(await macVerify(e, v, uid, { data: JEFE_DATA, macData: hex(expected) })).toBe(ValidityIndicator.Valid);
      const wrong = hex(expected);
      wrong[wrong.length - 1] ^= 1;
      expect(await macVerify(e, v, uid, { data: JEFE_DATA, macData: wrong })).toBe(ValidityIndicator.Invalid);
      expect(await macVerify(e, v, uid, { data: JEFE_DATA, macData: hex(expected).subarray(0, 8) })).toBe(ValidityIndicator.Invalid);
    }
    // RFC 4231 test case 1: an HMAC with an AES-typed key, the algorithm named in the request.
    const aesKey = await key(e, v, Buffer.alloc(20, 0x0b), Alg.HMAC_SHA512, { mask: Mask.MACGenerate });
    expect((await mac(e, v, aesKey, { p: { algorithm: Alg.HMAC_SHA256 }, data: Buffer.from('Hi There') })).toString('hex')).toBe('b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7');
  });

  it('RFC 4493 AES-CMAC (Block Cipher Mode CMAC) for messages of 0, 16, 40 and 64 bytes', async () => {
    const e = await testEngine();
    const uid = await key(e, v, K128, Alg.AES, { mask: Mask.MACGenerate | Mask.MACVerify });
    for (const [n, expected] of CMAC) {
      const data = SP800_38A_PT.subarray(0, n);
      expect((await mac(e, v, uid, { p: { mode: Mode.CMAC }, data })).toString('hex'), `${n} bytes`).toBe(expected);
      expect(await macVerify(e, v, uid, { p: { mode: Mode.CMAC }, data, macData: hex(expected) })).toBe(ValidityIndicator.Valid);
    }
  });

  it('Hash (FIPS 180 "abc") and RNG Seed (accepted, not used: Data Length 0)', async () => {
    const e = await testEngine();
    const h = await e.ok(v, Op.Hash, [params({ hashing: HashAlg.SHA_256 }), bytes(Tag.Data, Buffer.from('abc'))]);
    expect(Buffer.from(read.bytes(child(h, Tag.Data))!).toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const h3 = await e.ok(v, Op.Hash, [params({ hashing: HashAlg.SHA3_256 }), bytes(Tag.Data, Buffer.from('abc'))]);
    expect(Buffer.from(read.bytes(child(h3, Tag.Data))!)).toEqual(createHash('sha3-256').update('abc').digest());
    const seeded = await e.ok(v, Op.RNGSeed, [bytes(Tag.Data, Buffer.from('public test seed'))]);
    expect(read.int(child(seeded, Tag.DataLength))).toBe(0);
  });
});

describe('agreement with node:crypto on random data', () => {
  it('AES-128/192/256 in GCM, CBC (PKCS5 and none), CTR and ECB, at 1.4 and 2.1', async () => {
    const e = await testEngine();
    for (const v of VERSIONS) {
      for (const bits of [128, 192, 256]) {
        const k = randomBytes(bits / 8);
        const uid = await key(e, v, k, Alg.AES);
        for (let round = 0; round < 3; round++) {
          const len = randomInt(0, 100);
          const data = randomBytes(len);
          const aligned = randomBytes(16 * randomInt(1, 5));
          const cases: [string, Params, Buffer, Buffer | null][] = [
            ['cbc', { mode: Mode.CBC, padding: Pad.PKCS5 }, data, randomBytes(16)],
            ['cbc', { mode: Mode.CBC, padding: Pad.None }, aligned, randomBytes(16)],
            ['ctr', { mode: Mode.CTR }, data, randomBytes(16)],
            ['ecb', { mode: Mode.ECB, padding: Pad.PKCS5 }, data, null],
            ['gcm', { mode: Mode.GCM, tagLength: 16 }, data, randomBytes(12)],
          ];
          for (const [m, p, plain, iv] of cases) {
            const aad = m === 'gcm' ? randomBytes(randomInt(0, 40)) : undefined;
            const out = await encrypt(e, v, uid, { p, data: plain, iv: iv ?? undefined, aad });
            const c = createCipheriv(`aes-${bits}-${m}`, k, iv) as ReturnType<typeof createCipheriv> & { setAAD(b: Buffer): void; getAuthTag(): Buffer };
            if (p.padding === Pad.None) c.setAutoPadding(false);
            if (aad) c.setAAD(aad);
            expect(out.data.equals(Buffer.concat([c.update(plain), c.final()])), `${bits} ${m}`).toBe(true);
            if (m === 'gcm') expect(Buffer.from(out.tag!).equals(c.getAuthTag())).toBe(true);
            else expect(out.tag).toBeUndefined();
            const back = await decrypt(e, v, uid, { p, data: out.data, iv: iv ?? undefined, aad, tag: out.tag });
            expect(back.equals(plain), `${bits} ${m} round trip`).toBe(true);
          }
        }
      }
    }
  });

  it('Random IV: the server makes the IV (16 bytes CBC/CTR, 12 GCM, IV Length when given) and returns it', async () => {
    const e = await testEngine();
    for (const v of VERSIONS) {
      const k = randomBytes(32);
      const uid = await key(e, v, k, Alg.AES);
      for (const [m, p, ivLen] of [
        ['cbc', { mode: Mode.CBC, padding: Pad.PKCS5, randomIv: true }, 16],
        ['ctr', { mode: Mode.CTR, randomIv: true }, 16],
        ['gcm', { mode: Mode.GCM, randomIv: true }, 12],
        ['gcm', { mode: Mode.GCM, randomIv: true, ivLength: 128, tagLength: 12 }, 16],
      ] as [string, Params, number][]) {
        const plain = randomBytes(37);
        const a = await encrypt(e, v, uid, { p, data: plain });
        const b = await encrypt(e, v, uid, { p, data: plain });
        expect(a.iv?.length).toBe(ivLen);
        expect(Buffer.from(a.iv!).equals(Buffer.from(b.iv!))).toBe(false);
        const c = createCipheriv(`aes-256-${m}`, k, a.iv!, m === 'gcm' ? ({ authTagLength: p.tagLength ?? 16 } as never) : undefined) as ReturnType<typeof createCipheriv> & { getAuthTag(): Buffer };
        expect(a.data.equals(Buffer.concat([c.update(plain), c.final()]))).toBe(true);
        if (m === 'gcm') expect(a.tag?.length).toBe(p.tagLength ?? 16);
        expect((await decrypt(e, v, uid, { p: { ...p, randomIv: undefined }, data: a.data, iv: a.iv, tag: a.tag })).equals(plain)).toBe(true);
      }
    }
  });

  it('without Cryptographic Parameters in the request, the key\'s own Cryptographic Parameters attribute applies', async () => {
    const e = await testEngine();
    for (const v of VERSIONS) {
      const k = randomBytes(16);
      const uid = await key(e, v, k, Alg.AES, { keyParams: { mode: Mode.CBC, padding: Pad.PKCS5, randomIv: true } });
      const plain = randomBytes(20);
      const out = await encrypt(e, v, uid, { data: plain });
      const c = createCipheriv('aes-128-cbc', k, out.iv!);
      expect(out.data.equals(Buffer.concat([c.update(plain), c.final()]))).toBe(true);
      expect((await decrypt(e, v, uid, { data: out.data, iv: out.iv })).equals(plain)).toBe(true);
      // The request's own parameters take precedence.
      const ctr = await encrypt(e, v, uid, { p: { mode: Mode.CTR }, data: plain, iv: Buffer.alloc(16) });
      const c2 = createCipheriv('aes-128-ctr', k, Buffer.alloc(16));
      expect(ctr.data.equals(c2.update(plain))).toBe(true);
    }
  });

  it('HMAC on random keys and data equals node:crypto', async () => {
    const e = await testEngine();
    for (const [alg, name] of [[Alg.HMAC_SHA1, 'sha1'], [Alg.HMAC_SHA256, 'sha256'], [Alg.HMAC_SHA512, 'sha512'], [Alg.HMAC_SHA3_256, 'sha3-256']] as const) {
      const k = randomBytes(32);
      const uid = await key(e, V21, k, alg, { mask: Mask.MACGenerate });
      const data = randomBytes(randomInt(0, 300));
      expect((await mac(e, V21, uid, { data })).equals(createHmac(name, k).update(data).digest())).toBe(true);
    }
  });

  it('a batch: Encrypt then Decrypt with the ID Placeholder', async () => {
    const e = await testEngine();
    const uid = await key(e, V21, randomBytes(32), Alg.AES);
    const plain = randomBytes(50);
    const iv = randomBytes(16);
    const p: Params = { mode: Mode.CTR };
    const first = await encrypt(e, V21, uid, { p, data: plain, iv });
    const r = await e.send(V21, [
      { op: Op.Encrypt, payload: payload(uid, { p, data: plain, iv }) },
      { op: Op.Decrypt, payload: payload(undefined, { p, data: first.data, iv }) },
    ]);
    expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.Success]);
    expect(Buffer.from(read.bytes(child(r.items[1].payload, Tag.Data))!).equals(plain)).toBe(true);
  });
});

for (const v of VERSIONS) describe(`usage masks and states at KMIP ${v.join('.')}`, () => {
  const two = v[0] === 2;
  const maskReason = two ? RR.IncompatibleCryptographicUsageMask : RR.PermissionDenied;
  const stateReason = two ? RR.WrongKeyLifecycleState : RR.PermissionDenied;
  const p: Params = { mode: Mode.CBC, padding: Pad.PKCS5 };
  const iv = Buffer.alloc(16, 7);
  const msg = Buffer.from('public test data');

  it('each operation needs its own usage-mask bit', async () => {
    const e = await testEngine();
    const k = randomBytes(16);
    const encOnly = await key(e, v, k, Alg.AES, { mask: Mask.Encrypt });
    const decOnly = await key(e, v, k, Alg.AES, { mask: Mask.Decrypt });
    const ct = (await encrypt(e, v, encOnly, { p, data: msg, iv })).data;
    expect(await reason(e, v, Op.Decrypt, payload(encOnly, { p, data: ct, iv }))).toBe(maskReason);
    expect(await reason(e, v, Op.Encrypt, payload(decOnly, { p, data: msg, iv }))).toBe(maskReason);
    expect((await decrypt(e, v, decOnly, { p, data: ct, iv })).equals(msg)).toBe(true);
    const h = randomBytes(32);
    const genOnly = await key(e, v, h, Alg.HMAC_SHA256, { mask: Mask.MACGenerate });
    const verOnly = await key(e, v, h, Alg.HMAC_SHA256, { mask: Mask.MACVerify });
    const tag = await mac(e, v, genOnly, { data: msg });
    expect(await reason(e, v, Op.MACVerify, payload(genOnly, { data: msg, macData: tag }))).toBe(maskReason);
    expect(await reason(e, v, Op.MAC, payload(verOnly, { data: msg }))).toBe(maskReason);
    expect(await macVerify(e, v, verOnly, { data: msg, macData: tag })).toBe(ValidityIndicator.Valid);
    // A key with Encrypt/Decrypt only cannot MAC, nor a MAC key encrypt.
    expect(await reason(e, v, Op.MAC, payload(encOnly, { p: { mode: Mode.CMAC }, data: msg }))).toBe(maskReason);
    expect(await reason(e, v, Op.Encrypt, payload(genOnly, { p, data: msg, iv }))).toBe(maskReason);
  });

  it('Pre-Active: nothing; Deactivated and Compromised: decrypt and verify only; Destroyed: no material', async () => {
    const e = await testEngine();
    const k = randomBytes(32);
    const h = randomBytes(32);
    const pre = await key(e, v, k, Alg.AES, { activate: false });
    const ct = createCipheriv('aes-256-cbc', k, iv);
    const cipherText = Buffer.concat([ct.update(msg), ct.final()]);
    expect(await reason(e, v, Op.Encrypt, payload(pre, { p, data: msg, iv }))).toBe(stateReason);
    expect(await reason(e, v, Op.Decrypt, payload(pre, { p, data: cipherText, iv }))).toBe(stateReason);
    const preMac = await key(e, v, h, Alg.HMAC_SHA256, { activate: false });
    expect(await reason(e, v, Op.MAC, payload(preMac, { data: msg }))).toBe(stateReason);
    const tagValue = createHmac('sha256', h).update(msg).digest();
    expect(await reason(e, v, Op.MACVerify, payload(preMac, { data: msg, macData: tagValue }))).toBe(stateReason);

    for (const code of [RevocationReasonCode.CessationOfOperation, RevocationReasonCode.KeyCompromise]) {
      const enc = await key(e, v, k, Alg.AES);
      const hm = await key(e, v, h, Alg.HMAC_SHA256);
      for (const uid of [enc, hm]) await e.ok(v, Op.Revoke, [text(Tag.UniqueIdentifier, uid), struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, code)])]);
      const st = read.enum(child(child(await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, enc), enm(Tag.AttributeReference, Tag.State)]), Tag.Attributes), Tag.State));
      expect(st).toBe(code === RevocationReasonCode.KeyCompromise ? State.Compromised : State.Deactivated);
      expect(await reason(e, v, Op.Encrypt, payload(enc, { p, data: msg, iv }))).toBe(stateReason);
      expect((await decrypt(e, v, enc, { p, data: cipherText, iv })).equals(msg)).toBe(true);
      expect(await reason(e, v, Op.MAC, payload(hm, { data: msg }))).toBe(stateReason);
      expect(await macVerify(e, v, hm, { data: msg, macData: tagValue })).toBe(ValidityIndicator.Valid);
      await e.ok(v, Op.Destroy, [text(Tag.UniqueIdentifier, enc)]);
      expect(await reason(e, v, Op.Decrypt, payload(enc, { p, data: cipherText, iv }))).toBe(RR.KeyValueNotPresent);
    }
  });

  it('a passed Protect Stop Date stops Encrypt; a Process Start Date to come stops Decrypt', async () => {
    const e = await testEngine();
    const k = randomBytes(16);
    const now = Date.now();
    const stopped = await key(e, v, k, Alg.AES, { attrs: [['Protect Stop Date', date(Tag.ProtectStopDate, now - 3_600_000)]] });
    const later = await key(e, v, k, Alg.AES, { attrs: [['Process Start Date', date(Tag.ProcessStartDate, now + 3_600_000)]] });
    const dateReason = v[1] === 1 && two ? RR.WrongKeyLifecycleState : RR.PermissionDenied;
    expect(await reason(e, v, Op.Encrypt, payload(stopped, { p, data: msg, iv }))).toBe(dateReason);
    const ct = await encrypt(e, v, later, { p, data: msg, iv });
    expect((await decrypt(e, v, stopped, { p, data: ct.data, iv })).equals(msg)).toBe(true);
    expect(await reason(e, v, Op.Decrypt, payload(later, { p, data: ct.data, iv }))).toBe(dateReason);
  });

  it('Encrypt draws on Usage Limits (bytes, or one per operation); past them it is Permission Denied', async () => {
    const e = await testEngine();
    const limits = (total: number, unit: number) => struct(Tag.UsageLimits, [long(Tag.UsageLimitsTotal, BigInt(total)), enm(Tag.UsageLimitsUnit, unit)]);
    const bytesKey = await key(e, v, randomBytes(16), Alg.AES, { attrs: [['Usage Limits', limits(32, 1)]] });
    const block = Buffer.alloc(16, 1);
    const ecb: Params = { mode: Mode.ECB };
    await encrypt(e, v, bytesKey, { p: ecb, data: block });
    await encrypt(e, v, bytesKey, { p: ecb, data: block });
    expect(await reason(e, v, Op.Encrypt, payload(bytesKey, { p: ecb, data: block }))).toBe(RR.PermissionDenied);
    const left = await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, bytesKey), enm(Tag.AttributeReference, Tag.UsageLimits)]);
    expect(read.long(child(child(child(left, Tag.Attributes), Tag.UsageLimits), Tag.UsageLimitsCount))).toBe(0n);
    const opsKey = await key(e, v, randomBytes(16), Alg.AES, { attrs: [['Usage Limits', limits(1, 2)]] });
    await encrypt(e, v, opsKey, { p: ecb, data: Buffer.alloc(64) });
    expect(await reason(e, v, Op.Encrypt, payload(opsKey, { p: ecb, data: block }))).toBe(RR.PermissionDenied);
    // Decrypt does not draw on them.
    expect((await decrypt(e, v, opsKey, { p: ecb, data: Buffer.alloc(16) })).length).toBe(16);
  });

  it('only Symmetric Keys; another principal without a grant sees no such object', async () => {
    const e = await testEngine();
    const secret = struct(Tag.SecretData, [
      enm(Tag.SecretDataType, SecretDataType.Password),
      struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Opaque), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, Buffer.from('public-test'))])]),
    ]);
    const attrs = two
      ? struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.MACGenerate)])
      : struct(Tag.TemplateAttribute, [attr1x('Cryptographic Usage Mask', int(0, Mask.MACGenerate))]);
    const sd = uidIn(await e.ok(v, Op.Register, [enm(Tag.ObjectType, ObjectType.SecretData), attrs, secret]));
    await e.ok(v, Op.Activate, [text(Tag.UniqueIdentifier, sd)]);
    expect(await reason(e, v, Op.MAC, payload(sd, { p: { algorithm: Alg.HMAC_SHA256 }, data: msg }))).toBe(two ? RR.InvalidObjectType : RR.PermissionDenied);
    const uid = await key(e, v, randomBytes(16), Alg.AES);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p, data: msg, iv }), 'mallory')).toBe(two ? RR.ObjectNotFound : RR.ItemNotFound);
  });
});

for (const v of VERSIONS) describe(`bad input at KMIP ${v.join('.')}`, () => {
  const two = v[0] === 2;
  it('missing or malformed fields get Invalid Field, Cryptographic Failure, Feature Not Supported or Bad Cryptographic Parameters', async () => {
    const e = await testEngine();
    const k = randomBytes(16);
    const uid = await key(e, v, k, Alg.AES);
    const cbc: Params = { mode: Mode.CBC, padding: Pad.PKCS5 };
    const iv = randomBytes(16);
    const msg = Buffer.from('public test data, 33 bytes long!!');
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: cbc, iv }))).toBe(RR.InvalidField); // no Data
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: cbc, data: msg, iv: iv.subarray(0, 12) }))).toBe(RR.InvalidField);
    // A missing IV is Invalid Message, as the OASIS test cases CS-BC-M-11 to 13 expect (not 2.x's Missing Initialization Vector).
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: cbc, data: msg }))).toBe(RR.InvalidMessage);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { p: cbc, data: Buffer.alloc(16) }))).toBe(RR.InvalidMessage);
    // Without a Padding Method, CBC pads nothing: the data must be whole blocks.
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.CBC }, data: msg, iv }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.CBC, padding: Pad.None }, data: msg, iv }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.OFB }, data: msg, iv }))).toBe(RR.FeatureNotSupported);
    // XTS takes a double-length key (two AES keys): a 128-bit key is refused.
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.XTS }, data: msg, iv }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.CBC, padding: Pad.OAEP }, data: msg, iv }))).toBe(RR.FeatureNotSupported);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: msg, iv }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField); // AES needs a mode
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.GCM, tagLength: 3 }, data: msg, iv: iv.subarray(0, 12) }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { ...cbc, algorithm: Alg.DES3 }, data: msg, iv }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField);
    // Multi-part: a Correlation Value nobody opened; Init with a Correlation Value.
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: cbc, data: msg, iv, extra: [bytes(Tag.CorrelationValue, Buffer.from('x'))] }))).toBe(two ? RR.InvalidCorrelationValue : RR.ItemNotFound);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: cbc, data: msg, iv, extra: [bytes(Tag.CorrelationValue, Buffer.from('x')), bool(Tag.InitIndicator, true)] }))).toBe(RR.InvalidField);
    // Decrypt: bad padding and a wrong length are Cryptographic Failure; a GCM tag is required.
    const c = createCipheriv('aes-128-cbc', k, iv);
    c.setAutoPadding(false);
    const badPadding = Buffer.concat([c.update(Buffer.alloc(32, 0xaa)), c.final()]);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { p: cbc, data: badPadding, iv }))).toBe(RR.CryptographicFailure);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { p: cbc, data: badPadding.subarray(0, 20), iv }))).toBe(RR.CryptographicFailure);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { p: { mode: Mode.GCM }, data: msg, iv: iv.subarray(0, 12) }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { p: { mode: Mode.GCM }, data: msg, iv: iv.subarray(0, 12), tag: Buffer.alloc(16) }))).toBe(RR.CryptographicFailure);
    // MAC: the data is required; an AES key MACs with CMAC only; Hash needs a known algorithm.
    const hm = await key(e, v, randomBytes(32), Alg.HMAC_SHA256);
    expect(await reason(e, v, Op.MAC, payload(hm, {}))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.MACVerify, payload(hm, { data: msg }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.MAC, payload(uid, { p: { mode: Mode.CBC }, data: msg }))).toBe(RR.FeatureNotSupported);
    expect(await reason(e, v, Op.Hash, [params({ hashing: HashAlg.Tiger }), bytes(Tag.Data, msg)])).toBe(RR.FeatureNotSupported);
    expect(await reason(e, v, Op.Hash, [bytes(Tag.Data, msg)])).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.RNGSeed, [])).toBe(RR.InvalidField);
  });

  it('no failure message carries key or data bytes', async () => {
    const e = await testEngine();
    const k = Buffer.alloc(16, 0x5a);
    const uid = await key(e, v, k, Alg.AES);
    const r = await e.send(v, [{ op: Op.Decrypt, payload: payload(uid, { p: { mode: Mode.GCM }, data: Buffer.alloc(40, 0x33), iv: Buffer.alloc(12), tag: Buffer.alloc(16) }) }]);
    expect(r.items[0].reason).toBe(RR.CryptographicFailure);
    const m = r.items[0].message ?? '';
    expect(m).not.toMatch(/5a5a|3333|WlpaWl/i);
  });
});

// XTS-AES: IEEE Std 1619-2007 Annex B test vectors 2 (XTS-AES-128, 32 bytes), 10 (XTS-AES-256: the
// first 32 bytes of its 512-byte data unit, which do not depend on the rest) and 18 (XTS-AES-128,
// 20 bytes: ciphertext stealing). The key is Key1 || Key2; the tweak is the data unit sequence number,
// little-endian in 16 bytes, sent as the IV/Counter/Nonce.
const XTS: { name: string; key: Buffer; tweak: Buffer; p: Buffer; c: Buffer }[] = [
  { name: 'vector 2', key: Buffer.concat([Buffer.alloc(16, 0x11), Buffer.alloc(16, 0x22)]), tweak: hex('33333333330000000000000000000000'), p: Buffer.alloc(32, 0x44), c: hex('c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0') },
  {
    name: 'vector 10 (first two blocks)',
    key: hex('2718281828459045235360287471352662497757247093699959574966967627 3141592653589793238462643383279502884197169399375105820974944592'),
    tweak: hex('ff000000000000000000000000000000'),
    p: Buffer.from(Array.from({ length: 32 }, (_, i) => i)),
    c: hex('1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b'),
  },
  { name: 'vector 18', key: hex('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 bfbebdbcbbbab9b8b7b6b5b4b3b2b1b0'), tweak: hex('9a785634120000000000000000000000'), p: hex('000102030405060708090a0b0c0d0e0f10111213'), c: hex('9d84c813f719aa2c7be3f66171c7c5c2edbf9dac') },
];

// Triple DES: NIST SP 800-67 Rev. 1 Appendix B, TDEA ECB with three keys (the plaintext's "qufck" is the standard's own).
const TDEA_KEY = hex('0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123');
const TDEA_P = Buffer.from('The qufck brown fox jump');
const TDEA_C = hex('A826FD8CE53B855F CCE21C8112256FE6 68D5C05DD9B6B900');

for (const v of VERSIONS) describe(`XTS-AES and Triple DES at KMIP ${v.join('.')}`, () => {
  const two = v[0] === 2;
  it('IEEE 1619 XTS-AES vectors 2, 10 and 18 encrypt to the published ciphertext and decrypt back', async () => {
    const e = await testEngine();
    for (const t of XTS) {
      const uid = await key(e, v, t.key, Alg.AES);
      const p: Params = { mode: Mode.XTS };
      const out = await encrypt(e, v, uid, { p, data: t.p, iv: t.tweak });
      expect(out.data.toString('hex'), t.name).toBe(t.c.toString('hex'));
      expect(out.iv).toBeUndefined();
      expect((await decrypt(e, v, uid, { p, data: t.c, iv: t.tweak })).equals(t.p), t.name).toBe(true);
    }
  });

  it('XTS: random lengths agree with node:crypto; short data, a bad tweak, padding and equal key halves are refused', async () => {
    const e = await testEngine();
    for (const bits of [256, 512]) {
      const k = randomBytes(bits / 8);
      const uid = await key(e, v, k, Alg.AES);
      const tweak = randomBytes(16);
      const plain = randomBytes(randomInt(16, 200));
      const c = createCipheriv(`aes-${bits / 2}-xts`, k, tweak);
      const out = await encrypt(e, v, uid, { p: { mode: Mode.XTS }, data: plain, iv: tweak });
      expect(out.data.equals(Buffer.concat([c.update(plain), c.final()]))).toBe(true);
      // Random IV: the server picks the tweak and returns it.
      const r = await encrypt(e, v, uid, { p: { mode: Mode.XTS, randomIv: true }, data: plain });
      expect(r.iv?.length).toBe(16);
      expect((await decrypt(e, v, uid, { p: { mode: Mode.XTS }, data: r.data, iv: r.iv })).equals(plain)).toBe(true);
    }
    const uid = await key(e, v, randomBytes(32), Alg.AES);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.XTS }, data: randomBytes(15), iv: randomBytes(16) }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { p: { mode: Mode.XTS }, data: randomBytes(15), iv: randomBytes(16) }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.XTS }, data: randomBytes(32), iv: randomBytes(12) }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.XTS, ivLength: 96 }, data: randomBytes(32), iv: randomBytes(12) }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.XTS, padding: Pad.PKCS5 }, data: randomBytes(32), iv: randomBytes(16) }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField);
    // XTS refuses a key whose two halves are equal (SP 800-38E; OpenSSL 3 checks it).
    const same = await key(e, v, Buffer.concat([Buffer.alloc(16, 7), Buffer.alloc(16, 7)]), Alg.AES);
    expect(await reason(e, v, Op.Encrypt, payload(same, { p: { mode: Mode.XTS }, data: randomBytes(32), iv: randomBytes(16) }))).toBe(RR.InvalidField);
  });

  it('Triple DES: the SP 800-67 ECB example; CBC with two and three keys agrees with node:crypto; other modes are refused', async () => {
    const e = await testEngine();
    // Cryptographic Length of a Triple DES key counts its key bits (168, 112), not the parity bits.
    const uid = await key(e, v, TDEA_KEY, Alg.DES3, { lengthBits: 168 });
    const ecb: Params = { mode: Mode.ECB };
    expect((await encrypt(e, v, uid, { p: ecb, data: TDEA_P })).data.toString('hex')).toBe(TDEA_C.toString('hex'));
    expect((await decrypt(e, v, uid, { p: ecb, data: TDEA_C })).equals(TDEA_P)).toBe(true);
    for (const [len, name] of [[24, 'des-ede3-cbc'], [16, 'des-ede-cbc']] as const) {
      const k = randomBytes(len);
      const u = await key(e, v, k, Alg.DES3, { lengthBits: len * 7 });
      const iv = randomBytes(8);
      const plain = randomBytes(randomInt(0, 70));
      const p: Params = { mode: Mode.CBC, padding: Pad.PKCS5 };
      const out = await encrypt(e, v, u, { p, data: plain, iv });
      const c = createCipheriv(name, k, iv);
      expect(out.data.equals(Buffer.concat([c.update(plain), c.final()])), name).toBe(true);
      expect((await decrypt(e, v, u, { p, data: out.data, iv })).equals(plain)).toBe(true);
      const r = await encrypt(e, v, u, { p: { ...p, randomIv: true }, data: plain });
      expect(r.iv?.length).toBe(8);
    }
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.CBC }, data: TDEA_P, iv: randomBytes(16) }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: ecb, data: TDEA_P.subarray(0, 20) }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.GCM }, data: TDEA_P, iv: randomBytes(12) }))).toBe(RR.FeatureNotSupported);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.CBC, ivLength: 128 }, data: TDEA_P, iv: randomBytes(16) }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { p: ecb, data: TDEA_C.subarray(0, 20) }))).toBe(RR.CryptographicFailure);
  });
});

// Multi-part operations (KMIP 1.3+): Init Indicator, Correlation Value, Final Indicator.
const initI = bool(Tag.InitIndicator, true);
const finalI = bool(Tag.FinalIndicator, true);
const corr = (c: Uint8Array) => bytes(Tag.CorrelationValue, c);

/** Runs `op` in parts over `chunks`: the outputs' payloads, first to last. */
async function inParts(e: Engine, v: V, op: number, uid: string, first: CryptoReq, chunks: Buffer[], last: CryptoReq = {}, principal = 'alice') {
  const out: TtlvItem[] = [];
  const p0 = await e.ok(v, op, payload(uid, { ...first, data: chunks[0], extra: [initI] }), principal);
  out.push(p0);
  const c = read.bytes(child(p0, Tag.CorrelationValue));
  expect(c?.length, 'a Correlation Value on the first part').toBeGreaterThan(0);
  for (let i = 1; i < chunks.length; i++) {
    const fin = i === chunks.length - 1;
    const req: CryptoReq = fin ? { ...last, data: chunks[i], extra: [corr(c!), finalI] } : { data: chunks[i], extra: [corr(c!)] };
    out.push(await e.ok(v, op, payload(uid, req), principal));
  }
  return { out, correlation: c! };
}

const dataOf = (ps: TtlvItem[]) => Buffer.concat(ps.map((p) => Buffer.from(read.bytes(child(p, Tag.Data)) ?? new Uint8Array(0))));
const split = (b: Buffer, ...at: number[]) => [0, ...at, b.length].slice(1).map((end, i, ends) => b.subarray(i === 0 ? 0 : ends[i - 1], end));

for (const v of VERSIONS) describe(`multi-part operations at KMIP ${v.join('.')}`, () => {
  const two = v[0] === 2;
  const unknownCorrelation = two ? RR.InvalidCorrelationValue : RR.ItemNotFound;

  it('GCM test case 4 in three parts: the same ciphertext, the tag with the last part; Decrypt in parts checks the tag at the end', async () => {
    const e = await testEngine();
    const t = GCM[1];
    const uid = await key(e, v, t.key, Alg.AES);
    const p: Params = { mode: Mode.GCM, tagLength: 16 };
    const enc = await inParts(e, v, Op.Encrypt, uid, { p, iv: t.iv, aad: t.a }, split(t.p, 7, 40));
    expect(dataOf(enc.out).toString('hex')).toBe(t.c.toString('hex'));
    expect(enc.out.slice(0, -1).every((x) => child(x, Tag.AuthenticatedEncryptionTag) === undefined)).toBe(true);
    expect(Buffer.from(read.bytes(child(enc.out[2], Tag.AuthenticatedEncryptionTag))!).toString('hex')).toBe(t.t.toString('hex'));
    const dec = await inParts(e, v, Op.Decrypt, uid, { p, iv: t.iv, aad: t.a }, split(t.c, 16, 17), { tag: t.t });
    expect(dataOf(dec.out).equals(t.p)).toBe(true);
    // A wrong tag at the end: Cryptographic Failure, and the stream is gone.
    const bad = Buffer.from(t.t);
    bad[0] ^= 1;
    const d0 = await e.ok(v, Op.Decrypt, payload(uid, { p, iv: t.iv, aad: t.a, data: t.c.subarray(0, 20), extra: [initI] }));
    const c = read.bytes(child(d0, Tag.CorrelationValue))!;
    expect(await reason(e, v, Op.Decrypt, payload(uid, { data: t.c.subarray(20), tag: bad, extra: [corr(c), finalI] }))).toBe(RR.CryptographicFailure);
    expect(await reason(e, v, Op.Decrypt, payload(uid, { data: Buffer.alloc(0), tag: t.t, extra: [corr(c), finalI] }))).toBe(unknownCorrelation);
  });

  it('CBC with padding, CTR, ChaCha20-Poly1305 and XTS in uneven parts equal the single-part result', async () => {
    const e = await testEngine();
    const k = randomBytes(32);
    const uid = await key(e, v, k, Alg.AES);
    const plain = randomBytes(101);
    const parts = split(plain, 5, 21, 64);
    for (const [m, p, ivLen] of [['cbc', { mode: Mode.CBC, padding: Pad.PKCS5 }, 16], ['ctr', { mode: Mode.CTR }, 16], ['xts', { mode: Mode.XTS }, 16]] as [string, Params, number][]) {
      const iv = randomBytes(ivLen);
      const single = await encrypt(e, v, uid, { p, data: plain, iv });
      const multi = dataOf((await inParts(e, v, Op.Encrypt, uid, { p, iv }, parts)).out);
      expect(multi.equals(single.data), m).toBe(true);
      const back = dataOf((await inParts(e, v, Op.Decrypt, uid, { p, iv }, split(single.data, 3, 50, 99))).out);
      expect(back.equals(plain), `${m} decrypt`).toBe(true);
    }
    const ck = await key(e, v, randomBytes(32), Alg.ChaCha20Poly1305);
    const nonce = randomBytes(12);
    const aad = randomBytes(9);
    const single = await encrypt(e, v, ck, { data: plain, iv: nonce, aad });
    const multi = await inParts(e, v, Op.Encrypt, ck, { iv: nonce, aad }, parts);
    expect(dataOf(multi.out).equals(single.data)).toBe(true);
    expect(Buffer.from(read.bytes(child(multi.out.at(-1), Tag.AuthenticatedEncryptionTag))!).equals(Buffer.from(single.tag!))).toBe(true);
    const opened = await inParts(e, v, Op.Decrypt, ck, { iv: nonce, aad }, split(single.data, 50), { tag: single.tag });
    expect(dataOf(opened.out).equals(plain)).toBe(true);
    // A 12-byte GCM tag in parts: Tag Length on the first part fixes the tag the last part must bring.
    const g12: Params = { mode: Mode.GCM, tagLength: 12 };
    const giv = randomBytes(12);
    const sealed = await inParts(e, v, Op.Encrypt, uid, { p: g12, iv: giv }, parts);
    const tag12 = read.bytes(child(sealed.out.at(-1), Tag.AuthenticatedEncryptionTag))!;
    expect(tag12.length).toBe(12);
    expect(dataOf((await inParts(e, v, Op.Decrypt, uid, { p: g12, iv: giv }, split(dataOf(sealed.out), 33), { tag: tag12 })).out).equals(plain)).toBe(true);
    const g0 = await e.ok(v, Op.Decrypt, payload(uid, { p: g12, iv: giv, data: dataOf(sealed.out), extra: [initI] }));
    expect(await reason(e, v, Op.Decrypt, payload(uid, { tag: Buffer.alloc(16), extra: [corr(read.bytes(child(g0, Tag.CorrelationValue))!), finalI] }))).toBe(RR.InvalidField);
    // A part with no output leaves Data out; later parts repeat the Correlation Value until the last.
    const ecb = await inParts(e, v, Op.Encrypt, uid, { p: { mode: Mode.ECB } }, [Buffer.alloc(8), Buffer.alloc(4), Buffer.alloc(4)]);
    expect(ecb.out.map((x) => child(x, Tag.Data) === undefined)).toEqual([true, true, false]);
    expect(ecb.out.map((x) => child(x, Tag.CorrelationValue) !== undefined)).toEqual([true, true, false]);
    // Random IV on the first part: the server's IV comes back with the Correlation Value.
    const r = await inParts(e, v, Op.Encrypt, uid, { p: { mode: Mode.CBC, padding: Pad.PKCS5, randomIv: true } }, parts);
    const iv = read.bytes(child(r.out[0], Tag.IVCounterNonce))!;
    expect(iv.length).toBe(16);
    const c = createCipheriv('aes-256-cbc', k, iv);
    expect(dataOf(r.out).equals(Buffer.concat([c.update(plain), c.final()]))).toBe(true);
  });

  it('MAC and MAC Verify in parts (HMAC, CMAC): the MAC or the verdict comes with the last part only', async () => {
    const e = await testEngine();
    const hk = randomBytes(32);
    const hu = await key(e, v, hk, Alg.HMAC_SHA256);
    const msg = randomBytes(150);
    const parts = split(msg, 1, 17, 100);
    const m = await inParts(e, v, Op.MAC, hu, {}, parts);
    expect(m.out.slice(0, -1).every((x) => child(x, Tag.MACData) === undefined)).toBe(true);
    expect(Buffer.from(read.bytes(child(m.out.at(-1), Tag.MACData))!).equals(createHmac('sha256', hk).update(msg).digest())).toBe(true);
    const cu = await key(e, v, K128, Alg.AES);
    const cmacP: Params = { mode: Mode.CMAC };
    for (const [len, want] of CMAC) {
      const whole = SP800_38A_PT.subarray(0, len);
      const r = await inParts(e, v, Op.MAC, cu, { p: cmacP }, len > 20 ? split(whole, 3, 16, 20) : [whole, Buffer.alloc(0)]);
      expect(Buffer.from(read.bytes(child(r.out.at(-1), Tag.MACData))!).toString('hex'), `CMAC ${len}`).toBe(want);
    }
    const good = createHmac('sha256', hk).update(msg).digest();
    const ok = await inParts(e, v, Op.MACVerify, hu, {}, parts, { macData: good });
    expect(ok.out.slice(0, -1).every((x) => child(x, Tag.ValidityIndicator) === undefined)).toBe(true);
    expect(read.enum(child(ok.out.at(-1), Tag.ValidityIndicator))).toBe(ValidityIndicator.Valid);
    good[3] ^= 0x40;
    const no = await inParts(e, v, Op.MACVerify, hu, {}, parts, { macData: good });
    expect(read.enum(child(no.out.at(-1), Tag.ValidityIndicator))).toBe(ValidityIndicator.Invalid);
    // The MAC Data may come with the first part instead (as the OASIS TC-STREAM-MAC-1 sends it); without any, the last part is refused.
    const right = createHmac('sha256', hk).update(msg).digest();
    const early = await inParts(e, v, Op.MACVerify, hu, { macData: right }, parts);
    expect(read.enum(child(early.out.at(-1), Tag.ValidityIndicator))).toBe(ValidityIndicator.Valid);
    const v0 = await e.ok(v, Op.MACVerify, payload(hu, { data: msg, extra: [initI] }));
    expect(await reason(e, v, Op.MACVerify, payload(hu, { extra: [corr(read.bytes(child(v0, Tag.CorrelationValue))!), finalI] }))).toBe(RR.InvalidField);
  });

  it('Hash in parts (no key): the digest comes with the last part; streams are per principal', async () => {
    const e = await testEngine();
    const msg = randomBytes(300);
    const hp = params({ hashing: HashAlg.SHA3_256 });
    const first = await e.ok(v, Op.Hash, [hp, bytes(Tag.Data, msg.subarray(0, 10)), initI]);
    expect(child(first, Tag.Data)).toBeUndefined();
    const c = read.bytes(child(first, Tag.CorrelationValue))!;
    const mid = await e.ok(v, Op.Hash, [hp, bytes(Tag.Data, msg.subarray(10, 200)), corr(c)]);
    expect(child(mid, Tag.Data)).toBeUndefined();
    expect(await reason(e, v, Op.Hash, [hp, bytes(Tag.Data, msg.subarray(200)), corr(c), finalI], 'bob')).toBe(unknownCorrelation);
    const last = await e.ok(v, Op.Hash, [hp, bytes(Tag.Data, msg.subarray(200)), corr(c), finalI]);
    expect(Buffer.from(read.bytes(child(last, Tag.Data))!).equals(createHash('sha3-256').update(msg).digest())).toBe(true);
    expect(await reason(e, v, Op.Hash, [hp, bytes(Tag.Data, msg), corr(c), finalI])).toBe(unknownCorrelation);
    // A Hash stream is not an Encrypt stream.
    const h2 = read.bytes(child(await e.ok(v, Op.Hash, [hp, initI]), Tag.CorrelationValue))!;
    const uid = await key(e, v, randomBytes(16), Alg.AES);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: Buffer.alloc(16), extra: [corr(h2)] }))).toBe(unknownCorrelation);
  });

  it('an undone batch ends the streams its parts opened or advanced: their state cannot be wound back', async () => {
    const e = await testEngine();
    const hp = params({ hashing: HashAlg.SHA_256 });
    const undo = [enm(Tag.BatchErrorContinuationOption, BatchErrorContinuationOption.Undo)];
    const missing = { op: Op.Get, payload: [text(Tag.UniqueIdentifier, 'no-such-object')] };
    // An Init, then a failing item: the Init is Operation Undone and its stream is gone.
    const r1 = await e.send(v, [{ op: Op.Hash, payload: [hp, bytes(Tag.Data, Buffer.from('abc')), initI] }, missing], undo);
    expect(r1.items.map((i) => i.status)).toEqual([RS.OperationUndone, RS.OperationFailed]);
    const c1 = read.bytes(child(r1.items[0].payload, Tag.CorrelationValue))!;
    expect(await reason(e, v, Op.Hash, [hp, bytes(Tag.Data, Buffer.from('def')), corr(c1), finalI])).toBe(unknownCorrelation);
    // A later part undone: the stream it advanced ends too; one in a batch that stands goes on.
    const c2 = read.bytes(child(await e.ok(v, Op.Hash, [hp, bytes(Tag.Data, Buffer.from('abc')), initI]), Tag.CorrelationValue))!;
    const r2 = await e.send(v, [{ op: Op.Hash, payload: [hp, bytes(Tag.Data, Buffer.from('def')), corr(c2)] }, missing], undo);
    expect(r2.items.map((i) => i.status)).toEqual([RS.OperationUndone, RS.OperationFailed]);
    expect(await reason(e, v, Op.Hash, [hp, corr(c2), finalI])).toBe(unknownCorrelation);
    const c3 = read.bytes(child(await e.ok(v, Op.Hash, [hp, bytes(Tag.Data, Buffer.from('abc')), initI]), Tag.CorrelationValue))!;
    const r3 = await e.send(v, [{ op: Op.Hash, payload: [hp, bytes(Tag.Data, Buffer.from('def')), corr(c3)] }, { op: Op.Hash, payload: [hp, bytes(Tag.Data, Buffer.from('x'))] }], undo);
    expect(r3.items.map((i) => i.status)).toEqual([RS.Success, RS.Success]);
    const last = await e.ok(v, Op.Hash, [hp, corr(c3), finalI]);
    expect(Buffer.from(read.bytes(child(last, Tag.Data))!).equals(createHash('sha256').update('abcdef').digest())).toBe(true);
  });

  it('refusals: Final without Init, unknown or finished Correlation Values, another operation or key, additional data after the first part', async () => {
    const e = await testEngine();
    const uid = await key(e, v, randomBytes(16), Alg.AES);
    const other = await key(e, v, randomBytes(16), Alg.AES);
    const p: Params = { mode: Mode.CTR };
    const iv = randomBytes(16);
    // A Final part with nothing to finish.
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p, data: randomBytes(16), iv, extra: [finalI] }))).toBe(two ? RR.InvalidCorrelationValue : RR.InvalidField);
    expect(await reason(e, v, Op.MAC, payload(uid, { p: { mode: Mode.CMAC }, data: randomBytes(16), extra: [finalI] }))).toBe(two ? RR.InvalidCorrelationValue : RR.InvalidField);
    // Init and Final without a Correlation Value is a single-part request.
    const whole = await e.ok(v, Op.Encrypt, payload(uid, { p, data: Buffer.alloc(16), iv, extra: [initI, finalI] }));
    expect(child(whole, Tag.CorrelationValue)).toBeUndefined();
    expect(read.bytes(child(whole, Tag.Data))?.length).toBe(16);
    const first = await e.ok(v, Op.Encrypt, payload(uid, { p, data: Buffer.alloc(16), iv, extra: [initI] }));
    const c = read.bytes(child(first, Tag.CorrelationValue))!;
    // Another operation or another key with this Correlation Value: refused, the stream stays.
    expect(await reason(e, v, Op.Decrypt, payload(uid, { data: Buffer.alloc(16), extra: [corr(c)] }))).toBe(unknownCorrelation);
    expect(await reason(e, v, Op.Encrypt, payload(other, { data: Buffer.alloc(16), extra: [corr(c)] }))).toBe(unknownCorrelation);
    // The Unique Identifier may be left out of later parts: the stream's key is used.
    const mid = await e.ok(v, Op.Encrypt, payload(undefined, { data: Buffer.alloc(16), extra: [corr(c)] }));
    expect(read.text(child(mid, Tag.UniqueIdentifier))).toBe(uid);
    // Additional data after the first part: refused, and the stream is abandoned.
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: Buffer.alloc(16), aad: Buffer.alloc(4), extra: [corr(c)] }))).toBe(RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: Buffer.alloc(16), extra: [corr(c), finalI] }))).toBe(unknownCorrelation);
    // A finished stream is gone.
    const done = await inParts(e, v, Op.Encrypt, uid, { p, iv }, [Buffer.alloc(16), Buffer.alloc(16)]);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: Buffer.alloc(16), extra: [corr(done.correlation)] }))).toBe(unknownCorrelation);
  });

  it('streams are per principal: another principal cannot continue, finish or see one, even with access to the key', async () => {
    const e = await testEngine();
    const uid = await key(e, v, randomBytes(16), Alg.AES);
    const p: Params = { mode: Mode.CTR };
    const iv = randomBytes(16);
    const first = await e.ok(v, Op.Encrypt, payload(uid, { p, data: Buffer.alloc(16), iv, extra: [initI] }), 'alice');
    const c = read.bytes(child(first, Tag.CorrelationValue))!;
    // bob's own key, with alice's Correlation Value: unknown to bob.
    const bobKey = uidIn(await e.ok(v, Op.Register, [
      enm(Tag.ObjectType, ObjectType.SymmetricKey),
      two ? struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.Encrypt)]) : struct(Tag.TemplateAttribute, [attr1x('Cryptographic Usage Mask', int(0, Mask.Encrypt))]),
      struct(Tag.SymmetricKey, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, randomBytes(16))]), enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 128)])]),
    ], 'bob'));
    await e.ok(v, Op.Activate, [text(Tag.UniqueIdentifier, bobKey)], 'bob');
    expect(await reason(e, v, Op.Encrypt, payload(bobKey, { data: Buffer.alloc(16), extra: [corr(c)] }), 'bob')).toBe(unknownCorrelation);
    expect(await reason(e, v, Op.Encrypt, payload(undefined, { data: Buffer.alloc(16), extra: [corr(c), finalI] }), 'bob')).toBe(unknownCorrelation);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: Buffer.alloc(16), extra: [corr(c), finalI] }), 'bob')).toBe(unknownCorrelation);
    // alice's stream is untouched and finishes with the right keystream.
    const last = await e.ok(v, Op.Encrypt, payload(uid, { data: Buffer.alloc(16), extra: [corr(c), finalI] }), 'alice');
    const single = await encrypt(e, v, uid, { p, data: Buffer.alloc(32), iv });
    expect(Buffer.concat([Buffer.from(read.bytes(child(first, Tag.Data))!), Buffer.from(read.bytes(child(last, Tag.Data))!)]).equals(single.data)).toBe(true);
  });

  it('limits: 16 open streams per principal, then Server Limit Exceeded (1.x: General Failure); the key is checked on every part', async () => {
    const e = await testEngine();
    const uid = await key(e, v, randomBytes(16), Alg.AES);
    const p: Params = { mode: Mode.CTR };
    const open = async (principal = 'alice') => e.send(v, [{ op: Op.Encrypt, payload: payload(uid, { p, data: Buffer.alloc(1), iv: randomBytes(16), extra: [initI] }) }], [], principal);
    const cs: Uint8Array[] = [];
    for (let i = 0; i < 16; i++) {
      const r = await open();
      expect(r.items[0].status).toBe(RS.Success);
      cs.push(read.bytes(child(r.items[0].payload, Tag.CorrelationValue))!);
    }
    const over = (await open()).items[0];
    expect(over.status).toBe(RS.OperationFailed);
    expect(over.reason).toBe(two ? RR.ServerLimitExceeded : RR.GeneralFailure);
    // Finishing one frees a place.
    await e.ok(v, Op.Encrypt, payload(uid, { data: Buffer.alloc(1), extra: [corr(cs.pop()!), finalI] }));
    expect((await open()).items[0].status).toBe(RS.Success);
    // Revoking the key ends what it had open: the next part is refused for the key's state, then the stream is gone.
    await e.ok(v, Op.Revoke, [text(Tag.UniqueIdentifier, uid), struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, RevocationReasonCode.CessationOfOperation)])]);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: Buffer.alloc(1), extra: [corr(cs[0])] }))).toBe(v[1] >= 1 && two ? RR.WrongKeyLifecycleState : RR.PermissionDenied);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: Buffer.alloc(1), extra: [corr(cs[0])] }))).toBe(unknownCorrelation);
  });

  it('in a batch whose other item fails (the engine then runs the batch again), a part is applied once', async () => {
    const e = await testEngine();
    const uid = await key(e, v, randomBytes(16), Alg.AES);
    const p: Params = { mode: Mode.CTR };
    const iv = randomBytes(16);
    const missing = { op: Op.Get, payload: [text(Tag.UniqueIdentifier, 'no-such-object')] };
    // Twelve batches that open a stream next to a failing Get: had each run opened its own stream, the
    // sixteen-stream limit would have been passed.
    const cs: Uint8Array[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await e.send(v, [{ op: Op.Encrypt, payload: payload(uid, { p, data: Buffer.alloc(16), iv, extra: [initI] }) }, missing]);
      expect(r.items.map((x) => x.status)).toEqual([RS.Success, RS.OperationFailed]);
      cs.push(read.bytes(child(r.items[0].payload, Tag.CorrelationValue))!);
    }
    expect(new Set(cs.map((c) => Buffer.from(c).toString('hex'))).size).toBe(12);
    // A middle part next to a failing Get: the keystream moves on by that part once.
    const mid = await e.send(v, [{ op: Op.Encrypt, payload: payload(uid, { data: Buffer.alloc(16), extra: [corr(cs[0])] }) }, missing]);
    expect(mid.items[0].status).toBe(RS.Success);
    const last = await e.ok(v, Op.Encrypt, payload(uid, { data: Buffer.alloc(16), extra: [corr(cs[0]), finalI] }));
    const single = await encrypt(e, v, uid, { p, data: Buffer.alloc(48), iv });
    expect(Buffer.from(read.bytes(child(last, Tag.Data))!).equals(single.data.subarray(32))).toBe(true);
    expect(Buffer.from(read.bytes(child(mid.items[0].payload, Tag.Data))!).equals(single.data.subarray(16, 32))).toBe(true);
  });

  it('Usage Limits count every part\'s bytes, and unit Object counts a multi-part operation once', async () => {
    const e = await testEngine();
    const limits = (total: number, unit: number) => struct(Tag.UsageLimits, [long(Tag.UsageLimitsTotal, BigInt(total)), enm(Tag.UsageLimitsUnit, unit)]);
    const p: Params = { mode: Mode.CTR };
    const bytesKey = await key(e, v, randomBytes(16), Alg.AES, { attrs: [['Usage Limits', limits(40, 1)]] });
    const first = await e.ok(v, Op.Encrypt, payload(bytesKey, { p, data: Buffer.alloc(30), iv: randomBytes(16), extra: [initI] }));
    const c = read.bytes(child(first, Tag.CorrelationValue))!;
    expect(await reason(e, v, Op.Encrypt, payload(bytesKey, { data: Buffer.alloc(11), extra: [corr(c)] }))).toBe(RR.PermissionDenied);
    const opsKey = await key(e, v, randomBytes(16), Alg.AES, { attrs: [['Usage Limits', limits(1, 2)]] });
    await inParts(e, v, Op.Encrypt, opsKey, { p, iv: randomBytes(16) }, [Buffer.alloc(5), Buffer.alloc(5), Buffer.alloc(5)]);
    expect(await reason(e, v, Op.Encrypt, payload(opsKey, { p, data: Buffer.alloc(5), iv: randomBytes(16) }))).toBe(RR.PermissionDenied);
  });
});

describe('the multi-part store', () => {
  const state = (op = 1, uid = 'k') => {
    const s: StreamState & { closed: number } = { op, uid, closed: 0, close: () => void s.closed++ };
    return s;
  };

  it('keeps each principal\'s streams apart and closes a stream when it ends', () => {
    const store = new MultipartStore();
    const a = state();
    const c = store.open('alice', a, 10);
    expect(() => store.use('bob', c, 0)).toThrow(MultipartError);
    expect(store.use('alice', c, 5)).toBe(a);
    expect(() => store.use('alice', c, 0, 2)).toThrow(/another operation/);
    store.end('alice', c);
    expect(a.closed).toBe(1);
    expect(() => store.use('alice', c, 0)).toThrow(/no open multi-part/);
    expect(store.size()).toBe(0);
  });

  it('limits open streams per principal and in all, and bytes per stream (closing what it refuses)', () => {
    const store = new MultipartStore({ maxPerPrincipal: 2, maxTotal: 3, maxBytes: 100 });
    store.open('alice', state(), 0);
    store.open('alice', state(), 0);
    const refused = state();
    expect(() => store.open('alice', refused, 0)).toThrow(expect.objectContaining({ kind: 'too-many' }));
    expect(refused.closed).toBe(1);
    store.open('bob', state(), 0);
    expect(() => store.open('carol', state(), 0)).toThrow(expect.objectContaining({ kind: 'too-many' }));
    expect(() => store.open('dave', state(), 101)).toThrow(MultipartError);
    const big = state();
    const bs = new MultipartStore({ maxBytes: 100 });
    const c = bs.open('alice', big, 60);
    bs.use('alice', c, 40);
    expect(() => bs.use('alice', c, 1)).toThrow(expect.objectContaining({ kind: 'too-large' }));
    expect(big.closed).toBe(1);
    expect(() => bs.use('alice', c, 0)).toThrow(expect.objectContaining({ kind: 'unknown' }));
  });

  it('closes streams idle for longer than idleMs, and all of them on closeAll', () => {
    let now = 1_000_000;
    const store = new MultipartStore({ idleMs: 1000 }, () => now);
    const a = state();
    const b = state();
    const ca = store.open('alice', a, 0);
    store.open('alice', b, 0);
    now += 600;
    store.use('alice', ca, 0);
    now += 600; // b idle 1200 ms, a 600 ms
    store.sweep();
    expect([a.closed, b.closed]).toEqual([0, 1]);
    now += 1001;
    expect(() => store.use('alice', ca, 0)).toThrow(expect.objectContaining({ kind: 'unknown' }));
    expect(a.closed).toBe(1);
    const c = state();
    store.open('bob', c, 0);
    store.closeAll();
    expect(c.closed).toBe(1);
    expect(store.size()).toBe(0);
  });

  it('an idle stream is closed by the timer too, not only on the next request', () => {
    vi.useFakeTimers();
    try {
      const store = new MultipartStore({ idleMs: 1000 });
      const a = state();
      store.open('alice', a, 0);
      vi.advanceTimersByTime(2500);
      expect(a.closed).toBe(1);
      expect(store.size()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('streaming primitives', () => {
  it('CMAC fed in any split equals RFC 4493; a closed stream refuses more', () => {
    for (const [len, want] of CMAC) {
      for (const cut of [0, 1, 15, 16, 17, 33]) {
        const s = new CmacStream(K128);
        const m = SP800_38A_PT.subarray(0, len);
        s.update(m.subarray(0, Math.min(cut, len)));
        s.update(m.subarray(Math.min(cut, len)));
        expect(s.final().toString('hex'), `${len}/${cut}`).toBe(want);
        expect(() => s.update(m)).toThrow(/closed/);
      }
    }
  });

  it('a cipher stream closed early refuses more and can be closed twice', () => {
    const s = new CipherStream('encrypt', { mode: 'gcm', key: Buffer.alloc(16), iv: Buffer.alloc(12), tagLength: 16 });
    s.update(Buffer.alloc(5));
    s.close();
    s.close();
    expect(s.open).toBe(false);
    expect(() => s.update(Buffer.alloc(1))).toThrow(/closed/);
  });
});

describe(`AES-GCM primitive (backend: ${defaultCryptoBackend})`, () => {
  it('tags of 12 to 16 bytes with 128/192/256-bit keys equal node:crypto; a changed tag byte is refused', () => {
    for (const t of [12, 13, 14, 15, 16]) {
      for (const klen of [16, 24, 32]) {
        const k = randomBytes(klen);
        const iv = randomBytes(12);
        const data = randomBytes(randomInt(0, 100));
        const aad = randomBytes(5);
        const out = symEncrypt({ mode: 'gcm', key: k, iv, data, aad, tagLength: t });
        const c = createCipheriv(`aes-${klen * 8}-gcm` as 'aes-256-gcm', k, iv, { authTagLength: t });
        c.setAAD(aad);
        expect(out.data.equals(Buffer.concat([c.update(data), c.final()])), `${klen} ${t}`).toBe(true);
        expect(out.tag!.equals(c.getAuthTag())).toBe(true);
        expect(symDecrypt({ mode: 'gcm', key: k, iv, data: out.data, aad, tag: out.tag }).equals(data)).toBe(true);
        const bad = Buffer.from(out.tag!);
        bad[t - 1] ^= 1;
        expect(() => symDecrypt({ mode: 'gcm', key: k, iv, data: out.data, aad, tag: bad })).toThrow(/tag does not match/);
      }
    }
  });
});

describe('AES-GCM for large data', () => {
  it(`inputs of ${OFF_LOOP_BYTES} bytes and more (the libuv pool with the addon) agree with node:crypto`, async () => {
    const e = await testEngine();
    const k = randomBytes(32);
    const uid = await key(e, V21, k, Alg.AES);
    const iv = randomBytes(12);
    const aad = randomBytes(13);
    const plain = randomBytes(OFF_LOOP_BYTES + 1001);
    const out = await encrypt(e, V21, uid, { p: { mode: Mode.GCM, tagLength: 16 }, data: plain, iv, aad });
    const c = createCipheriv('aes-256-gcm', k, iv);
    c.setAAD(aad);
    expect(out.data.equals(Buffer.concat([c.update(plain), c.final()]))).toBe(true);
    expect(Buffer.from(out.tag!).equals(c.getAuthTag())).toBe(true);
    expect((await decrypt(e, V21, uid, { p: { mode: Mode.GCM }, data: out.data, iv, aad, tag: out.tag })).equals(plain)).toBe(true);
    const bad = Buffer.from(out.tag!);
    bad[15] ^= 1;
    expect(await reason(e, V21, Op.Decrypt, payload(uid, { p: { mode: Mode.GCM }, data: out.data, iv, aad, tag: bad }))).toBe(RR.CryptographicFailure);
  });
});

describe('XTS data unit size', () => {
  it('a multi-part XTS stream holds at most one IEEE 1619 data unit (2^20 blocks)', () => {
    const s = new CipherStream('encrypt', { mode: 'xts', key: randomBytes(32), iv: Buffer.alloc(16) });
    s.update(Buffer.alloc(2 ** 23));
    s.update(Buffer.alloc(2 ** 23));
    expect(() => s.update(Buffer.alloc(1))).toThrow(/2\^20 blocks/);
    s.close();
  });
});
