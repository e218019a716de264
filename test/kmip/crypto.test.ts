// Encrypt, Decrypt, MAC, MAC Verify, Hash and RNG Seed through the engine at KMIP 1.4 and 2.1: published
// known-answer vectors (NIST SP 800-38A, the GCM specification's test cases, RFC 8439, RFC 4231/2202,
// RFC 4493) with the vectors' own public keys registered; agreement with node:crypto on random data;
// the usage-mask and lifecycle-state rules; and bad input answered with the right Result Reason.
import { createCipheriv, createHash, createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  BlockCipherMode as Mode, CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, HashingAlgorithm as HashAlg, KeyFormatType, ObjectType,
  Operation as Op, PaddingMethod as Pad, ResultReason as RR, ResultStatus as RS, RevocationReasonCode, SecretDataType, State, Tag, ValidityIndicator,
} from '../../src/dict/index.js';
import type { TtlvItem } from '../../src/ttlv/index.js';
import { bool, bytes, date, long } from '../../src/kmip/items.js';
import { child, enm, int, read, struct, testEngine, text, uidIn } from '../helpers/kmip.js';

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
}

/** Registers a Symmetric Key (Raw) with the given material; Active unless told otherwise. */
async function key(e: Engine, v: V, material: Uint8Array, algorithm: number, opts: KeyOpts = {}): Promise<string> {
  const mask = opts.mask ?? Mask.Encrypt | Mask.Decrypt | Mask.MACGenerate | Mask.MACVerify;
  const body = struct(Tag.SymmetricKey, [
    struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, KeyFormatType.Raw),
      struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, Uint8Array.from(material))]),
      enm(Tag.CryptographicAlgorithm, algorithm),
      int(Tag.CryptographicLength, material.length * 8),
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
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.XTS }, data: msg, iv }))).toBe(RR.FeatureNotSupported);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.CBC, padding: Pad.OAEP }, data: msg, iv }))).toBe(RR.FeatureNotSupported);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { data: msg, iv }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField); // AES needs a mode
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { mode: Mode.GCM, tagLength: 3 }, data: msg, iv: iv.subarray(0, 12) }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: { ...cbc, algorithm: Alg.DES3 }, data: msg, iv }))).toBe(two ? RR.BadCryptographicParameters : RR.InvalidField);
    // Multi-part streams are not supported.
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: cbc, data: msg, iv, extra: [bool(Tag.InitIndicator, true)] }))).toBe(RR.FeatureNotSupported);
    expect(await reason(e, v, Op.Encrypt, payload(uid, { p: cbc, data: msg, iv, extra: [bytes(Tag.CorrelationValue, Buffer.from('x'))] }))).toBe(RR.FeatureNotSupported);
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
