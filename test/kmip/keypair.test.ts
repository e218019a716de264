// Create Key Pair, Sign and Signature Verify through the engine, each result checked against node:crypto
// (an independent implementation): RSA (PKCS#1 v1.5 and PSS), ECDSA on P-256/384/521, Ed25519; Get of
// both halves in each Key Format Type; links, names, states and usage masks; refusals and bad requests.
import { constants, createPrivateKey, createPublicKey, sign as nodeSign, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, DigitalSignatureAlgorithm as Dsa, HashingAlgorithm as Hash, KeyFormatType, LinkType,
  ObjectType, Operation as Op, PaddingMethod, RecommendedCurve, ResultReason as RR, ResultStatus as RS, RevocationReasonCode, State, Tag, ValidityIndicator,
} from '../../src/dict/index.js';
import type { TtlvItem } from '../../src/ttlv/index.js';
import { bool, bytes } from '../../src/kmip/items.js';
import { child, children, enm, int, read, struct, testEngine, text } from '../helpers/kmip.js';

const V21 = [2, 1] as const;
const V14 = [1, 4] as const;
const V20 = [2, 0] as const;
type V = typeof V21 | typeof V14;
type Engine = Awaited<ReturnType<typeof testEngine>>;

const MESSAGE = new TextEncoder().encode('data to sign in the key pair tests');
const attr1x = (name: string, value: TtlvItem) => struct(Tag.Attribute, [text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);
const nameItem = (v: string) => struct(Tag.Name, [text(Tag.NameValue, v), enm(Tag.NameType, 1)]);

/** Attributes as a 1.x Template-Attribute or a 2.x Attributes body, under the given section tags. */
function section(v: V, which: 'common' | 'private' | 'public', items: TtlvItem[]): TtlvItem {
  const tag = v[0] >= 2
    ? { common: Tag.CommonAttributes, private: Tag.PrivateKeyAttributes, public: Tag.PublicKeyAttributes }[which]
    : { common: Tag.CommonTemplateAttribute, private: Tag.PrivateKeyTemplateAttribute, public: Tag.PublicKeyTemplateAttribute }[which];
  if (v[0] >= 2) return struct(tag, items);
  return struct(tag, items.map((i) => attr1x(attrName(i.tag), i)));
}
const attrName = (tag: number): string =>
  ({
    [Tag.CryptographicAlgorithm]: 'Cryptographic Algorithm', [Tag.CryptographicLength]: 'Cryptographic Length',
    [Tag.CryptographicUsageMask]: 'Cryptographic Usage Mask', [Tag.Name]: 'Name', [Tag.CryptographicDomainParameters]: 'Cryptographic Domain Parameters',
    [Tag.CryptographicParameters]: 'Cryptographic Parameters',
  })[tag]!;

interface Kind {
  label: string;
  common: TtlvItem[];
  bits: number;
  algorithm: number;
  nodeType: string;
  pubFormat: number;
  /** Cryptographic Parameters for Sign/Verify, and node's equivalent. */
  params: TtlvItem[];
  nodeHash: string | null;
  nodeOpts: (key: KeyObject) => Parameters<typeof nodeVerify>[2];
  /** Signatures are deterministic (PKCS#1 v1.5, Ed25519). */
  deterministic: boolean;
  versions: V[];
}

const plain = (key: KeyObject) => key;
const KINDS: Kind[] = [
  {
    label: 'RSA-2048 PKCS#1 v1.5', common: [enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, 2048)], bits: 2048, algorithm: Alg.RSA,
    nodeType: 'rsa', pubFormat: KeyFormatType.PKCS_1, params: [enm(Tag.DigitalSignatureAlgorithm, Dsa.SHA_256WithRSAEncryption)], nodeHash: 'sha256',
    nodeOpts: plain, deterministic: true, versions: [V14, V21],
  },
  {
    label: 'RSA-2048 PSS SHA-384', common: [enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, 2048)], bits: 2048, algorithm: Alg.RSA,
    nodeType: 'rsa', pubFormat: KeyFormatType.PKCS_1,
    params: [enm(Tag.CryptographicAlgorithm, Alg.RSA), enm(Tag.HashingAlgorithm, Hash.SHA_384), enm(Tag.PaddingMethod, PaddingMethod.PSS)], nodeHash: 'sha384',
    // The server's salt is the hash length (48); node checks exactly that.
    nodeOpts: (key) => ({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 48 }), deterministic: false, versions: [V14, V21],
  },
  {
    label: 'ECDSA P-256 SHA-256', common: [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), int(Tag.CryptographicLength, 256)], bits: 256, algorithm: Alg.ECDSA,
    nodeType: 'ec', pubFormat: KeyFormatType.X_509, params: [enm(Tag.DigitalSignatureAlgorithm, Dsa.ECDSAWithSHA256)], nodeHash: 'sha256',
    nodeOpts: plain, deterministic: false, versions: [V14, V21],
  },
  {
    label: 'ECDSA P-384 SHA-384 (by Recommended Curve)',
    common: [enm(Tag.CryptographicAlgorithm, Alg.EC), struct(Tag.CryptographicDomainParameters, [enm(Tag.RecommendedCurve, RecommendedCurve.P_384)])], bits: 384, algorithm: Alg.EC,
    nodeType: 'ec', pubFormat: KeyFormatType.X_509, params: [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), enm(Tag.HashingAlgorithm, Hash.SHA_384)], nodeHash: 'sha384',
    nodeOpts: plain, deterministic: false, versions: [V21],
  },
  {
    label: 'ECDSA P-521 SHA-512', common: [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), int(Tag.CryptographicLength, 521)], bits: 521, algorithm: Alg.ECDSA,
    nodeType: 'ec', pubFormat: KeyFormatType.X_509, params: [enm(Tag.DigitalSignatureAlgorithm, Dsa.ECDSAWithSHA512)], nodeHash: 'sha512',
    nodeOpts: plain, deterministic: false, versions: [V14],
  },
  {
    label: 'Ed25519', common: [enm(Tag.CryptographicAlgorithm, Alg.Ed25519)], bits: 256, algorithm: Alg.Ed25519,
    nodeType: 'ed25519', pubFormat: KeyFormatType.X_509, params: [], nodeHash: null, nodeOpts: plain, deterministic: true, versions: [V21],
  },
];

let n = 0;
/** A pair with names (and the default usage masks); both uids. */
async function makePair(e: Engine, v: V, common: TtlvItem[], priv: TtlvItem[] = [], pub: TtlvItem[] = []) {
  const tag = `${++n}`;
  const p = await e.ok(v, Op.CreateKeyPair, [
    section(v, 'common', common),
    section(v, 'private', [nameItem(`priv-${tag}`), ...priv]),
    section(v, 'public', [nameItem(`pub-${tag}`), ...pub]),
  ]);
  expect(p.type === 0x01 && p.value.map((c) => c.tag)).toEqual([Tag.PrivateKeyUniqueIdentifier, Tag.PublicKeyUniqueIdentifier]);
  return { priv: read.text(child(p, Tag.PrivateKeyUniqueIdentifier))!, pub: read.text(child(p, Tag.PublicKeyUniqueIdentifier))!, privName: `priv-${tag}`, pubName: `pub-${tag}` };
}

async function attrs(e: Engine, uid: string): Promise<TtlvItem> {
  const p = await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, uid)]);
  return child(p, Tag.Attributes)!;
}

async function getKey(e: Engine, v: V, uid: string, format?: number) {
  const r = await e.send(v, [{ op: Op.Get, payload: [text(Tag.UniqueIdentifier, uid), format === undefined ? undefined : enm(Tag.KeyFormatType, format)].filter((x): x is TtlvItem => !!x) }]);
  const it = r.items[0];
  if (it.status !== RS.Success) return { reason: it.reason };
  const obj = child(it.payload!, Tag.PrivateKey) ?? child(it.payload!, Tag.PublicKey);
  const kb = child(obj, Tag.KeyBlock);
  return { format: read.enum(child(kb, Tag.KeyFormatType))!, der: Buffer.from(read.bytes(child(child(kb, Tag.KeyValue), Tag.KeyMaterial))!), tag: obj!.tag };
}

const loadKey = (der: Buffer, format: number, isPrivate: boolean): KeyObject => {
  if (isPrivate) return createPrivateKey({ key: der, format: 'der', type: format === KeyFormatType.PKCS_1 ? 'pkcs1' : format === KeyFormatType.ECPrivateKey ? 'sec1' : 'pkcs8' });
  return createPublicKey({ key: der, format: 'der', type: format === KeyFormatType.PKCS_1 ? 'pkcs1' : 'spki' });
};

const signP = (uid: string, params: TtlvItem[], data: Uint8Array = MESSAGE): TtlvItem[] => [
  text(Tag.UniqueIdentifier, uid), ...(params.length ? [struct(Tag.CryptographicParameters, params)] : []), bytes(Tag.Data, data),
];
const verifyP = (uid: string, params: TtlvItem[], signature: Uint8Array, data: Uint8Array = MESSAGE): TtlvItem[] => [
  ...signP(uid, params, data), bytes(Tag.SignatureData, signature),
];
const validity = (p: TtlvItem) => read.enum(child(p, Tag.ValidityIndicator));

async function activate(e: Engine, ...uids: string[]) {
  for (const uid of uids) await e.ok(V21, Op.Activate, [text(Tag.UniqueIdentifier, uid)]);
}

describe.each(KINDS.flatMap((k) => k.versions.map((v) => [`${k.label} at KMIP ${v.join('.')}`, k, v] as const)))('%s', (_label, kind, v) => {
  it('creates a linked pair with split attributes; Get in each format loads in node:crypto and the halves match', async () => {
    const e = await testEngine();
    const pair = await makePair(e, v, kind.common);
    const pa = await attrs(e, pair.priv);
    const pb = await attrs(e, pair.pub);
    expect(read.enum(child(pa, Tag.ObjectType))).toBe(ObjectType.PrivateKey);
    expect(read.enum(child(pb, Tag.ObjectType))).toBe(ObjectType.PublicKey);
    for (const a of [pa, pb]) {
      expect(read.enum(child(a, Tag.CryptographicAlgorithm))).toBe(kind.algorithm);
      expect(read.int(child(a, Tag.CryptographicLength))).toBe(kind.bits);
      expect(read.enum(child(a, Tag.State))).toBe(State.PreActive);
      expect(child(a, Tag.Digest)).toBeDefined();
      expect(child(a, Tag.RandomNumberGenerator)).toBeDefined();
    }
    expect(read.int(child(pa, Tag.CryptographicUsageMask))).toBe(Mask.Sign);
    expect(read.int(child(pb, Tag.CryptographicUsageMask))).toBe(Mask.Verify);
    expect(children(pa, Tag.Name).map((x) => read.text(child(x, Tag.NameValue)))).toEqual([pair.privName]);
    expect(children(pb, Tag.Name).map((x) => read.text(child(x, Tag.NameValue)))).toEqual([pair.pubName]);
    const links = (a: TtlvItem) => children(a, Tag.Link).map((l) => [read.enum(child(l, Tag.LinkType)), read.text(child(l, Tag.LinkedObjectIdentifier))]);
    expect(links(pa)).toEqual([[LinkType.PublicKeyLink, pair.pub]]);
    expect(links(pb)).toEqual([[LinkType.PrivateKeyLink, pair.priv]]);

    // As stored: RSA both halves PKCS#1 (as the OASIS AKLC tests expect); else PKCS#8 private, X.509 public.
    const storedPriv = await getKey(e, v, pair.priv);
    const storedPub = await getKey(e, v, pair.pub);
    expect(storedPriv.format).toBe(kind.nodeType === 'rsa' ? KeyFormatType.PKCS_1 : KeyFormatType.PKCS_8);
    expect(storedPub.format).toBe(kind.pubFormat);
    const spki = loadKey(storedPub.der!, storedPub.format!, false).export({ format: 'der', type: 'spki' });
    const rsa = kind.nodeType === 'rsa';
    for (const f of [KeyFormatType.PKCS_8, KeyFormatType.PKCS_1, KeyFormatType.ECPrivateKey, KeyFormatType.X_509, KeyFormatType.Raw]) {
      const got = await getKey(e, v, pair.priv, f);
      if (f === KeyFormatType.PKCS_8 || (f === KeyFormatType.PKCS_1 && rsa) || (f === KeyFormatType.ECPrivateKey && kind.nodeType === 'ec')) {
        expect(got.format).toBe(f);
        const k = loadKey(got.der!, f, true);
        expect(k.asymmetricKeyType).toBe(kind.nodeType);
        expect(createPublicKey(k).export({ format: 'der', type: 'spki' })).toEqual(spki);
      } else {
        expect(got.reason, `private key as format ${f}`).toBe(RR.KeyFormatTypeNotSupported);
      }
      const pub = await getKey(e, v, pair.pub, f);
      if (f === KeyFormatType.X_509 || (f === KeyFormatType.PKCS_1 && rsa)) {
        expect(pub.format).toBe(f);
        expect(loadKey(pub.der!, f, false).export({ format: 'der', type: 'spki' })).toEqual(spki);
      } else {
        expect(pub.reason, `public key as format ${f}`).toBe(RR.KeyFormatTypeNotSupported);
      }
    }
    if (rsa) expect(loadKey(storedPub.der!, storedPub.format!, false).asymmetricKeyDetails?.modulusLength).toBe(kind.bits);
    if (rsa) expect(loadKey(storedPub.der!, storedPub.format!, false).asymmetricKeyDetails?.publicExponent).toBe(65537n);
  });

  it('signs what node:crypto verifies, verifies what node:crypto signs, and calls a tampered signature Invalid', async () => {
    const e = await testEngine();
    const pair = await makePair(e, v, kind.common);
    await activate(e, pair.priv, pair.pub);
    const privateKey = loadKey((await getKey(e, v, pair.priv, KeyFormatType.PKCS_8)).der!, KeyFormatType.PKCS_8, true);
    const pub = await getKey(e, v, pair.pub);
    const publicKey = loadKey(pub.der!, pub.format!, false);

    const signed = await e.ok(v, Op.Sign, signP(pair.priv, kind.params));
    expect(read.text(child(signed, Tag.UniqueIdentifier))).toBe(pair.priv);
    const signature = read.bytes(child(signed, Tag.SignatureData))!;
    expect(nodeVerify(kind.nodeHash, MESSAGE, kind.nodeOpts(publicKey), signature)).toBe(true);
    const local = nodeSign(kind.nodeHash, MESSAGE, kind.nodeOpts(privateKey) as Parameters<typeof nodeSign>[2]);
    if (kind.deterministic) expect(Buffer.from(signature)).toEqual(local);

    const ok = await e.ok(v, Op.SignatureVerify, verifyP(pair.pub, kind.params, local));
    expect(read.text(child(ok, Tag.UniqueIdentifier))).toBe(pair.pub);
    expect(validity(ok)).toBe(ValidityIndicator.Valid);
    expect(validity(await e.ok(v, Op.SignatureVerify, verifyP(pair.pub, kind.params, signature)))).toBe(ValidityIndicator.Valid);

    const tampered = Uint8Array.from(local);
    tampered[tampered.length >> 1] ^= 0x10;
    expect(nodeVerify(kind.nodeHash, MESSAGE, kind.nodeOpts(publicKey), tampered)).toBe(false);
    expect(validity(await e.ok(v, Op.SignatureVerify, verifyP(pair.pub, kind.params, tampered)))).toBe(ValidityIndicator.Invalid);
    expect(validity(await e.ok(v, Op.SignatureVerify, verifyP(pair.pub, kind.params, local, new TextEncoder().encode('other data'))))).toBe(ValidityIndicator.Invalid);
    // Garbage of the wrong length is an invalid signature too, not an error.
    expect(validity(await e.ok(v, Op.SignatureVerify, verifyP(pair.pub, kind.params, new Uint8Array(3))))).toBe(ValidityIndicator.Invalid);
  });
});

describe('RSA key lengths', () => {
  it('makes 3072- and 4096-bit keys; refuses 1024 and 2049 with Invalid Field', async () => {
    const e = await testEngine();
    for (const bits of [3072, 4096]) {
      const pair = await makePair(e, V21, [enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, bits)]);
      const pub = await getKey(e, V21, pair.pub);
      expect(loadKey(pub.der!, pub.format!, false).asymmetricKeyDetails?.modulusLength).toBe(bits);
    }
    for (const bits of [1024, 2049]) {
      const r = await e.send(V21, [{ op: Op.CreateKeyPair, payload: [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, bits)])] }]);
      expect(r.items[0].reason, `${bits}`).toBe(RR.InvalidField);
    }
  }, 60_000);
});

const RSA = [enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, 2048)];
const PKCS1 = [enm(Tag.DigitalSignatureAlgorithm, Dsa.SHA_256WithRSAEncryption)];

describe('Create Key Pair requests', () => {
  it('sets the ID Placeholder to the private key: Activate and Sign with no identifier in the same batch', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [
      { op: Op.CreateKeyPair, payload: [section(V21, 'common', RSA)] },
      { op: Op.Activate, payload: [] },
      { op: Op.GetAttributes, payload: [enm(Tag.AttributeReference, Tag.ObjectType)] },
      { op: Op.Sign, payload: [struct(Tag.CryptographicParameters, PKCS1), bytes(Tag.Data, MESSAGE)] },
    ]);
    expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.Success, RS.Success, RS.Success]);
    const priv = read.text(child(r.items[0].payload!, Tag.PrivateKeyUniqueIdentifier));
    expect(read.text(child(r.items[3].payload!, Tag.UniqueIdentifier))).toBe(priv);
    expect(read.enum(child(child(r.items[2].payload!, Tag.Attributes), Tag.ObjectType))).toBe(ObjectType.PrivateKey);
  });

  it('a common usage mask is narrowed to each half; a half\'s own mask wins and is checked', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V14, [...RSA, int(Tag.CryptographicUsageMask, Mask.Sign | Mask.Verify)]);
    expect(read.int(child(await attrs(e, pair.priv), Tag.CryptographicUsageMask))).toBe(Mask.Sign);
    expect(read.int(child(await attrs(e, pair.pub), Tag.CryptographicUsageMask))).toBe(Mask.Verify);
    const own = await makePair(e, V21, RSA, [int(Tag.CryptographicUsageMask, Mask.Decrypt | Mask.Sign)], [int(Tag.CryptographicUsageMask, Mask.Encrypt)]);
    expect(read.int(child(await attrs(e, own.priv), Tag.CryptographicUsageMask))).toBe(Mask.Decrypt | Mask.Sign);
    expect(read.int(child(await attrs(e, own.pub), Tag.CryptographicUsageMask))).toBe(Mask.Encrypt);
    for (const [v, reason] of [[V21, RR.IncompatibleCryptographicUsageMask], [V14, RR.InvalidField]] as const) {
      const r = await e.send(v, [{ op: Op.CreateKeyPair, payload: [section(v, 'common', RSA), section(v, 'public', [int(Tag.CryptographicUsageMask, Mask.Sign)])] }]);
      expect(r.items[0].reason).toBe(reason);
      const ed = await e.send(V21, [{ op: Op.CreateKeyPair, payload: [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.Ed25519)]), section(V21, 'private', [int(Tag.CryptographicUsageMask, Mask.Decrypt)])] }]);
      expect(ed.items[0].reason).toBe(RR.IncompatibleCryptographicUsageMask);
    }
  });

  it('a half\'s own algorithm attributes override the common ones, but both halves must agree', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.CreateKeyPair, payload: [section(V21, 'common', RSA), section(V21, 'public', [int(Tag.CryptographicLength, 3072)])] }]);
    expect(r.items[0].reason).toBe(RR.InvalidField);
    const pair = await makePair(e, V21, [enm(Tag.CryptographicAlgorithm, Alg.RSA)], [int(Tag.CryptographicLength, 2048)], [int(Tag.CryptographicLength, 2048)]);
    expect(read.int(child(await attrs(e, pair.pub), Tag.CryptographicLength))).toBe(2048);
  });

  it('an Activation Date in the past makes both keys Active; Sensitive applies to its half only', async () => {
    const e = await testEngine();
    const past = { tag: Tag.ActivationDate, type: 0x09, value: BigInt(Math.floor(Date.now() / 1000) - 60) } as TtlvItem;
    const pair = await makePair(e, V21, [...RSA, past], [bool(Tag.Sensitive, true)]);
    expect(read.enum(child(await attrs(e, pair.priv), Tag.State))).toBe(State.Active);
    expect(read.enum(child(await attrs(e, pair.pub), Tag.State))).toBe(State.Active);
    expect((await getKey(e, V21, pair.priv)).reason).toBe(RR.Sensitive);
    expect((await getKey(e, V21, pair.pub)).format).toBe(KeyFormatType.PKCS_1);
  });

  it('refuses what it cannot make', async () => {
    const e = await testEngine();
    const cases: [string, V, TtlvItem[], number][] = [
      ['no algorithm', V21, [section(V21, 'common', [int(Tag.CryptographicLength, 2048)])], RR.InvalidField],
      ['empty payload', V14, [], RR.InvalidField],
      ['RSA without a length', V14, [section(V14, 'common', [enm(Tag.CryptographicAlgorithm, Alg.RSA)])], RR.InvalidField],
      ['AES', V21, [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256)])], RR.FeatureNotSupported],
      ['DSA', V21, [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.DSA), int(Tag.CryptographicLength, 2048)])], RR.FeatureNotSupported],
      ['EC of length 200', V21, [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), int(Tag.CryptographicLength, 200)])], RR.InvalidField],
      ['EC on P-192', V21, [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.EC), struct(Tag.CryptographicDomainParameters, [enm(Tag.RecommendedCurve, RecommendedCurve.P_192)])])], RR.FeatureNotSupported],
      ['EC with a length that contradicts its curve', V21, [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.EC), int(Tag.CryptographicLength, 384), struct(Tag.CryptographicDomainParameters, [enm(Tag.RecommendedCurve, RecommendedCurve.P_256)])])], RR.InvalidField],
      ['Ed25519 of length 448', V21, [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.Ed25519), int(Tag.CryptographicLength, 448)])], RR.InvalidField],
      ['a server-set attribute', V21, [section(V21, 'common', [...RSA, enm(Tag.State, State.Active)])], RR.AttributeReadOnly],
      ['one name for both keys (2.x)', V21, [section(V21, 'common', [...RSA, nameItem('both')])], RR.NonUniqueNameAttribute],
    ];
    for (const [label, v, payload, reason] of cases) {
      const r = await e.send(v, [{ op: Op.CreateKeyPair, payload }]);
      expect(r.items[0].status, label).toBe(RS.OperationFailed);
      expect(r.items[0].reason, label).toBe(reason);
    }
    // Nothing was written by the failures.
    const loc = await e.ok(V21, Op.Locate, []);
    expect(children(loc, Tag.UniqueIdentifier)).toEqual([]);
  });
});

describe('Sign and Signature Verify rules', () => {
  async function activePair(e: Engine, priv: TtlvItem[] = [], pub: TtlvItem[] = []) {
    const pair = await makePair(e, V21, RSA, priv, pub);
    await activate(e, pair.priv, pair.pub);
    return pair;
  }

  it('Sign needs an Active private key; Verify works on a Deactivated or Compromised public key', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V21, RSA);
    // Lifecycle refusals: Permission Denied up to 2.0, Wrong Key Lifecycle State from 2.1 (src/kmip/ops/usable.ts).
    for (const [v, reason] of [[V21, RR.WrongKeyLifecycleState], [V20, RR.PermissionDenied], [V14, RR.PermissionDenied]] as const) {
      expect((await e.send(v, [{ op: Op.Sign, payload: signP(pair.priv, PKCS1) }])).items[0].reason).toBe(reason);
      expect((await e.send(v, [{ op: Op.SignatureVerify, payload: verifyP(pair.pub, PKCS1, new Uint8Array(256)) }])).items[0].reason).toBe(reason);
    }
    await activate(e, pair.priv, pair.pub);
    const sig = read.bytes(child(await e.ok(V21, Op.Sign, signP(pair.priv, PKCS1)), Tag.SignatureData))!;
    const revoke = (uid: string, code: number) => e.ok(V21, Op.Revoke, [text(Tag.UniqueIdentifier, uid), struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, code)]), ...(code === RevocationReasonCode.KeyCompromise ? [{ tag: Tag.CompromiseOccurrenceDate, type: 0x09, value: 0n } as TtlvItem] : [])]);
    await revoke(pair.priv, RevocationReasonCode.CessationOfOperation);
    await revoke(pair.pub, RevocationReasonCode.CessationOfOperation);
    expect((await e.send(V21, [{ op: Op.Sign, payload: signP(pair.priv, PKCS1) }])).items[0].reason).toBe(RR.WrongKeyLifecycleState);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, PKCS1, sig)))).toBe(ValidityIndicator.Valid);
    await revoke(pair.pub, RevocationReasonCode.KeyCompromise);
    expect(read.enum(child(await attrs(e, pair.pub), Tag.State))).toBe(State.Compromised);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, PKCS1, sig)))).toBe(ValidityIndicator.Valid);
    await e.ok(V21, Op.Destroy, [text(Tag.UniqueIdentifier, pair.pub)]);
    // "The Key Value is not present on the server": Key Value Not Present (1.4 §11.33, 2.1 §6.1.50.1).
    for (const v of [V21, V14]) {
      expect((await e.send(v, [{ op: Op.SignatureVerify, payload: verifyP(pair.pub, PKCS1, sig) }])).items[0].reason).toBe(RR.KeyValueNotPresent);
    }
  });

  it('the usage mask must allow the operation; the key must be of the right type', async () => {
    const e = await testEngine();
    const pair = await activePair(e, [int(Tag.CryptographicUsageMask, Mask.Decrypt)], [int(Tag.CryptographicUsageMask, Mask.Encrypt)]);
    // 1.4 §11.32-11.33: a key "not able to be used for signing" is Permission Denied; 2.x names the mask.
    for (const [v, reason] of [[V21, RR.IncompatibleCryptographicUsageMask], [V14, RR.PermissionDenied]] as const) {
      expect((await e.send(v, [{ op: Op.Sign, payload: signP(pair.priv, PKCS1) }])).items[0].reason).toBe(reason);
      expect((await e.send(v, [{ op: Op.SignatureVerify, payload: verifyP(pair.pub, PKCS1, new Uint8Array(256)) }])).items[0].reason).toBe(reason);
    }
    const ok = await activePair(e);
    // The 2.x Sign and Signature Verify error tables list Invalid Object Type (not Illegal Object Type).
    expect((await e.send(V21, [{ op: Op.Sign, payload: signP(ok.pub, PKCS1) }])).items[0].reason).toBe(RR.InvalidObjectType);
    expect((await e.send(V21, [{ op: Op.SignatureVerify, payload: verifyP(ok.priv, PKCS1, new Uint8Array(256)) }])).items[0].reason).toBe(RR.InvalidObjectType);
    expect((await e.send(V14, [{ op: Op.Sign, payload: signP(ok.pub, PKCS1) }])).items[0].reason).toBe(RR.PermissionDenied);
    const aes = await e.ok(V21, Op.Create, [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 128), int(Tag.CryptographicUsageMask, Mask.Sign)])]);
    const aesUid = read.text(child(aes, Tag.UniqueIdentifier))!;
    expect((await e.send(V21, [{ op: Op.Sign, payload: signP(aesUid, PKCS1) }])).items[0].reason).toBe(RR.InvalidObjectType);
    expect((await e.send(V21, [{ op: Op.Sign, payload: signP('no-such-key', PKCS1) }])).items[0].reason).toBe(RR.ObjectNotFound);
    expect((await e.send(V21, [{ op: Op.Sign, payload: signP(ok.priv, PKCS1) }], [], 'bob')).items[0].reason).toBe(RR.ObjectNotFound);
  });

  it('Cryptographic Parameters: from the request, else the key\'s attribute; wrong or missing ones are refused', async () => {
    const e = await testEngine();
    const pair = await activePair(e, [struct(Tag.CryptographicParameters, [enm(Tag.PaddingMethod, PaddingMethod.PSS), enm(Tag.HashingAlgorithm, Hash.SHA_512)])]);
    const pub = await getKey(e, V21, pair.pub);
    const publicKey = loadKey(pub.der!, pub.format!, false);
    // No parameters in the request: the key's (PSS, SHA-512, salt 64).
    const sig = read.bytes(child(await e.ok(V21, Op.Sign, signP(pair.priv, [])), Tag.SignatureData))!;
    expect(nodeVerify('sha512', MESSAGE, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 64 }, sig)).toBe(true);
    // A Salt Length of its own.
    const salted = read.bytes(child(await e.ok(V21, Op.Sign, signP(pair.priv, [enm(Tag.PaddingMethod, PaddingMethod.PSS), enm(Tag.HashingAlgorithm, Hash.SHA_256), int(Tag.SaltLength, 20)])), Tag.SignatureData))!;
    expect(nodeVerify('sha256', MESSAGE, { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 20 }, salted)).toBe(true);
    // SHA-1: verified, never made.
    const privateKey = loadKey((await getKey(e, V21, pair.priv, KeyFormatType.PKCS_8)).der!, KeyFormatType.PKCS_8, true);
    const sha1 = [enm(Tag.DigitalSignatureAlgorithm, Dsa.SHA_1WithRSAEncryption)];
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, sha1, nodeSign('sha1', MESSAGE, privateKey))))).toBe(ValidityIndicator.Valid);
    const refused: [string, TtlvItem[], number][] = [
      ['SHA-1 signing', signP(pair.priv, sha1), RR.FeatureNotSupported],
      ['an ECDSA algorithm for an RSA key', signP(pair.priv, [enm(Tag.DigitalSignatureAlgorithm, Dsa.ECDSAWithSHA256)]), RR.InvalidField],
      ['a contradicting hash', signP(pair.priv, [...PKCS1, enm(Tag.HashingAlgorithm, Hash.SHA_512)]), RR.InvalidField],
      ['OAEP padding', signP(pair.priv, [enm(Tag.HashingAlgorithm, Hash.SHA_256), enm(Tag.PaddingMethod, PaddingMethod.OAEP)]), RR.FeatureNotSupported],
      ['MD5', signP(pair.priv, [enm(Tag.HashingAlgorithm, Hash.MD5)]), RR.FeatureNotSupported],
      ['no Data', [text(Tag.UniqueIdentifier, pair.priv), struct(Tag.CryptographicParameters, PKCS1)], RR.InvalidField],
      ['Digested Data', [text(Tag.UniqueIdentifier, pair.priv), struct(Tag.CryptographicParameters, PKCS1), bytes(Tag.DigestedData, new Uint8Array(32))], RR.FeatureNotSupported],
      ['a streamed part', [...signP(pair.priv, PKCS1), bool(Tag.InitIndicator, true)], RR.FeatureNotSupported],
    ];
    for (const [label, payload, reason] of refused) {
      expect((await e.send(V21, [{ op: Op.Sign, payload }])).items[0].reason, label).toBe(reason);
    }
    // A key without Cryptographic Parameters and a request without them: nothing to go on.
    const bare = await activePair(e);
    expect((await e.send(V21, [{ op: Op.Sign, payload: signP(bare.priv, []) }])).items[0].reason).toBe(RR.InvalidField);
    expect((await e.send(V21, [{ op: Op.SignatureVerify, payload: signP(bare.pub, PKCS1) }])).items[0].reason).toBe(RR.InvalidField); // no Signature Data
  });

  it('signs with a registered PKCS#8 private key and verifies with its registered X.509 public key', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V21, [enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, 2048)]);
    const privDer = (await getKey(e, V21, pair.priv, KeyFormatType.PKCS_8)).der!;
    const pubDer = (await getKey(e, V21, pair.pub, KeyFormatType.X_509)).der!;
    const reg = async (type: number, tag: number, format: number, der: Buffer, mask: number) => {
      const p = await e.ok(V21, Op.Register, [
        enm(Tag.ObjectType, type),
        struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, mask), { tag: Tag.ActivationDate, type: 0x09, value: 0n } as TtlvItem]),
        struct(tag, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, format), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, der)]), enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, 2048)])]),
      ]);
      return read.text(child(p, Tag.UniqueIdentifier))!;
    };
    const priv = await reg(ObjectType.PrivateKey, Tag.PrivateKey, KeyFormatType.PKCS_8, privDer, Mask.Sign);
    const pub = await reg(ObjectType.PublicKey, Tag.PublicKey, KeyFormatType.X_509, pubDer, Mask.Verify);
    const sig = read.bytes(child(await e.ok(V21, Op.Sign, signP(priv, PKCS1)), Tag.SignatureData))!;
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pub, PKCS1, sig)))).toBe(ValidityIndicator.Valid);
    const junk = await reg(ObjectType.PrivateKey, Tag.PrivateKey, KeyFormatType.PKCS_8, Buffer.from('not a key'), Mask.Sign);
    expect((await e.send(V21, [{ op: Op.Sign, payload: signP(junk, PKCS1) }])).items[0].reason).toBe(RR.CryptographicFailure);
  });
});

describe('Query', () => {
  it('lists Create Key Pair from 1.0 and Sign / Signature Verify from 1.2', async () => {
    const e = await testEngine();
    const ops = async (v: readonly [number, number]) =>
      children(await e.ok(v, Op.Query, [enm(Tag.QueryFunction, 0x01)]), Tag.Operation).map((o) => read.enum(o));
    for (const v of [[1, 2], [1, 4], [2, 0], [2, 1]] as const) expect(await ops(v)).toEqual(expect.arrayContaining([Op.CreateKeyPair, Op.Sign, Op.SignatureVerify]));
    const v11 = await ops([1, 1]);
    expect(v11).toContain(Op.CreateKeyPair);
    expect(v11).not.toContain(Op.Sign);
    expect((await e.send([1, 1], [{ op: Op.Sign, payload: [] }])).items[0].reason).toBe(RR.OperationNotSupported);
  });

  it('Ed25519 with Cryptographic Length 255 keeps 255 in both the attributes and the Key Block; halves disagreeing on it are refused', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V21, [enm(Tag.CryptographicAlgorithm, Alg.Ed25519), int(Tag.CryptographicLength, 255)]);
    expect(read.int(child(await attrs(e, pair.pub), Tag.CryptographicLength))).toBe(255);
    const got = await e.ok(V21, Op.Get, [text(Tag.UniqueIdentifier, pair.pub)]);
    expect(read.int(child(child(child(got, Tag.PublicKey), Tag.KeyBlock), Tag.CryptographicLength))).toBe(255);
    const r = await e.send(V21, [{ op: Op.CreateKeyPair, payload: [section(V21, 'common', [enm(Tag.CryptographicAlgorithm, Alg.Ed25519)]), section(V21, 'private', [int(Tag.CryptographicLength, 255)])] }]);
    expect(r.items[0].reason).toBe(RR.InvalidField);
    const mixed = await e.send(V21, [{ op: Op.CreateKeyPair, payload: [section(V21, 'common', [int(Tag.CryptographicLength, 256)]), section(V21, 'private', [enm(Tag.CryptographicAlgorithm, Alg.EC)]), section(V21, 'public', [enm(Tag.CryptographicAlgorithm, Alg.ECDSA)])] }]);
    expect(mixed.items[0].reason).toBe(RR.InvalidField);
  });
});

describe('lifecycle refusals of a key pair, per version (as AKLC-M-2 and AKLC-M-3 expect)', () => {
  it('Destroy of an Active key and a change of its Activation Date: Permission Denied up to 2.0, Wrong Key Lifecycle State at 2.1', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V21, RSA);
    await activate(e, pair.priv, pair.pub);
    const later = { tag: Tag.ActivationDate, type: 0x09, value: BigInt(Math.floor(Date.now() / 1000) + 3600) } as TtlvItem;
    for (const [v, reason] of [[V21, RR.WrongKeyLifecycleState], [V20, RR.PermissionDenied], [V14, RR.PermissionDenied]] as const) {
      expect((await e.send(v, [{ op: Op.Destroy, payload: [text(Tag.UniqueIdentifier, pair.priv)] }])).items[0].reason).toBe(reason);
      const modify = v[0] === 2 ? struct(Tag.NewAttribute, [later]) : attr1x('Activation Date', later);
      expect((await e.send(v, [{ op: Op.ModifyAttribute, payload: [text(Tag.UniqueIdentifier, pair.pub), modify] }])).items[0].reason).toBe(reason);
      expect((await e.send(v, [{ op: Op.Activate, payload: [text(Tag.UniqueIdentifier, pair.pub)] }])).items[0].reason).toBe(reason);
    }
    expect(read.enum(child(await attrs(e, pair.priv), Tag.State))).toBe(State.Active);
  });
});

describe('more Sign and Signature Verify rules', () => {
  it('Sign stops after the Protect Stop Date; Verify waits for the Process Start Date', async () => {
    const e = await testEngine();
    const at = (tag: number, offsetS: number) => ({ tag, type: 0x09, value: BigInt(Math.floor(Date.now() / 1000) + offsetS) }) as TtlvItem;
    const pair = await makePair(e, V21, RSA, [at(Tag.ProtectStopDate, -60)], [at(Tag.ProcessStartDate, 3600)]);
    await activate(e, pair.priv, pair.pub);
    // As the OASIS cases CS-AC-M-8-14, -20 and -21 expect.
    for (const [v, reason] of [[V21, RR.WrongKeyLifecycleState], [V20, RR.PermissionDenied], [V14, RR.PermissionDenied]] as const) {
      expect((await e.send(v, [{ op: Op.Sign, payload: signP(pair.priv, PKCS1) }])).items[0].reason).toBe(reason);
      expect((await e.send(v, [{ op: Op.SignatureVerify, payload: verifyP(pair.pub, PKCS1, new Uint8Array(256)) }])).items[0].reason).toBe(reason);
    }
    const open = await makePair(e, V21, RSA, [at(Tag.ProtectStopDate, 3600)], [at(Tag.ProcessStartDate, -60)]);
    await activate(e, open.priv, open.pub);
    const sig = read.bytes(child(await e.ok(V21, Op.Sign, signP(open.priv, PKCS1)), Tag.SignatureData))!;
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(open.pub, PKCS1, sig)))).toBe(ValidityIndicator.Valid);
  });

  it('PSS: Verify without a Salt Length accepts any salt (node\'s largest); with one, only that length', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V21, RSA);
    await activate(e, pair.priv, pair.pub);
    const privateKey = loadKey((await getKey(e, V21, pair.priv, KeyFormatType.PKCS_8)).der!, KeyFormatType.PKCS_8, true);
    const pss = [enm(Tag.PaddingMethod, PaddingMethod.PSS), enm(Tag.HashingAlgorithm, Hash.SHA_256)];
    const maxSalt = nodeSign('sha256', MESSAGE, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_MAX_SIGN });
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, pss, maxSalt)))).toBe(ValidityIndicator.Valid);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, [...pss, int(Tag.SaltLength, 32)], maxSalt)))).toBe(ValidityIndicator.Invalid);
    const salt32 = nodeSign('sha256', MESSAGE, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, [...pss, int(Tag.SaltLength, 32)], salt32)))).toBe(ValidityIndicator.Valid);
  });

  it('ECDSA with no hash named uses the curve\'s (P-384: SHA-384); a registered ECPrivateKey (SEC 1) signs', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V21, [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), int(Tag.CryptographicLength, 384)]);
    await activate(e, pair.priv, pair.pub);
    const pub = await getKey(e, V21, pair.pub);
    const publicKey = loadKey(pub.der!, pub.format!, false);
    const ecdsa = [enm(Tag.CryptographicAlgorithm, Alg.ECDSA)];
    const sig = read.bytes(child(await e.ok(V21, Op.Sign, signP(pair.priv, ecdsa)), Tag.SignatureData))!;
    expect(nodeVerify('sha384', MESSAGE, publicKey, sig)).toBe(true);
    expect(nodeVerify('sha256', MESSAGE, publicKey, sig)).toBe(false);
    const sec1 = (await getKey(e, V21, pair.priv, KeyFormatType.ECPrivateKey)).der!;
    const reg = await e.ok(V21, Op.Register, [
      enm(Tag.ObjectType, ObjectType.PrivateKey),
      struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.Sign), { tag: Tag.ActivationDate, type: 0x09, value: 0n } as TtlvItem]),
      struct(Tag.PrivateKey, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.ECPrivateKey), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, sec1)]), enm(Tag.CryptographicAlgorithm, Alg.ECDSA), int(Tag.CryptographicLength, 384)])]),
    ]);
    const uid = read.text(child(reg, Tag.UniqueIdentifier))!;
    const sig2 = read.bytes(child(await e.ok(V21, Op.Sign, signP(uid, [enm(Tag.DigitalSignatureAlgorithm, Dsa.ECDSAWithSHA256)])), Tag.SignatureData))!;
    expect(nodeVerify('sha256', MESSAGE, publicKey, sig2)).toBe(true);
    expect((await getKey(e, V21, uid, KeyFormatType.PKCS_8)).format).toBe(KeyFormatType.PKCS_8);
  });
});

describe('Re-key Key Pair', () => {
  for (const v of [V14, V21]) it(`at KMIP ${v.join('.')}: a new pair of the same kind, names moved, linked both ways, Offset applied; the new keys sign`, async () => {
    const e = await testEngine();
    const pair = await makePair(e, v, [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), int(Tag.CryptographicLength, 256)],
      [struct(Tag.CryptographicParameters, [enm(Tag.DigitalSignatureAlgorithm, Dsa.ECDSAWithSHA256)])]);
    await activate(e, pair.priv, pair.pub);
    const r = await e.send(v, [
      { op: Op.ReKeyKeyPair, payload: [text(Tag.PrivateKeyUniqueIdentifier, pair.priv), { tag: Tag.Offset, type: 0x0A, value: 0 } as TtlvItem] },
      { op: Op.Sign, payload: [bytes(Tag.Data, MESSAGE)] }, // the ID Placeholder: the new private key
    ]);
    expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.Success]);
    const newPriv = read.text(child(r.items[0].payload!, Tag.PrivateKeyUniqueIdentifier))!;
    const newPub = read.text(child(r.items[0].payload!, Tag.PublicKeyUniqueIdentifier))!;
    expect(new Set([newPriv, newPub, pair.priv, pair.pub]).size).toBe(4);
    expect(read.text(child(r.items[1].payload!, Tag.UniqueIdentifier))).toBe(newPriv);
    const pub = await getKey(e, v, newPub);
    expect(nodeVerify('sha256', MESSAGE, loadKey(pub.der!, pub.format!, false), read.bytes(child(r.items[1].payload!, Tag.SignatureData))!)).toBe(true);
    // A different key from the old one.
    expect((await getKey(e, v, pair.pub)).der).not.toEqual(pub.der);
    const links = async (uid: string) => children(await attrs(e, uid), Tag.Link).map((l) => [read.enum(child(l, Tag.LinkType)), read.text(child(l, Tag.LinkedObjectIdentifier))]);
    expect(await links(newPriv)).toEqual([[LinkType.PublicKeyLink, newPub], [LinkType.ReplacedObjectLink, pair.priv]]);
    expect(await links(newPub)).toEqual([[LinkType.PrivateKeyLink, newPriv], [LinkType.ReplacedObjectLink, pair.pub]]);
    expect(await links(pair.priv)).toEqual([[LinkType.PublicKeyLink, pair.pub], [LinkType.ReplacementObjectLink, newPriv]]);
    expect(await links(pair.pub)).toEqual([[LinkType.PrivateKeyLink, pair.priv], [LinkType.ReplacementObjectLink, newPub]]);
    const na = await attrs(e, newPriv);
    expect(children(na, Tag.Name).map((x) => read.text(child(x, Tag.NameValue)))).toEqual([pair.privName]);
    expect(children(await attrs(e, pair.priv), Tag.Name)).toEqual([]);
    expect(read.enum(child(na, Tag.State))).toBe(State.Active); // Offset 0: active now
    expect(read.enum(child(na, Tag.CryptographicAlgorithm))).toBe(Alg.ECDSA);
    expect(read.int(child(na, Tag.CryptographicLength))).toBe(256);
    expect(read.int(child(na, Tag.CryptographicUsageMask))).toBe(Mask.Sign);
    expect(read.enum(child(child(na, Tag.CryptographicParameters), Tag.DigitalSignatureAlgorithm))).toBe(Dsa.ECDSAWithSHA256);
    expect(read.enum(child(await attrs(e, pair.priv), Tag.State))).toBe(State.Active); // the old keys keep their state
  });

  it('without an Offset the new keys copy the old activation; refuses a public key, a lone private key and a new algorithm', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V21, RSA);
    const r = await e.ok(V21, Op.ReKeyKeyPair, [text(Tag.PrivateKeyUniqueIdentifier, pair.priv)]);
    const newPriv = read.text(child(r, Tag.PrivateKeyUniqueIdentifier))!;
    expect(read.enum(child(await attrs(e, newPriv), Tag.State))).toBe(State.PreActive);
    expect((await e.send(V21, [{ op: Op.ReKeyKeyPair, payload: [text(Tag.PrivateKeyUniqueIdentifier, pair.pub)] }])).items[0].reason).toBe(RR.IllegalObjectType);
    expect((await e.send(V14, [{ op: Op.ReKeyKeyPair, payload: [text(Tag.PrivateKeyUniqueIdentifier, pair.pub)] }])).items[0].reason).toBe(RR.IllegalOperation);
    const change = await e.send(V21, [{ op: Op.ReKeyKeyPair, payload: [text(Tag.PrivateKeyUniqueIdentifier, newPriv), section(V21, 'common', [int(Tag.CryptographicLength, 3072)])] }]);
    expect(change.items[0].reason).toBe(RR.InvalidField);
    const privDer = (await getKey(e, V21, pair.priv)).der!;
    const lone = await e.ok(V21, Op.Register, [
      enm(Tag.ObjectType, ObjectType.PrivateKey), struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.Sign)]),
      struct(Tag.PrivateKey, [struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.PKCS_1), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, privDer)]), enm(Tag.CryptographicAlgorithm, Alg.RSA), int(Tag.CryptographicLength, 2048)])]),
    ]);
    const r2 = await e.send(V21, [{ op: Op.ReKeyKeyPair, payload: [text(Tag.PrivateKeyUniqueIdentifier, read.text(child(lone, Tag.UniqueIdentifier))!)] }]);
    expect(r2.items[0].reason).toBe(RR.InvalidField);
    expect((await e.send(V21, [{ op: Op.ReKeyKeyPair, payload: [] }])).items[0].reason).toBe(RR.InvalidField);
  });
});

describe('Get in Transparent RSA formats', () => {
  it('returns the numbers of an RSA key pair as Big Integers equal to node:crypto\'s; other keys and halves are refused', async () => {
    const e = await testEngine();
    const pair = await makePair(e, V14, RSA);
    const jwk = loadKey((await getKey(e, V14, pair.priv)).der!, KeyFormatType.PKCS_1, true).export({ format: 'jwk' });
    const num = (b64: string | undefined) => BigInt(`0x${Buffer.from(b64!, 'base64url').toString('hex')}`);
    const material = async (uid: string, format: number) => {
      const p = await e.ok(V14, Op.Get, [text(Tag.UniqueIdentifier, uid), enm(Tag.KeyFormatType, format)]);
      const kb = child(child(p, Tag.PrivateKey) ?? child(p, Tag.PublicKey), Tag.KeyBlock);
      expect(read.enum(child(kb, Tag.KeyFormatType))).toBe(format);
      const km = child(child(kb, Tag.KeyValue), Tag.KeyMaterial)!;
      return (tag: number) => { const it = child(km, tag); return it?.type === 0x04 ? it.value : undefined; };
    };
    const priv = await material(pair.priv, KeyFormatType.TransparentRSAPrivateKey);
    for (const [tag, field] of [[Tag.Modulus, 'n'], [Tag.PublicExponent, 'e'], [Tag.PrivateExponent, 'd'], [Tag.P, 'p'], [Tag.Q, 'q'],
      [Tag.PrimeExponentP, 'dp'], [Tag.PrimeExponentQ, 'dq'], [Tag.CRTCoefficient, 'qi']] as const) {
      expect(priv(tag), field).toBe(num(jwk[field]));
    }
    const pub = await material(pair.pub, KeyFormatType.TransparentRSAPublicKey);
    expect(pub(Tag.Modulus)).toBe(num(jwk.n));
    expect(pub(Tag.PublicExponent)).toBe(65537n);
    expect((await getKey(e, V14, pair.pub, KeyFormatType.TransparentRSAPrivateKey)).reason).toBe(RR.KeyFormatTypeNotSupported);
    const ec = await makePair(e, V14, [enm(Tag.CryptographicAlgorithm, Alg.ECDSA), int(Tag.CryptographicLength, 256)]);
    expect((await getKey(e, V14, ec.priv, KeyFormatType.TransparentRSAPrivateKey)).reason).toBe(RR.KeyFormatTypeNotSupported);
  });
});

describe('Get in Transparent EC formats', () => {
  it('returns D and the uncompressed point Q of P-256/384/521 pairs as node:crypto has them; a key rebuilt from them signs for the stored public key', async () => {
    const e = await testEngine();
    for (const [bits, crv, curve] of [[256, 'P-256', RecommendedCurve.P_256], [384, 'P-384', RecommendedCurve.P_384], [521, 'P-521', RecommendedCurve.P_521]] as const) {
      const pair = await makePair(e, V21, [enm(Tag.CryptographicAlgorithm, Alg.EC), int(Tag.CryptographicLength, bits)]);
      const material = async (uid: string, format: number) => {
        const p = await e.ok(V21, Op.Get, [text(Tag.UniqueIdentifier, uid), enm(Tag.KeyFormatType, format)]);
        const kb = child(child(p, Tag.PrivateKey) ?? child(p, Tag.PublicKey), Tag.KeyBlock);
        expect(read.enum(child(kb, Tag.KeyFormatType))).toBe(format);
        return child(child(kb, Tag.KeyValue), Tag.KeyMaterial)!;
      };
      const priv = await material(pair.priv, KeyFormatType.TransparentECPrivateKey);
      const pub = await material(pair.pub, KeyFormatType.TransparentECPublicKey);
      expect(read.enum(child(priv, Tag.RecommendedCurve)), crv).toBe(curve);
      expect(read.enum(child(pub, Tag.RecommendedCurve)), crv).toBe(curve);
      const d = child(priv, Tag.D)!.value as bigint;
      const q = Buffer.from(read.bytes(child(pub, Tag.QString))!);
      const n = Math.ceil(bits / 8);
      expect(q.length, crv).toBe(1 + 2 * n);
      expect(q[0], crv).toBe(4);
      // The stored keys, as node:crypto reads them (PKCS#8 / SPKI from a plain Get), give the same numbers.
      const jwk = createPrivateKey({ key: Buffer.from((await getKey(e, V21, pair.priv)).der!), format: 'der', type: 'pkcs8' }).export({ format: 'jwk' });
      expect(d, crv).toBe(BigInt(`0x${Buffer.from(jwk.d!, 'base64url').toString('hex')}`));
      expect(q.subarray(1, 1 + n).toString('base64url'), crv).toBe(jwk.x);
      expect(q.subarray(1 + n).toString('base64url'), crv).toBe(jwk.y);
      // A private key built from D and Q alone signs; the server's stored public key verifies it.
      const dBytes = Buffer.from(d.toString(16).padStart(2 * n, '0'), 'hex');
      const rebuilt = createPrivateKey({ key: { kty: 'EC', crv, d: dBytes.toString('base64url'), x: jwk.x, y: jwk.y }, format: 'jwk' });
      const spki = createPublicKey({ key: Buffer.from((await getKey(e, V21, pair.pub)).der!), format: 'der', type: 'spki' });
      const msg = Buffer.from('transparent EC');
      expect(nodeVerify('sha256', msg, spki, nodeSign('sha256', msg, rebuilt)), crv).toBe(true);
    }
    const rsa = await makePair(e, V21, RSA);
    expect((await getKey(e, V21, rsa.priv, KeyFormatType.TransparentECPrivateKey)).reason).toBe(RR.KeyFormatTypeNotSupported);
    const ec = await makePair(e, V21, [enm(Tag.CryptographicAlgorithm, Alg.EC), int(Tag.CryptographicLength, 256)]);
    expect((await getKey(e, V21, ec.pub, KeyFormatType.TransparentECPrivateKey)).reason).toBe(RR.KeyFormatTypeNotSupported);
  });
});
