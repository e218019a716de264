// Key wrapping through the engine at KMIP 1.4 and 2.1: Get and Export with a Key Wrapping Specification
// (AES key wrap RFC 3394 / RFC 5649, RSA-OAEP), wrapped keys brought in by Register and Import (bring
// your own key), and Set Endpoint Role. Evidence against an independent implementation: what the server
// wraps, node:crypto unwraps ('id-aes256-wrap(-pad)' with the RFC IVs, privateDecrypt); what node:crypto
// wraps, the server imports and then uses. Refusals carry the right Result Reason and write nothing.
// Run it with the native addon and with KMIPKIT_NATIVE=off (the node:crypto key-wrap fallback).
import { constants, createCipheriv, createDecipheriv, generateKeyPairSync, privateDecrypt, publicEncrypt, randomBytes, type KeyPairKeyObjectResult } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BlockCipherMode as Mode, CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, EncodingOption, EndpointRole, HashingAlgorithm as HashAlg,
  KeyFormatType, KeyWrapType, LinkType, ObjectType, Operation as Op, PaddingMethod as Pad, ResultReason as RR, ResultStatus as RS, RevocationReasonCode,
  QueryFunction, SecretDataType, Tag, WrappingMethod,
} from '../../src/dict/index.js';
import { decode, encode, ItemType, type TtlvItem } from '../../src/ttlv/index.js';
import { bool, bytes, date } from '../../src/kmip/items.js';
import { defaultCryptoBackend } from '../../src/crypto/backend.js';
import { createClientAndServer, KmipResultError } from '../../src/testing/index.js';
import { child, children, enm, int, read, struct, testEngine, text, uidIn } from '../helpers/kmip.js';
import { execFileSync } from 'node:child_process';
import { findPyKmipPython } from '../helpers/pykmip-peer.js';

const V21 = [2, 1] as const;
const V14 = [1, 4] as const;
type V = typeof V21 | typeof V14;
type Engine = Awaited<ReturnType<typeof testEngine>>;

const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
const KW_IV = hex('a6a6a6a6a6a6a6a6');
const KWP_IV = hex('a65959a6');
const attr1x = (name: string, value: TtlvItem) => struct(Tag.Attribute, [text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);

interface P {
  mode?: number;
  padding?: number;
  hashing?: number;
  mgfHashing?: number;
}
const params = (p: P) =>
  struct(Tag.CryptographicParameters, [
    p.mode !== undefined ? enm(Tag.BlockCipherMode, p.mode) : undefined,
    p.padding !== undefined ? enm(Tag.PaddingMethod, p.padding) : undefined,
    p.hashing !== undefined ? enm(Tag.HashingAlgorithm, p.hashing) : undefined,
    p.mgfHashing !== undefined ? enm(Tag.MaskGeneratorHashingAlgorithm, p.mgfHashing) : undefined,
  ]);

interface KeyOpts {
  mask: number;
  active?: boolean;
  keyParams?: P;
  sensitive?: boolean;
  extractable?: boolean;
}

/** Registers an object with a Key Block in the attribute form of `v`; Active unless told otherwise. */
async function registerBody(e: Engine, v: V, objectType: number, body: TtlvItem, o: KeyOpts): Promise<string> {
  const extra: [string, TtlvItem][] = [['Cryptographic Usage Mask', int(Tag.CryptographicUsageMask, o.mask)]];
  if (o.keyParams) extra.push(['Cryptographic Parameters', params(o.keyParams)]);
  if (o.sensitive !== undefined) extra.push(['Sensitive', bool(Tag.Sensitive, o.sensitive)]);
  if (o.extractable !== undefined) extra.push(['Extractable', bool(Tag.Extractable, o.extractable)]);
  const attrs = v[0] === 1 ? struct(Tag.TemplateAttribute, extra.map(([n, i]) => attr1x(n, i))) : struct(Tag.Attributes, extra.map(([, i]) => i));
  const uid = uidIn(await e.ok(v, Op.Register, [enm(Tag.ObjectType, objectType), attrs, body]));
  if (o.active ?? true) await e.ok(v, Op.Activate, [text(Tag.UniqueIdentifier, uid)]);
  return uid;
}

const aesBody = (material: Uint8Array) =>
  struct(Tag.SymmetricKey, [
    struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, KeyFormatType.Raw),
      struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, Uint8Array.from(material))]),
      enm(Tag.CryptographicAlgorithm, Alg.AES),
      int(Tag.CryptographicLength, material.length * 8),
    ]),
  ]);
const aes = (e: Engine, v: V, material: Uint8Array, o: KeyOpts) => registerBody(e, v, ObjectType.SymmetricKey, aesBody(material), o);

/** A Key Wrapping Specification (or, with `tag`, Key Wrapping Data) for Wrapping Method Encrypt. */
function kws(uid: string, o: { p?: P; encoding?: number; names?: string[]; method?: number; tag?: number } = {}): TtlvItem {
  return struct(o.tag ?? Tag.KeyWrappingSpecification, [
    enm(Tag.WrappingMethod, o.method ?? WrappingMethod.Encrypt),
    struct(Tag.EncryptionKeyInformation, [text(Tag.UniqueIdentifier, uid), o.p ? params(o.p) : undefined]),
    ...(o.names ?? []).map((n) => text(Tag.AttributeName, n)),
    o.encoding !== undefined ? enm(Tag.EncodingOption, o.encoding) : undefined,
  ]);
}

/** Get with a Key Wrapping Specification: the returned object's Key Block. */
async function getWrapped(e: Engine, v: V, uid: string, spec: TtlvItem, extra: TtlvItem[] = []): Promise<TtlvItem> {
  const p = await e.ok(v, Op.Get, [text(Tag.UniqueIdentifier, uid), ...extra, spec]);
  const obj = p.type === ItemType.Structure ? p.value[2] : undefined;
  return child(obj, Tag.KeyBlock)!;
}
const wrappedBytes = (kb: TtlvItem) => {
  const kv = child(kb, Tag.KeyValue)!;
  expect(kv.type).toBe(ItemType.ByteString);
  return Buffer.from(read.bytes(kv)!);
};

async function reason(e: Engine, v: V, op: number, p: TtlvItem[], principal = 'alice'): Promise<number | undefined> {
  const r = (await e.send(v, [{ op, payload: p }], [], principal)).items[0];
  expect(r.status, `operation ${op} should fail`).toBe(RS.OperationFailed);
  return r.reason;
}
const count = async (e: Engine) => read.int(child(await e.ok(V21, Op.Locate, []), Tag.LocatedItems));

// One RSA key pair for the file: generating 2048-bit keys costs seconds on a shared machine.
let pairCache: KeyPairKeyObjectResult | undefined;
const rsaPair = (): KeyPairKeyObjectResult => (pairCache ??= generateKeyPairSync('rsa', { modulusLength: 2048 }));

const nodeUnwrap = (kek: Buffer, wrapped: Buffer, pad: boolean) => {
  const d = createDecipheriv(`id-aes${kek.length * 8}-wrap${pad ? '-pad' : ''}`, kek, pad ? KWP_IV : KW_IV);
  return Buffer.concat([d.update(wrapped), d.final()]);
};
const nodeWrap = (kek: Buffer, key: Uint8Array, pad: boolean) => {
  const c = createCipheriv(`id-aes${kek.length * 8}-wrap${pad ? '-pad' : ''}`, kek, pad ? KWP_IV : KW_IV);
  return Buffer.concat([c.update(key), c.final()]);
};

describe('the key-wrap backend in use', () => {
  it('is the one KMIPKIT_NATIVE asks for', () => {
    if (process.env.KMIPKIT_NATIVE === 'off') expect(defaultCryptoBackend).toBe('node');
    if (process.env.KMIPKIT_NATIVE === 'require') expect(defaultCryptoBackend).toBe('native');
    expect(['node', 'native']).toContain(defaultCryptoBackend);
  });
});

describe.each([{ v: V14 as V, name: '1.4' }, { v: V21 as V, name: '2.1' }])('Get with a Key Wrapping Specification at $name', ({ v }) => {

  it('AES key wrap, No Encoding: the RFC 3394 §4.1 vector, and the Key Wrapping Data echoes the request', async () => {
    const e = await testEngine();
    const kek = await aes(e, v, hex('000102030405060708090a0b0c0d0e0f'), { mask: Mask.WrapKey, keyParams: { mode: Mode.NISTKeyWrap } });
    const dek = await aes(e, v, hex('00112233445566778899aabbccddeeff'), { mask: Mask.Encrypt | Mask.Decrypt });
    const kb = await getWrapped(e, v, dek, kws(kek, { p: { mode: Mode.NISTKeyWrap }, encoding: EncodingOption.NoEncoding }));
    expect(wrappedBytes(kb).toString('hex')).toBe('1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5');
    expect(read.enum(child(kb, Tag.KeyFormatType))).toBe(KeyFormatType.Raw);
    expect(read.int(child(kb, Tag.CryptographicLength))).toBe(128);
    const kwd = child(kb, Tag.KeyWrappingData)!;
    expect(read.enum(child(kwd, Tag.WrappingMethod))).toBe(WrappingMethod.Encrypt);
    expect(read.text(child(child(kwd, Tag.EncryptionKeyInformation), Tag.UniqueIdentifier))).toBe(kek);
    expect(read.enum(child(child(child(kwd, Tag.EncryptionKeyInformation), Tag.CryptographicParameters), Tag.BlockCipherMode))).toBe(Mode.NISTKeyWrap);
    expect(read.enum(child(kwd, Tag.EncodingOption))).toBe(EncodingOption.NoEncoding);
  });

  it('AES-256 KW and KWP, No Encoding and TTLV Encoding: node:crypto unwraps what the server wrapped', async () => {
    const e = await testEngine();
    const kekBytes = randomBytes(32);
    const kek = await aes(e, v, kekBytes, { mask: Mask.WrapKey });
    const dekBytes = randomBytes(32);
    const dek = await aes(e, v, dekBytes, { mask: Mask.Encrypt | Mask.Decrypt });
    for (const pad of [false, true]) {
      const p = { mode: pad ? Mode.AESKeyWrapPadding : Mode.NISTKeyWrap };
      const raw = wrappedBytes(await getWrapped(e, v, dek, kws(kek, { p, encoding: EncodingOption.NoEncoding })));
      expect(nodeUnwrap(kekBytes, raw, pad).equals(dekBytes)).toBe(true);
      // TTLV Encoding (the default): the whole Key Value structure, with the attribute asked for.
      const kb = await getWrapped(e, v, dek, kws(kek, { p, names: ['Cryptographic Usage Mask'] }));
      expect(child(child(kb, Tag.KeyWrappingData), Tag.EncodingOption)).toBeUndefined();
      const kv = decode(nodeUnwrap(kekBytes, wrappedBytes(kb), pad));
      expect(kv.tag).toBe(Tag.KeyValue);
      expect(Buffer.from(read.bytes(child(kv, Tag.KeyMaterial))!).equals(dekBytes)).toBe(true);
      const mask = v[0] === 1
        ? read.int({ ...child(child(kv, Tag.Attribute), Tag.AttributeValue)!, tag: 0 } as TtlvItem)
        : read.int(child(child(kv, Tag.Attributes), Tag.CryptographicUsageMask));
      expect(mask).toBe(Mask.Encrypt | Mask.Decrypt);
    }
  });

  it('AES key wrap with padding takes a key RFC 3394 cannot (20-byte HMAC key), and refuses it under NIST Key Wrap', async () => {
    const e = await testEngine();
    const kekBytes = randomBytes(32);
    const kek = await aes(e, v, kekBytes, { mask: Mask.WrapKey });
    const secret = randomBytes(20);
    const body = struct(Tag.SecretData, [enm(Tag.SecretDataType, SecretDataType.Password), struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Opaque), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, secret)])])]);
    const sd = await registerBody(e, v, ObjectType.SecretData, body, { mask: 0, active: false });
    const kb = await getWrapped(e, v, sd, kws(kek, { p: { mode: Mode.AESKeyWrapPadding }, encoding: EncodingOption.NoEncoding }));
    expect(nodeUnwrap(kekBytes, wrappedBytes(kb), true).equals(secret)).toBe(true);
    const r = await reason(e, v, Op.Get, [text(Tag.UniqueIdentifier, sd), kws(kek, { p: { mode: Mode.NISTKeyWrap }, encoding: EncodingOption.NoEncoding })]);
    expect(r).toBe(v[0] === 2 ? RR.BadCryptographicParameters : RR.InvalidField);
  });

  it('RSA-OAEP with SHA-1 (the default) and SHA-256: node:crypto privateDecrypt recovers the key', async () => {
    const e = await testEngine();
    const pair = rsaPair();
    const pub = struct(Tag.PublicKey, [
      struct(Tag.KeyBlock, [
        enm(Tag.KeyFormatType, KeyFormatType.X_509),
        struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, pair.publicKey.export({ format: 'der', type: 'spki' }))]),
        enm(Tag.CryptographicAlgorithm, Alg.RSA),
        int(Tag.CryptographicLength, 2048),
      ]),
    ]);
    const wrapper = await registerBody(e, v, ObjectType.PublicKey, pub, { mask: Mask.WrapKey });
    const dekBytes = randomBytes(32);
    const dek = await aes(e, v, dekBytes, { mask: Mask.Encrypt });
    const cases: [P | undefined, string][] = [
      [undefined, 'sha1'],
      [{ padding: Pad.OAEP, hashing: HashAlg.SHA_1 }, 'sha1'],
      [{ padding: Pad.OAEP, hashing: HashAlg.SHA_256, mgfHashing: HashAlg.SHA_256 }, 'sha256'],
    ];
    for (const [p, oaepHash] of cases) {
      const kb = await getWrapped(e, v, dek, kws(wrapper, { p, encoding: EncodingOption.NoEncoding }));
      const out = privateDecrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash }, wrappedBytes(kb));
      expect(out.equals(dekBytes), oaepHash).toBe(true);
    }
    // OAEP-SHA-256 with the spec's default MGF1 hash (SHA-1), which node:crypto cannot make: the server's own
    // OAEP (src/kmip/crypto/rsa.ts), checked here by Python's cryptography (PyKMIP's interpreter), an
    // independent implementation; node's SHA-256/MGF1-SHA-256 decryption must refuse the same bytes.
    const mixed = wrappedBytes(await getWrapped(e, v, dek, kws(wrapper, { p: { padding: Pad.OAEP, hashing: HashAlg.SHA_256 }, encoding: EncodingOption.NoEncoding })));
    expect(() => privateDecrypt({ key: pair.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, mixed)).toThrow();
    const script = [
      'import sys',
      'from cryptography.hazmat.primitives import hashes, serialization',
      'from cryptography.hazmat.primitives.asymmetric import padding',
      'k = serialization.load_der_private_key(bytes.fromhex(sys.argv[1]), None)',
      'print(k.decrypt(bytes.fromhex(sys.argv[2]), padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None)).hex())',
    ].join('\n');
    const der = pair.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('hex');
    const out = execFileSync(findPyKmipPython(), ['-c', script, der, Buffer.from(mixed).toString('hex')], { encoding: 'utf8' }).trim();
    expect(out).toBe(dekBytes.toString('hex'));
  });

  it('a Sensitive key leaves wrapped only; a key that is not Extractable does not leave at all', async () => {
    const e = await testEngine();
    const kek = await aes(e, v, randomBytes(32), { mask: Mask.WrapKey });
    const sensitive = await aes(e, v, randomBytes(16), { mask: Mask.Encrypt, sensitive: true });
    expect(await reason(e, v, Op.Get, [text(Tag.UniqueIdentifier, sensitive)])).toBe(RR.Sensitive);
    expect(wrappedBytes(await getWrapped(e, v, sensitive, kws(kek)))).toHaveLength(40); // TTLV Key Value of 32 bytes + 8
    const kept = await aes(e, v, randomBytes(16), { mask: Mask.Encrypt, extractable: false });
    expect(await reason(e, v, Op.Get, [text(Tag.UniqueIdentifier, kept), kws(kek)])).toBe(RR.NotExtractable);
  });

  it('refuses a wrapping key without Wrap Key, not Active, unknown, destroyed, or of the wrong type, and other methods', async () => {
    const e = await testEngine();
    const dek = await aes(e, v, randomBytes(16), { mask: Mask.Encrypt });
    const get = (spec: TtlvItem) => reason(e, v, Op.Get, [text(Tag.UniqueIdentifier, dek), spec]);
    const v2 = v[0] === 2;
    const noMask = await aes(e, v, randomBytes(32), { mask: Mask.Encrypt | Mask.UnwrapKey });
    expect(await get(kws(noMask))).toBe(v2 ? RR.IncompatibleCryptographicUsageMask : RR.PermissionDenied);
    const preActive = await aes(e, v, randomBytes(32), { mask: Mask.WrapKey, active: false });
    expect(await get(kws(preActive))).toBe(v2 ? RR.WrongKeyLifecycleState : RR.PermissionDenied);
    expect(await get(kws('no-such-key'))).toBe(v2 ? RR.WrappingObjectNotFound : RR.ItemNotFound);
    const destroyed = await aes(e, v, randomBytes(32), { mask: Mask.WrapKey, active: false });
    await e.ok(v, Op.Destroy, [text(Tag.UniqueIdentifier, destroyed)]);
    expect(await get(kws(destroyed))).toBe(v2 ? RR.WrappingObjectDestroyed : RR.KeyValueNotPresent);
    const revoked = await aes(e, v, randomBytes(32), { mask: Mask.WrapKey });
    await e.ok(v, Op.Revoke, [text(Tag.UniqueIdentifier, revoked), struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, RevocationReasonCode.CessationOfOperation)])]);
    expect(await get(kws(revoked))).toBe(v2 ? RR.WrongKeyLifecycleState : RR.PermissionDenied);
    // Another principal's key is not found (as any object of theirs is).
    const bobs = uidIn(await e.ok(V21, Op.Register, [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.WrapKey)]), aesBody(randomBytes(32))], 'bob'));
    expect(await get(kws(bobs))).toBe(v2 ? RR.WrappingObjectNotFound : RR.ItemNotFound);
    const good = await aes(e, v, randomBytes(32), { mask: Mask.WrapKey, keyParams: { mode: Mode.NISTKeyWrap } });
    expect(await get(kws(good, { method: WrappingMethod.MACSign }))).toBe(RR.FeatureNotSupported);
    expect(await get(kws(good, { method: WrappingMethod.EncryptThenMACSign }))).toBe(RR.FeatureNotSupported);
    // Parameters that match none of the wrapping key's Cryptographic Parameters (KMIP 1.4 §2.1.6).
    expect(await get(kws(good, { p: { mode: Mode.AESKeyWrapPadding } }))).toBe(v2 ? RR.BadCryptographicParameters : RR.InvalidField);
    expect(await get(kws(good, { p: { mode: Mode.GCM } }))).toBe(RR.FeatureNotSupported);
    expect(await get(kws(good, { encoding: EncodingOption.NoEncoding, names: ['Cryptographic Usage Mask'] }))).toBe(RR.EncodingOptionError);
    // The wrapped key was never served: it is still Fresh.
    const fresh = await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, dek), enm(Tag.AttributeReference, Tag.Fresh)]);
    expect(read.bool(child(child(fresh, Tag.Attributes), Tag.Fresh))).toBe(true);
  });
});

/** Key Block of a key wrapped outside the server (node:crypto), naming the server's key `kekUid`. */
function wrappedAesBody(wrapped: Uint8Array, bits: number, kekUid: string, p: P | undefined, encoding?: number) {
  return struct(Tag.SymmetricKey, [
    struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, KeyFormatType.Raw),
      bytes(Tag.KeyValue, wrapped),
      enm(Tag.CryptographicAlgorithm, Alg.AES),
      int(Tag.CryptographicLength, bits),
      kws(kekUid, { p, encoding, tag: Tag.KeyWrappingData }),
    ]),
  ]);
}

/** An Import request at 2.1 of a Symmetric Key usable for Encrypt and Decrypt, active from an hour ago. */
function importPayload(uid: string, body: TtlvItem, o: { wrapType?: number; replace?: boolean } = {}): TtlvItem[] {
  return [
    text(Tag.UniqueIdentifier, uid),
    enm(Tag.ObjectType, ObjectType.SymmetricKey),
    o.replace !== undefined ? bool(Tag.ReplaceExisting, o.replace) : undefined,
    o.wrapType !== undefined ? enm(Tag.KeyWrapType, o.wrapType) : undefined,
    struct(Tag.Attributes, [
      enm(Tag.CryptographicAlgorithm, Alg.AES),
      int(Tag.CryptographicLength, 256),
      int(Tag.CryptographicUsageMask, Mask.Encrypt | Mask.Decrypt),
      date(Tag.ActivationDate, Date.now() - 3_600_000),
    ]),
    body,
  ].filter((x): x is TtlvItem => x !== undefined);
}

/** Encrypts with the server (AES-CBC, PKCS#5, our IV) and decrypts with node:crypto under `key`. */
async function serverEncryptsFor(e: Engine, uid: string, key: Uint8Array): Promise<void> {
  const msg = randomBytes(45);
  const iv = randomBytes(16);
  const p = await e.ok(V21, Op.Encrypt, [
    text(Tag.UniqueIdentifier, uid),
    struct(Tag.CryptographicParameters, [enm(Tag.BlockCipherMode, Mode.CBC), enm(Tag.PaddingMethod, Pad.PKCS5)]),
    bytes(Tag.Data, msg),
    bytes(Tag.IVCounterNonce, iv),
  ]);
  const d = createDecipheriv(`aes-${key.length * 8}-cbc`, key, iv);
  expect(Buffer.concat([d.update(read.bytes(child(p, Tag.Data))!), d.final()]).equals(msg)).toBe(true);
}

describe('Register of Triple DES keys (Cryptographic Length counts key bits, not parity bits)', () => {
  it('192 bits of material with Cryptographic Length 168 registers, and wraps with RFC 5649; a length that fits neither is refused', async () => {
    const e = await testEngine();
    const kekBytes = randomBytes(32);
    const kek = await aes(e, V14, kekBytes, { mask: Mask.WrapKey });
    const des3 = (material: Uint8Array, bits: number) =>
      struct(Tag.SymmetricKey, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, material)]), enm(Tag.CryptographicAlgorithm, Alg.DES3), int(Tag.CryptographicLength, bits)])]);
    const material = randomBytes(24);
    const uid = await registerBody(e, V14, ObjectType.SymmetricKey, des3(material, 168), { mask: Mask.Encrypt });
    const kb = await getWrapped(e, V14, uid, kws(kek, { p: { mode: Mode.AESKeyWrapPadding }, encoding: EncodingOption.NoEncoding }));
    expect(nodeUnwrap(kekBytes, wrappedBytes(kb), true).equals(material)).toBe(true);
    await registerBody(e, V14, ObjectType.SymmetricKey, des3(randomBytes(16), 112), { mask: Mask.Encrypt, active: false });
    const bad = [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.TemplateAttribute, []), des3(randomBytes(24), 112)];
    expect(await reason(e, V14, Op.Register, bad)).toBe(RR.InvalidField);
  });
});

describe('bring your own key: keys wrapped by node:crypto, registered and imported', () => {
  it('AES-KW, No Encoding: Import with Key Wrap Type Not Wrapped unwraps and stores the key, which the server then uses', async () => {
    const e = await testEngine();
    const kekBytes = randomBytes(32);
    const kek = await aes(e, V21, kekBytes, { mask: Mask.WrapKey | Mask.UnwrapKey, keyParams: { mode: Mode.NISTKeyWrap } });
    const dekBytes = randomBytes(32);
    const body = wrappedAesBody(nodeWrap(kekBytes, dekBytes, false), 256, kek, { mode: Mode.NISTKeyWrap }, EncodingOption.NoEncoding);
    const uid = uidIn(await e.ok(V21, Op.Import, importPayload('byok-kw', body, { wrapType: KeyWrapType.NotWrapped })));
    expect(uid).toBe('byok-kw');
    await serverEncryptsFor(e, uid, dekBytes);
    const got = await e.ok(V21, Op.Get, [text(Tag.UniqueIdentifier, uid)]);
    const kb = child(child(got, Tag.SymmetricKey), Tag.KeyBlock)!;
    expect(child(kb, Tag.KeyWrappingData)).toBeUndefined();
    expect(Buffer.from(read.bytes(child(child(kb, Tag.KeyValue), Tag.KeyMaterial))!).equals(dekBytes)).toBe(true);
  });

  it('AES-KWP over a TTLV-encoded Key Value (the default encoding): imported, unwrapped, used', async () => {
    const e = await testEngine();
    const kekBytes = randomBytes(16);
    const kek = await aes(e, V21, kekBytes, { mask: Mask.UnwrapKey });
    const dekBytes = randomBytes(32);
    const kv = encode(struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, dekBytes)]));
    const body = wrappedAesBody(nodeWrap(kekBytes, kv, true), 256, kek, { mode: Mode.AESKeyWrapPadding });
    await e.ok(V21, Op.Import, importPayload('byok-kwp', body, { wrapType: KeyWrapType.NotWrapped }));
    await serverEncryptsFor(e, 'byok-kwp', dekBytes);
  });

  it('RSA-OAEP SHA-256: a key wrapped with node:crypto publicEncrypt, unwrapped with the private key the server holds', async () => {
    const e = await testEngine();
    const pair = rsaPair();
    const priv = struct(Tag.PrivateKey, [
      struct(Tag.KeyBlock, [
        enm(Tag.KeyFormatType, KeyFormatType.PKCS_8),
        struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, pair.privateKey.export({ format: 'der', type: 'pkcs8' }))]),
        enm(Tag.CryptographicAlgorithm, Alg.RSA),
        int(Tag.CryptographicLength, 2048),
      ]),
    ]);
    const unwrapper = await registerBody(e, V21, ObjectType.PrivateKey, priv, { mask: Mask.UnwrapKey });
    // The Key Wrapping Data names the Public Key the client wrapped with; the server follows its Private Key Link.
    const pubBody = struct(Tag.PublicKey, [
      struct(Tag.KeyBlock, [
        enm(Tag.KeyFormatType, KeyFormatType.X_509),
        struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, pair.publicKey.export({ format: 'der', type: 'spki' }))]),
        enm(Tag.CryptographicAlgorithm, Alg.RSA),
        int(Tag.CryptographicLength, 2048),
      ]),
    ]);
    const wrapper = await registerBody(e, V21, ObjectType.PublicKey, pubBody, { mask: Mask.WrapKey });
    await e.ok(V21, Op.AddAttribute, [text(Tag.UniqueIdentifier, wrapper), struct(Tag.NewAttribute, [struct(Tag.Link, [enm(Tag.LinkType, LinkType.PrivateKeyLink), text(Tag.LinkedObjectIdentifier, unwrapper)])])]);
    const p = { padding: Pad.OAEP, hashing: HashAlg.SHA_256, mgfHashing: HashAlg.SHA_256 };
    for (const [named, uid] of [[unwrapper, 'byok-rsa-1'], [wrapper, 'byok-rsa-2']]) {
      const dekBytes = randomBytes(32);
      const wrapped = publicEncrypt({ key: pair.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dekBytes);
      await e.ok(V21, Op.Import, importPayload(uid, wrappedAesBody(wrapped, 256, named, p, EncodingOption.NoEncoding), { wrapType: KeyWrapType.NotWrapped }));
      await serverEncryptsFor(e, uid, dekBytes);
    }
  });

  it('Register keeps a wrapped key as registered: Get returns it as registered, Not Wrapped unwraps it, Encrypt refuses it', async () => {
    for (const v of [V14, V21] as V[]) {
      const e = await testEngine();
      const kekBytes = randomBytes(32);
      const kek = await aes(e, v, kekBytes, { mask: Mask.WrapKey | Mask.UnwrapKey });
      const dekBytes = randomBytes(32);
      const wrapped = nodeWrap(kekBytes, dekBytes, false);
      const uid = await registerBody(e, v, ObjectType.SymmetricKey, wrappedAesBody(wrapped, 256, kek, undefined, EncodingOption.NoEncoding), { mask: Mask.Encrypt | Mask.Decrypt });
      for (const extra of [[], [enm(Tag.KeyWrapType, KeyWrapType.AsRegistered)]]) {
        const kb = child(child(await e.ok(v, Op.Get, [text(Tag.UniqueIdentifier, uid), ...extra]), Tag.SymmetricKey), Tag.KeyBlock)!;
        expect(wrappedBytes(kb).equals(wrapped)).toBe(true);
      }
      const plain = await e.ok(v, Op.Get, [text(Tag.UniqueIdentifier, uid), enm(Tag.KeyWrapType, KeyWrapType.NotWrapped)]);
      expect(Buffer.from(read.bytes(child(child(child(child(plain, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!).equals(dekBytes)).toBe(true);
      // Re-wrapped under another key of the server's, which node:crypto unwraps.
      const kek2Bytes = randomBytes(32);
      const kek2 = await aes(e, v, kek2Bytes, { mask: Mask.WrapKey });
      const again = await getWrapped(e, v, uid, kws(kek2, { encoding: EncodingOption.NoEncoding }), [enm(Tag.KeyWrapType, KeyWrapType.NotWrapped)]);
      expect(nodeUnwrap(kek2Bytes, wrappedBytes(again), false).equals(dekBytes)).toBe(true);
      const enc = await reason(e, v, Op.Encrypt, [text(Tag.UniqueIdentifier, uid), struct(Tag.CryptographicParameters, [enm(Tag.BlockCipherMode, Mode.ECB)]), bytes(Tag.Data, randomBytes(16))]);
      expect(enc).toBe(RR.KeyValueNotPresent);
    }
  });

  it('refusals write nothing: tampered bytes, a key without Unwrap Key, an unknown or inactive key, MAC wrapping, a wrong length', async () => {
    const e = await testEngine();
    const kekBytes = randomBytes(32);
    const kek = await aes(e, V21, kekBytes, { mask: Mask.WrapKey | Mask.UnwrapKey });
    const wrapOnly = await aes(e, V21, kekBytes, { mask: Mask.WrapKey });
    const preActive = await aes(e, V21, kekBytes, { mask: Mask.UnwrapKey, active: false });
    const dekBytes = randomBytes(32);
    const good = nodeWrap(kekBytes, dekBytes, false);
    const tampered = Buffer.from(good);
    tampered[5] ^= 0x01;
    const before = await count(e);
    const imp = (body: TtlvItem) => reason(e, V21, Op.Import, importPayload('byok-refused', body, { wrapType: KeyWrapType.NotWrapped }));
    const nodeEnc = (kekUid: string, w: Uint8Array, bits = 256) => wrappedAesBody(w, bits, kekUid, undefined, EncodingOption.NoEncoding);
    expect(await imp(nodeEnc(kek, tampered))).toBe(RR.CryptographicFailure);
    expect(await imp(nodeEnc(kek, good.subarray(0, 20)))).toBe(RR.CryptographicFailure); // no RFC 3394 output is 20 bytes
    expect(await imp(nodeEnc(wrapOnly, good))).toBe(RR.IncompatibleCryptographicUsageMask);
    expect(await imp(nodeEnc('no-such-key', good))).toBe(RR.WrappingObjectNotFound);
    expect(await imp(nodeEnc(preActive, good))).toBe(RR.WrongKeyLifecycleState);
    expect(await imp(nodeEnc(kek, good, 128))).toBe(RR.InvalidField); // 256 bits unwrapped, 128 stated
    // TTLV Encoding stated, but the client wrapped the bare key: not a Key Value.
    expect(await imp(wrappedAesBody(good, 256, kek, undefined))).toBe(RR.EncodingOptionError);
    const macWrapped = struct(Tag.SymmetricKey, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), bytes(Tag.KeyValue, good), enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256), kws(kek, { method: WrappingMethod.MACSign, tag: Tag.KeyWrappingData })])]);
    expect(await imp(macWrapped)).toBe(RR.FeatureNotSupported);
    expect(await reason(e, V21, Op.Register, [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, []), macWrapped])).toBe(RR.FeatureNotSupported);
    // A Byte String Key Value without Key Wrapping Data is malformed.
    const bare = struct(Tag.SymmetricKey, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), bytes(Tag.KeyValue, good), enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256)])]);
    expect(await reason(e, V21, Op.Register, [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, []), bare])).toBe(RR.InvalidField);
    expect(await count(e)).toBe(before);
    expect(await reason(e, V21, Op.Get, [text(Tag.UniqueIdentifier, 'byok-refused')])).toBe(RR.ObjectNotFound);
    // The same bytes, untampered, go in.
    await e.ok(V21, Op.Import, importPayload('byok-refused', nodeEnc(kek, good), { wrapType: KeyWrapType.NotWrapped }));
    await serverEncryptsFor(e, 'byok-refused', dekBytes);
  });
});

describe('Export, Import and Set Endpoint Role', () => {
  it('Export returns the attributes and the key; Import into another server recreates it under the same identifier', async () => {
    for (const v of [V14, V21] as V[]) {
      const a = await testEngine();
      const dekBytes = randomBytes(32);
      const uid = await aes(a, v, dekBytes, { mask: Mask.Encrypt | Mask.Decrypt });
      const exp = await a.ok(v, Op.Export, [text(Tag.UniqueIdentifier, uid)]);
      expect(read.text(child(exp, Tag.UniqueIdentifier))).toBe(uid);
      expect(read.enum(child(exp, Tag.ObjectType))).toBe(ObjectType.SymmetricKey);
      const attrs = v[0] === 2 ? child(exp, Tag.Attributes)! : struct(Tag.Attributes, children(exp, Tag.Attribute));
      expect(read.bytes(child(child(child(child(exp, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))).toEqual(new Uint8Array(dekBytes));
      const b = await testEngine();
      const payload = [text(Tag.UniqueIdentifier, uid), enm(Tag.ObjectType, ObjectType.SymmetricKey), ...(v[0] === 2 ? [attrs] : children(exp, Tag.Attribute)), child(exp, Tag.SymmetricKey)!];
      expect(uidIn(await b.ok(v, Op.Import, payload))).toBe(uid);
      // The attributes Import stored are those Export gave (as a set: the server lists its own first).
      const set = (p: TtlvItem) => children(p, v[0] === 2 ? Tag.Attributes : Tag.Attribute)
        .flatMap((x) => (v[0] === 2 && x.type === ItemType.Structure ? x.value : [x]))
        .map((x) => Buffer.from(encode(x)).toString('hex'))
        .sort();
      expect(set(await b.ok(v, Op.Export, [text(Tag.UniqueIdentifier, uid)]))).toEqual(set(exp));
      if (v[0] === 2) await serverEncryptsFor(b, uid, dekBytes);
      // Import over an existing identifier: refused unless Replace Existing; only the owner replaces.
      expect(await reason(b, v, Op.Import, payload)).toBe(RR.ObjectAlreadyExists);
      expect(await reason(b, v, Op.Import, [...payload.slice(0, 2), bool(Tag.ReplaceExisting, true), ...payload.slice(2)], 'bob')).toBe(RR.PermissionDenied);
      await b.ok(v, Op.Import, [...payload.slice(0, 2), bool(Tag.ReplaceExisting, true), ...payload.slice(2)]);
    }
  });

  it('Export with a Key Wrapping Specification wraps the key (node:crypto unwraps it); a destroyed object is exported without material', async () => {
    const e = await testEngine();
    const kekBytes = randomBytes(24);
    const kek = await aes(e, V21, kekBytes, { mask: Mask.WrapKey });
    const dekBytes = randomBytes(16);
    const dek = await aes(e, V21, dekBytes, { mask: Mask.Encrypt, active: false });
    const exp = await e.ok(V21, Op.Export, [text(Tag.UniqueIdentifier, dek), kws(kek, { encoding: EncodingOption.NoEncoding })]);
    const kb = child(child(exp, Tag.SymmetricKey), Tag.KeyBlock)!;
    expect(nodeUnwrap(kekBytes, wrappedBytes(kb), false).equals(dekBytes)).toBe(true);
    expect(child(exp, Tag.Attributes)).toBeDefined();
    await e.ok(V21, Op.Destroy, [text(Tag.UniqueIdentifier, dek)]);
    const gone = await e.ok(V21, Op.Export, [text(Tag.UniqueIdentifier, dek)]);
    expect(child(gone, Tag.SymmetricKey)).toBeUndefined();
    expect(read.enum(child(child(gone, Tag.Attributes), Tag.State))).toBeDefined();
  });

  it('Import checks what it is given and writes nothing when it refuses', async () => {
    const e = await testEngine();
    const body = aesBody(randomBytes(32));
    const before = await count(e);
    const base = importPayload('imp-1', body);
    expect(await reason(e, V21, Op.Import, base.filter((i) => i.tag !== Tag.UniqueIdentifier))).toBe(RR.InvalidField);
    const mismatched = [...base.slice(0, 2), struct(Tag.Attributes, [text(Tag.UniqueIdentifier, 'other')]), body];
    expect(await reason(e, V21, Op.Import, mismatched)).toBe(RR.InvalidField);
    const twice = [...base.slice(0, 2), struct(Tag.Attributes, [int(Tag.CryptographicLength, 256), int(Tag.CryptographicLength, 128)]), body];
    expect(await reason(e, V21, Op.Import, twice)).toBe(RR.AttributeSingleValued);
    expect(await reason(e, V21, Op.Import, [...base.slice(0, 2), enm(Tag.KeyWrapType, 9), ...base.slice(2)])).toBe(RR.KeyWrapTypeNotSupported);
    expect(await reason(e, V21, Op.Import, importPayload('imp-1', aesBody(randomBytes(16))))).toBe(RR.InvalidField); // 128 bits of material, 256 stated
    expect(await count(e)).toBe(before);
  });

  it('Set Endpoint Role: the server keeps the server role, and says it cannot take the client role', async () => {
    const e = await testEngine();
    const p = await e.ok(V21, Op.SetEndpointRole, [enm(Tag.EndpointRole, EndpointRole.Server)]);
    expect(read.enum(child(p, Tag.EndpointRole))).toBe(EndpointRole.Server);
    expect(await reason(e, V21, Op.SetEndpointRole, [enm(Tag.EndpointRole, EndpointRole.Client)])).toBe(RR.FeatureNotSupported);
    expect(await reason(e, V21, Op.SetEndpointRole, [])).toBe(RR.InvalidField);
    expect(await reason(e, V14, Op.SetEndpointRole, [enm(Tag.EndpointRole, EndpointRole.Server)])).toBe(RR.OperationNotSupported);
  });
});

describe('over a real server (mutual TLS, SQLite file)', () => {
  it('Query lists Export, Import and Set Endpoint Role; a node:crypto-wrapped key is imported, re-wrapped and unwrapped by node:crypto; a tampered one is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmipkit-wrap-'));
    const kmip = await createClientAndServer({ store: 'sqlite', dataDir: dir });
    try {
      const c = kmip.client;
      const q = await c.call('Query', [enm(Tag.QueryFunction, QueryFunction.QueryOperations)]);
      const ops = children(q, Tag.Operation).map((o) => read.enum(o));
      for (const op of [Op.Export, Op.Import, Op.SetEndpointRole]) expect(ops).toContain(op);
      const kekBytes = randomBytes(32);
      const kek = uidIn(await c.call('Register', [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.WrapKey | Mask.UnwrapKey), date(Tag.ActivationDate, Date.now() - 60_000)]), aesBody(kekBytes)]));
      const dekBytes = randomBytes(32);
      const wrapped = nodeWrap(kekBytes, dekBytes, false);
      const tampered = Buffer.from(wrapped);
      tampered[wrapped.length - 1] ^= 0x80;
      const refused = await c.call('Import', importPayload('tls-byok', wrappedAesBody(tampered, 256, kek, undefined, EncodingOption.NoEncoding), { wrapType: KeyWrapType.NotWrapped })).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(KmipResultError);
      expect((refused as KmipResultError).reason).toBe('CryptographicFailure');
      await expect(c.call('Get', [text(Tag.UniqueIdentifier, 'tls-byok')])).rejects.toMatchObject({ reason: 'ObjectNotFound' });
      await c.call('Import', importPayload('tls-byok', wrappedAesBody(wrapped, 256, kek, undefined, EncodingOption.NoEncoding), { wrapType: KeyWrapType.NotWrapped }));
      const got = await c.call('Get', [text(Tag.UniqueIdentifier, 'tls-byok'), kws(kek, { p: { mode: Mode.AESKeyWrapPadding }, encoding: EncodingOption.NoEncoding })]);
      const kb = child(child(got, Tag.SymmetricKey), Tag.KeyBlock)!;
      expect(nodeUnwrap(kekBytes, wrappedBytes(kb), true).equals(dekBytes)).toBe(true);
    } finally {
      await kmip.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
