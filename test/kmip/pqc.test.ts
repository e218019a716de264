// Post-quantum keys in the server (src/kmip/pqc.ts, src/kmip/ops/keypair.ts, src/kmip/ops/kem.ts): Create
// Key Pair and Re-key Key Pair for ML-KEM, ML-DSA and SLH-DSA, Sign / Signature Verify, Encapsulate /
// Decapsulate, each checked against @noble/post-quantum (an independent implementation): noble verifies
// our signatures and we verify noble's, noble decapsulates our ciphertexts and we decapsulate noble's.
// Refusals: the KMIP 3.0 setting off, usage masks, states, bad lengths; the Quantum Safe rule; the
// setting through createServer (real TLS) and the daemon configuration.
// Run it with the addon required and with KMIPKIT_NATIVE=off (the @noble fallback) alike.
import { connect } from 'node:tls';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ml_dsa44, ml_dsa65, ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ml_kem512, ml_kem768, ml_kem1024 } from '@noble/post-quantum/ml-kem.js';
import * as slh from '@noble/post-quantum/slh-dsa.js';
import {
  CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, KeyFormatType, LinkType, ObjectType, Operation as Op, ProtectionLevel,
  QueryFunction, ResultReason as RR, ResultStatus as RS, RevocationReasonCode, SecretDataType, State, Tag, ValidityIndicator,
} from '../../src/dict/index.js';
import { SlhDsa } from '../../src/crypto/index.js';
import { decode, encode, type TtlvItem } from '../../src/ttlv/index.js';
import { bool, bytes, interval } from '../../src/kmip/items.js';
import { createEngine } from '../../src/kmip/engine.js';
import { OP_DECAPSULATE, OP_ENCAPSULATE, PQC, isQuantumSafe, type PqcParams } from '../../src/kmip/pqc.js';
import { openStore } from '../../src/store/index.js';
import { createServer } from '../../src/server/index.js';
import { loadConfig } from '../../src/server/config.js';
import { child, children, enm, int, read, request, response, struct, testEngine, text } from '../helpers/kmip.js';

const V21 = [2, 1] as const;
const V20 = [2, 0] as const;
const V14 = [1, 4] as const;
type Engine = Awaited<ReturnType<typeof testEngine>>;
type Noble = { verify(sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): boolean; sign(msg: Uint8Array, sk: Uint8Array): Uint8Array };

const MESSAGE = new TextEncoder().encode('data signed in the post-quantum tests');
const params = (family: PqcParams['family']) => [...PQC.values()].filter((p) => p.family === family);
const KEM = params('ml-kem');
const DSA = params('ml-dsa');
const SLH = params('slh-dsa');
const NOBLE_KEM = { 512: ml_kem512, 768: ml_kem768, 1024: ml_kem1024 } as Record<number, typeof ml_kem768>;
const NOBLE_DSA = { 44: ml_dsa44, 65: ml_dsa65, 87: ml_dsa87 } as Record<number, Noble>;
const nobleSlh = (p: PqcParams): Noble => (slh as unknown as Record<string, Noble>)[`slh_dsa_${String(p.param).toLowerCase().replace('-', '_')}`];
/** SLH-DSA comes from src/crypto/slhdsa.ts; with an addon built before it the server refuses it (checked below). */
const slhUsable = (() => {
  try {
    new SlhDsa('SHA2-128f');
    return true;
  } catch {
    return false;
  }
})();

const on = () => testEngine({ kmip30Algorithms: true });
const uidP = (uid: string) => [text(Tag.UniqueIdentifier, uid)];

async function createPair(e: Engine, algorithm: number, opts: { common?: TtlvItem[]; priv?: TtlvItem[]; pub?: TtlvItem[]; v?: readonly [number, number] } = {}) {
  const r = await e.send(opts.v ?? V21, [{
    op: Op.CreateKeyPair,
    payload: [
      struct(Tag.CommonAttributes, [enm(Tag.CryptographicAlgorithm, algorithm), ...(opts.common ?? [])]),
      struct(Tag.PrivateKeyAttributes, opts.priv ?? []),
      struct(Tag.PublicKeyAttributes, opts.pub ?? []),
    ],
  }]);
  const it = r.items[0];
  if (it.status !== RS.Success) return { reason: it.reason, message: it.message };
  return { priv: read.text(child(it.payload, Tag.PrivateKeyUniqueIdentifier))!, pub: read.text(child(it.payload, Tag.PublicKeyUniqueIdentifier))! };
}

async function activePair(e: Engine, algorithm: number, opts: Parameters<typeof createPair>[2] = {}) {
  const made = await createPair(e, algorithm, opts);
  if (!('priv' in made)) throw new Error(`Create Key Pair failed: ${made.reason}: ${made.message}`);
  const pair = made as { priv: string; pub: string };
  for (const uid of [pair.priv, pair.pub]) await e.ok(V21, Op.Activate, uidP(uid));
  return pair;
}

/** Get: the object's tag, Key Format Type, algorithm, length and material. */
async function getKey(e: Engine, uid: string) {
  const p = await e.ok(V21, Op.Get, uidP(uid));
  const obj = child(p, Tag.PrivateKey) ?? child(p, Tag.PublicKey) ?? child(p, Tag.SecretData);
  const kb = child(obj, Tag.KeyBlock);
  return {
    tag: obj!.tag, format: read.enum(child(kb, Tag.KeyFormatType)), algorithm: read.enum(child(kb, Tag.CryptographicAlgorithm)),
    bits: read.int(child(kb, Tag.CryptographicLength)), material: Buffer.from(read.bytes(child(child(kb, Tag.KeyValue), Tag.KeyMaterial))!),
    secretDataType: read.enum(child(obj, Tag.SecretDataType)),
  };
}

async function attrs(e: Engine, uid: string): Promise<TtlvItem> {
  return child(await e.ok(V21, Op.GetAttributes, uidP(uid)), Tag.Attributes)!;
}
const linkTo = (a: TtlvItem, type: number) => children(a, Tag.Link).filter((l) => read.enum(child(l, Tag.LinkType)) === type).map((l) => read.text(child(l, Tag.LinkedObjectIdentifier)));

const signP = (uid: string, data: Uint8Array = MESSAGE, extra: TtlvItem[] = []) => [text(Tag.UniqueIdentifier, uid), ...extra, bytes(Tag.Data, data)];
const verifyP = (uid: string, sig: Uint8Array, data: Uint8Array = MESSAGE) => [text(Tag.UniqueIdentifier, uid), bytes(Tag.Data, data), bytes(Tag.SignatureData, sig)];
const sigOf = (p: TtlvItem) => Buffer.from(read.bytes(child(p, Tag.SignatureData))!);
const validity = (p: TtlvItem) => read.enum(child(p, Tag.ValidityIndicator));

async function encapsulate(e: Engine, pub: string) {
  const p = await e.ok(V21, OP_ENCAPSULATE, uidP(pub));
  return { secretUid: read.text(child(p, Tag.UniqueIdentifier))!, ct: Buffer.from(read.bytes(child(p, Tag.Data))!) };
}
async function decapsulate(e: Engine, priv: string, ct: Uint8Array) {
  const p = await e.ok(V21, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, priv), bytes(Tag.Data, ct)]);
  return read.text(child(p, Tag.UniqueIdentifier))!;
}
async function fails(e: Engine, op: number, payload: TtlvItem[], v: readonly [number, number] = V21) {
  const it = (await e.send(v, [{ op, payload }])).items[0];
  expect(it.status, `expected a failure, got ${it.status}`).toBe(RS.OperationFailed);
  return it.reason;
}

describe('Create Key Pair: every parameter set', () => {
  it.each([...KEM, ...DSA].map((p) => [p.name, p] as const))('%s: linked Raw halves of the FIPS lengths, Cryptographic Length, default usage masks', async (_n, p) => {
    const e = await on();
    const pair = await activePair(e, p.algorithm);
    const priv = await getKey(e, pair.priv);
    const pub = await getKey(e, pair.pub);
    expect([priv.tag, priv.format, priv.algorithm, priv.bits, priv.material.length]).toEqual([Tag.PrivateKey, KeyFormatType.Raw, p.algorithm, p.bits, p.secretKey]);
    expect([pub.tag, pub.format, pub.algorithm, pub.bits, pub.material.length]).toEqual([Tag.PublicKey, KeyFormatType.Raw, p.algorithm, p.bits, p.publicKey]);
    const pa = await attrs(e, pair.priv);
    const ua = await attrs(e, pair.pub);
    expect(linkTo(pa, LinkType.PublicKeyLink)).toEqual([pair.pub]);
    expect(linkTo(ua, LinkType.PrivateKeyLink)).toEqual([pair.priv]);
    expect(read.int(child(pa, Tag.CryptographicLength))).toBe(p.bits);
    expect(read.enum(child(ua, Tag.CryptographicAlgorithm))).toBe(p.algorithm);
    const kem = p.family === 'ml-kem';
    expect(read.int(child(pa, Tag.CryptographicUsageMask))).toBe(kem ? Mask.Decrypt : Mask.Sign);
    expect(read.int(child(ua, Tag.CryptographicUsageMask))).toBe(kem ? Mask.Encrypt : Mask.Verify);
    // The halves belong together: for ML-KEM the expanded dk embeds ek (FIPS 203 §7.1); for ML-DSA a
    // signature by the private half verifies under the public half (noble checks it).
    if (kem) expect(priv.material.includes(pub.material)).toBe(true);
    else expect(NOBLE_DSA[p.param as number].verify(sigOf(await e.ok(V21, Op.Sign, signP(pair.priv))), MESSAGE, pub.material)).toBe(true);
    // Held Raw: asked for Raw it comes as held; PKCS#8 (private) and X.509 (public) are offered
    // (test/kmip/pqc-formats.test.ts checks their bytes); the other way round, or PKCS#1, are not.
    expect((await e.ok(V21, Op.Get, [...uidP(pair.pub), enm(Tag.KeyFormatType, KeyFormatType.Raw)])).type).toBe(0x01);
    await e.ok(V21, Op.Get, [...uidP(pair.priv), enm(Tag.KeyFormatType, KeyFormatType.PKCS_8)]);
    await e.ok(V21, Op.Get, [...uidP(pair.pub), enm(Tag.KeyFormatType, KeyFormatType.X_509)]);
    expect(await fails(e, Op.Get, [...uidP(pair.priv), enm(Tag.KeyFormatType, KeyFormatType.X_509)])).toBe(RR.KeyFormatTypeNotSupported);
    expect(await fails(e, Op.Get, [...uidP(pair.pub), enm(Tag.KeyFormatType, KeyFormatType.PKCS_8)])).toBe(RR.KeyFormatTypeNotSupported);
    expect(await fails(e, Op.Get, [...uidP(pair.pub), enm(Tag.KeyFormatType, KeyFormatType.PKCS_1)])).toBe(RR.KeyFormatTypeNotSupported);
    // Two pairs differ.
    const other = await activePair(e, p.algorithm);
    expect((await getKey(e, other.pub)).material.equals(pub.material)).toBe(false);
  });

  it('Cryptographic Length: the defined one is accepted, another is Invalid Field; a common Encrypt|Decrypt mask is split between the ML-KEM halves', async () => {
    const e = await on();
    const kem = PQC.get(Alg.ML_KEM_1024)!;
    expect('priv' in (await createPair(e, kem.algorithm, { common: [int(Tag.CryptographicLength, 1024)] }))).toBe(true);
    expect((await createPair(e, kem.algorithm, { common: [int(Tag.CryptographicLength, 256)] })).reason).toBe(RR.InvalidField);
    const dsa = PQC.get(Alg.ML_DSA_44)!;
    expect('priv' in (await createPair(e, dsa.algorithm, { common: [int(Tag.CryptographicLength, 10496)] }))).toBe(true);
    expect((await createPair(e, dsa.algorithm, { common: [int(Tag.CryptographicLength, 44)] })).reason).toBe(RR.InvalidField);
    const pair = await activePair(e, kem.algorithm, { common: [int(Tag.CryptographicUsageMask, Mask.Encrypt | Mask.Decrypt)] });
    expect(read.int(child(await attrs(e, pair.priv), Tag.CryptographicUsageMask))).toBe(Mask.Decrypt);
    expect(read.int(child(await attrs(e, pair.pub), Tag.CryptographicUsageMask))).toBe(Mask.Encrypt);
  });

  it('the private and public attributes must name the same parameter set', async () => {
    const e = await on();
    const r = await e.send(V21, [{ op: Op.CreateKeyPair, payload: [
      struct(Tag.PrivateKeyAttributes, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_44)]),
      struct(Tag.PublicKeyAttributes, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_65)]),
    ] }]);
    expect(r.items[0].reason).toBe(RR.InvalidField);
  });
});

describe('SLH-DSA', () => {
  if (slhUsable) {
    // The @noble fallback takes seconds per SHAKE 's' key: generous timeouts.
    it.each(SLH.map((p) => [p.name, p] as const))('%s: a linked Raw pair of the FIPS 205 lengths', { timeout: 120_000 }, async (_n, p) => {
      const e = await on();
      const pair = await activePair(e, p.algorithm);
      const priv = await getKey(e, pair.priv);
      const pub = await getKey(e, pair.pub);
      expect([priv.format, priv.bits, priv.material.length, pub.material.length]).toEqual([KeyFormatType.Raw, p.bits, p.secretKey, p.publicKey]);
      // FIPS 205: SK = SK.seed || SK.prf || PK.seed || PK.root, PK = PK.seed || PK.root.
      expect(priv.material.subarray(p.secretKey / 2).equals(pub.material)).toBe(true);
    });

    it('SLH-DSA-SHA2-128f signs, noble verifies; noble signs with the stored key, the server verifies', { timeout: 120_000 }, async () => {
      const e = await on();
      const p = PQC.get(Alg.SLH_DSA_SHA2_128f)!;
      const pair = await activePair(e, p.algorithm);
      const sig = sigOf(await e.ok(V21, Op.Sign, signP(pair.priv)));
      expect(sig.length).toBe(p.output);
      const pub = (await getKey(e, pair.pub)).material;
      expect(nobleSlh(p).verify(sig, MESSAGE, pub)).toBe(true);
      const theirs = nobleSlh(p).sign(MESSAGE, (await getKey(e, pair.priv)).material);
      expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, theirs)))).toBe(ValidityIndicator.Valid);
      theirs[10] ^= 1;
      expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, theirs)))).toBe(ValidityIndicator.Invalid);
    });

    // Store transactions are serialized: a Sign that held its transaction while SLH-DSA computed would
    // hold up every other request. A lone Sign finishes its store work, commits, then signs (AfterCommit).
    it.runIf(new SlhDsa('SHA2-128s').backend === 'native')('a slow SLH-DSA Sign does not hold up other requests; in a batch it signs in place', { timeout: 120_000 }, async () => {
      const e = await on();
      const p = PQC.get(Alg.SLH_DSA_SHA2_128s)!;
      const pair = await activePair(e, p.algorithm);
      const order: string[] = [];
      const signing = e.ok(V21, Op.Sign, signP(pair.priv)).then((r) => (order.push('sign'), r));
      // Let the Sign reach its transaction first, then ask for something else.
      await new Promise((r) => setImmediate(r));
      await e.ok(V21, Op.Get, uidP(pair.pub)).then(() => order.push('get'));
      const sig = sigOf(await signing);
      expect(order).toEqual(['get', 'sign']);
      expect(nobleSlh(p).verify(sig, MESSAGE, (await getKey(e, pair.pub)).material)).toBe(true);
      // Two items: the signature is made inside the batch, and both items answer.
      const r = await e.send(V21, [{ op: Op.Sign, payload: signP(pair.priv) }, { op: Op.Get, payload: uidP(pair.pub) }]);
      expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.Success]);
      expect(nobleSlh(p).verify(sigOf(r.items[0].payload!), MESSAGE, (await getKey(e, pair.pub)).material)).toBe(true);
    });
  } else {
    it('with an addon built before SLH-DSA, an SLH-DSA key pair is Feature Not Supported at every parameter set', async () => {
      const e = await on();
      for (const p of SLH) expect((await createPair(e, p.algorithm)).reason, p.name).toBe(RR.FeatureNotSupported);
    });
  }
});

describe('ML-DSA Sign and Signature Verify against noble', () => {
  it.each(DSA.map((p) => [p.name, p] as const))('%s: noble verifies ours; we verify noble\'s (made with the stored key); tampering is Invalid', async (_n, p) => {
    const e = await on();
    const pair = await activePair(e, p.algorithm);
    const noble = NOBLE_DSA[p.param as number];
    const pub = (await getKey(e, pair.pub)).material;
    const ours = sigOf(await e.ok(V21, Op.Sign, signP(pair.priv)));
    expect(ours.length).toBe(p.output);
    expect(noble.verify(ours, MESSAGE, pub)).toBe(true);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, ours)))).toBe(ValidityIndicator.Valid);
    const theirs = noble.sign(MESSAGE, (await getKey(e, pair.priv)).material);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, theirs)))).toBe(ValidityIndicator.Valid);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, theirs, new TextEncoder().encode('other data'))))).toBe(ValidityIndicator.Invalid);
    const bad = Buffer.from(theirs);
    bad[100] ^= 0x40;
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, bad)))).toBe(ValidityIndicator.Invalid);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(pair.pub, bad.subarray(1))))).toBe(ValidityIndicator.Invalid);
  });

  it('Sign refuses streaming and pre-hashed data (Feature Not Supported) and hash or padding parameters (Invalid Field); works at 2.0', async () => {
    const e = await on();
    const pair = await activePair(e, Alg.ML_DSA_65);
    expect(await fails(e, Op.Sign, [text(Tag.UniqueIdentifier, pair.priv), bytes(Tag.DigestedData, new Uint8Array(32))])).toBe(RR.FeatureNotSupported);
    expect(await fails(e, Op.Sign, signP(pair.priv, MESSAGE, [bool(Tag.InitIndicator, true)]))).toBe(RR.FeatureNotSupported);
    expect(await fails(e, Op.Sign, signP(pair.priv, MESSAGE, [struct(Tag.CryptographicParameters, [enm(Tag.HashingAlgorithm, 6)])]))).toBe(RR.InvalidField);
    expect(await fails(e, Op.Sign, signP(pair.priv, MESSAGE, [struct(Tag.CryptographicParameters, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_87)])]))).toBe(RR.InvalidField);
    expect(await fails(e, Op.Sign, uidP(pair.priv))).toBe(RR.InvalidField);
    const p = await e.ok(V20, Op.Sign, signP(pair.priv, MESSAGE, [struct(Tag.CryptographicParameters, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_65)])]));
    expect(ml_dsa65.verify(sigOf(p), MESSAGE, (await getKey(e, pair.pub)).material)).toBe(true);
  });
});

describe('Encapsulate and Decapsulate against noble', () => {
  it.each(KEM.map((p) => [p.name, p] as const))('%s: our ciphertext decapsulates in noble to our secret; noble\'s decapsulates here to noble\'s', async (_n, p) => {
    const e = await on();
    const pair = await activePair(e, p.algorithm);
    const noble = NOBLE_KEM[p.param as number];
    const { secretUid, ct } = await encapsulate(e, pair.pub);
    expect(ct.length).toBe(p.output);
    const secret = await getKey(e, secretUid);
    expect([secret.tag, secret.format, secret.secretDataType, secret.material.length]).toEqual([Tag.SecretData, KeyFormatType.Raw, SecretDataType.Seed, 32]);
    const sk = (await getKey(e, pair.priv)).material;
    expect(Buffer.from(noble.decapsulate(ct, sk)).equals(secret.material)).toBe(true);
    // The server's own Decapsulate agrees, as a second new object.
    const again = await decapsulate(e, pair.priv, ct);
    expect(again).not.toBe(secretUid);
    expect((await getKey(e, again)).material.equals(secret.material)).toBe(true);

    const theirs = noble.encapsulate((await getKey(e, pair.pub)).material);
    const mine = await decapsulate(e, pair.priv, theirs.cipherText);
    expect((await getKey(e, mine)).material.equals(Buffer.from(theirs.sharedSecret))).toBe(true);
    // A tampered ciphertext of the right length gives an unrelated secret (implicit rejection), not an error.
    const tampered = Buffer.from(theirs.cipherText);
    tampered[0] ^= 1;
    expect((await getKey(e, await decapsulate(e, pair.priv, tampered))).material.equals(Buffer.from(theirs.sharedSecret))).toBe(false);
  });

  it('the shared-secret object: Pre-Active, 256 bits, Derive Key, linked to the KEM key; the ID Placeholder is it', async () => {
    const e = await on();
    const pair = await activePair(e, Alg.ML_KEM_768);
    const { secretUid } = await encapsulate(e, pair.pub);
    const a = await attrs(e, secretUid);
    expect(read.enum(child(a, Tag.ObjectType))).toBe(ObjectType.SecretData);
    expect(read.enum(child(a, Tag.State))).toBe(State.PreActive);
    expect(read.int(child(a, Tag.CryptographicLength))).toBe(256);
    expect(read.int(child(a, Tag.CryptographicUsageMask))).toBe(Mask.DeriveKey);
    expect(linkTo(a, LinkType.DerivationBaseObjectLink)).toEqual([pair.pub]);
    // A batch: Encapsulate, then Get with no identifier reads the secret through the ID Placeholder.
    const r = await e.send(V21, [{ op: OP_ENCAPSULATE, payload: uidP(pair.pub) }, { op: Op.Get, payload: [] }]);
    expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.Success]);
    expect(read.text(child(r.items[1].payload, Tag.UniqueIdentifier))).toBe(read.text(child(r.items[0].payload, Tag.UniqueIdentifier)));
  });

  it('refusals: wrong ciphertext length, no ciphertext, wrong key type or family, usage mask, state, streaming', async () => {
    const e = await on();
    const pair = await activePair(e, Alg.ML_KEM_512);
    const dsa = await activePair(e, Alg.ML_DSA_44);
    expect(await fails(e, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, pair.priv), bytes(Tag.Data, new Uint8Array(767))])).toBe(RR.InvalidField);
    expect(await fails(e, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, pair.priv), bytes(Tag.Data, new Uint8Array(1088))])).toBe(RR.InvalidField);
    expect(await fails(e, OP_DECAPSULATE, uidP(pair.priv))).toBe(RR.InvalidField);
    // Encapsulate takes the public key, Decapsulate the private one; ML-DSA keys do neither, ML-KEM keys do not sign.
    expect(await fails(e, OP_ENCAPSULATE, uidP(pair.priv))).toBe(RR.InvalidObjectType);
    expect(await fails(e, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, pair.pub), bytes(Tag.Data, new Uint8Array(768))])).toBe(RR.InvalidObjectType);
    expect(await fails(e, OP_ENCAPSULATE, uidP(dsa.pub))).toBe(RR.InvalidObjectType);
    expect(await fails(e, Op.Sign, signP(pair.priv))).toBe(RR.InvalidObjectType);
    expect(await fails(e, Op.Sign, signP(dsa.pub))).toBe(RR.InvalidObjectType);
    expect(await fails(e, OP_ENCAPSULATE, uidP('no-such-key'))).toBe(RR.ObjectNotFound);
    expect(await fails(e, OP_ENCAPSULATE, [...uidP(pair.pub), bool(Tag.InitIndicator, true)])).toBe(RR.FeatureNotSupported);
    expect(await fails(e, OP_ENCAPSULATE, [...uidP(pair.pub), struct(Tag.CryptographicParameters, [enm(Tag.CryptographicAlgorithm, Alg.ML_KEM_768)])])).toBe(RR.InvalidField);
    // Usage masks: a pair made for Key Agreement only neither encapsulates nor decapsulates; a signing mask is refused at creation.
    const ka = await activePair(e, Alg.ML_KEM_768, { priv: [int(Tag.CryptographicUsageMask, Mask.KeyAgreement)], pub: [int(Tag.CryptographicUsageMask, Mask.KeyAgreement)] });
    expect(await fails(e, OP_ENCAPSULATE, uidP(ka.pub))).toBe(RR.IncompatibleCryptographicUsageMask);
    expect(await fails(e, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, ka.priv), bytes(Tag.Data, new Uint8Array(1088))])).toBe(RR.IncompatibleCryptographicUsageMask);
    expect((await createPair(e, Alg.ML_KEM_768, { priv: [int(Tag.CryptographicUsageMask, Mask.Sign)] })).reason).toBe(RR.IncompatibleCryptographicUsageMask);
    expect((await createPair(e, Alg.ML_DSA_65, { pub: [int(Tag.CryptographicUsageMask, Mask.Encrypt)] })).reason).toBe(RR.IncompatibleCryptographicUsageMask);
    const noVerify = await activePair(e, Alg.ML_DSA_44, { pub: [int(Tag.CryptographicUsageMask, Mask.ContentCommitmentNonRepudiation)] });
    expect(await fails(e, Op.SignatureVerify, verifyP(noVerify.pub, new Uint8Array(2420)))).toBe(RR.IncompatibleCryptographicUsageMask);
  });

  it('a registered ML-KEM public key that is not a valid encapsulation key (FIPS 203 modulus check) is Cryptographic Failure', async () => {
    const e = await on();
    const body = struct(Tag.PublicKey, [struct(Tag.KeyBlock, [
      enm(Tag.KeyFormatType, KeyFormatType.Raw), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, new Uint8Array(1184).fill(0xff))]),
      enm(Tag.CryptographicAlgorithm, Alg.ML_KEM_768), int(Tag.CryptographicLength, 768),
    ])]);
    const reg = await e.ok(V21, Op.Register, [enm(Tag.ObjectType, ObjectType.PublicKey), struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.Encrypt)]), body]);
    const uid = read.text(child(reg, Tag.UniqueIdentifier))!;
    await e.ok(V21, Op.Activate, uidP(uid));
    expect(await fails(e, OP_ENCAPSULATE, uidP(uid))).toBe(RR.CryptographicFailure);
  });

  it('states: Pre-Active keys do nothing; a Deactivated private key still decapsulates, its public key no longer encapsulates; destroyed keys are gone', async () => {
    const e = await on();
    const fresh = await createPair(e, Alg.ML_KEM_768) as { priv: string; pub: string };
    expect(await fails(e, OP_ENCAPSULATE, uidP(fresh.pub))).toBe(RR.WrongKeyLifecycleState);
    // The refusal convention of src/kmip/ops/usable.ts: Permission Denied up to 2.0.
    expect(await fails(e, OP_ENCAPSULATE, uidP(fresh.pub), V20)).toBe(RR.PermissionDenied);
    expect(await fails(e, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, fresh.priv), bytes(Tag.Data, new Uint8Array(1088))])).toBe(RR.WrongKeyLifecycleState);
    const pair = await activePair(e, Alg.ML_KEM_768);
    const { secretUid, ct } = await encapsulate(e, pair.pub);
    const revoke = (uid: string) => e.ok(V21, Op.Revoke, [text(Tag.UniqueIdentifier, uid), struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, RevocationReasonCode.CessationOfOperation)])]);
    await revoke(pair.priv);
    await revoke(pair.pub);
    expect((await getKey(e, await decapsulate(e, pair.priv, ct))).material.equals((await getKey(e, secretUid)).material)).toBe(true);
    expect(await fails(e, OP_ENCAPSULATE, uidP(pair.pub))).toBe(RR.WrongKeyLifecycleState);
    // ML-DSA: a Deactivated public key still verifies, its private key no longer signs.
    const dsa = await activePair(e, Alg.ML_DSA_44);
    const sig = sigOf(await e.ok(V21, Op.Sign, signP(dsa.priv)));
    await revoke(dsa.priv);
    await revoke(dsa.pub);
    expect(await fails(e, Op.Sign, signP(dsa.priv))).toBe(RR.WrongKeyLifecycleState);
    expect(validity(await e.ok(V21, Op.SignatureVerify, verifyP(dsa.pub, sig)))).toBe(ValidityIndicator.Valid);
    await e.ok(V21, Op.Destroy, uidP(dsa.pub));
    expect(await fails(e, Op.SignatureVerify, verifyP(dsa.pub, sig))).toBe(RR.KeyValueNotPresent);
  });
});

describe('Re-key Key Pair', () => {
  it('ML-DSA-87 and ML-KEM-1024: a new pair of the same parameter set, linked to the old one, that works', async () => {
    const e = await on();
    for (const algorithm of [Alg.ML_DSA_87, Alg.ML_KEM_1024]) {
      const p = PQC.get(algorithm)!;
      const old = await activePair(e, algorithm);
      const r = await e.ok(V21, Op.ReKeyKeyPair, [text(Tag.PrivateKeyUniqueIdentifier, old.priv)]);
      const priv = read.text(child(r, Tag.PrivateKeyUniqueIdentifier))!;
      const pub = read.text(child(r, Tag.PublicKeyUniqueIdentifier))!;
      const [k, u] = [await getKey(e, priv), await getKey(e, pub)];
      expect([k.algorithm, k.bits, k.material.length, u.material.length]).toEqual([algorithm, p.bits, p.secretKey, p.publicKey]);
      expect(u.material.equals((await getKey(e, old.pub)).material)).toBe(false);
      expect(linkTo(await attrs(e, priv), LinkType.ReplacedObjectLink)).toEqual([old.priv]);
      expect(linkTo(await attrs(e, old.pub), LinkType.ReplacementObjectLink)).toEqual([pub]);
      // The old pair was activated now, so the new one (no Offset) is active from the same date.
      for (const uid of [priv, pub]) expect(read.enum(child(await attrs(e, uid), Tag.State))).toBe(State.Active);
      if (p.family === 'ml-dsa') expect(ml_dsa87.verify(sigOf(await e.ok(V21, Op.Sign, signP(priv))), MESSAGE, u.material)).toBe(true);
      else expect(Buffer.from(ml_kem1024.decapsulate((await encapsulate(e, pub)).ct, k.material)).length).toBe(32);
    }
  });
});

describe('the KMIP 3.0 setting', () => {
  const queryOps = async (e: Engine, v: readonly [number, number] = V21) =>
    children(await e.ok(v, Op.Query, [enm(Tag.QueryFunction, QueryFunction.QueryOperations)]), Tag.Operation).map((o) => read.enum(o));

  it('off (the default): the algorithms are Unknown Enumeration (Invalid Field at 1.x), the operations Operation Not Supported and not advertised', async () => {
    const e = await testEngine();
    for (const p of PQC.values()) expect((await createPair(e, p.algorithm)).reason, p.name).toBe(RR.UnknownEnumeration);
    expect((await createPair(e, Alg.ML_DSA_44, { v: V14 })).reason).toBe(RR.InvalidField);
    expect(await fails(e, OP_ENCAPSULATE, uidP('x'))).toBe(RR.OperationNotSupported);
    expect(await fails(e, OP_DECAPSULATE, [text(Tag.UniqueIdentifier, 'x'), bytes(Tag.Data, new Uint8Array(768))])).toBe(RR.OperationNotSupported);
    // Create names one too: the same refusal (on, it is Invalid Field: no symmetric key of that algorithm).
    const sym = [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [enm(Tag.CryptographicAlgorithm, Alg.ML_KEM_768), int(Tag.CryptographicLength, 768)])];
    expect(await fails(e, Op.Create, sym)).toBe(RR.UnknownEnumeration);
    expect(await fails(await on(), Op.Create, sym)).toBe(RR.InvalidField);
    const ops = await queryOps(e);
    expect(ops).toContain(Op.Sign);
    expect(ops).not.toContain(OP_ENCAPSULATE);
    expect(ops).not.toContain(OP_DECAPSULATE);
  });

  it('on: Query advertises Encapsulate and Decapsulate at 2.x (not at 1.x, where the algorithms are refused too)', async () => {
    const e = await on();
    expect(await queryOps(e)).toEqual(expect.arrayContaining([OP_ENCAPSULATE, OP_DECAPSULATE]));
    expect(await queryOps(e, V20)).toEqual(expect.arrayContaining([OP_ENCAPSULATE, OP_DECAPSULATE]));
    expect(await queryOps(e, V14)).not.toContain(OP_ENCAPSULATE);
    expect((await createPair(e, Alg.ML_DSA_44, { v: V14 })).reason).toBe(RR.InvalidField);
    expect(await fails(e, OP_ENCAPSULATE, uidP('x'), V14)).toBe(RR.OperationNotSupported);
  });

  it('keys made with the setting on are refused once it is off (same store)', async () => {
    const store = await openStore({ kind: 'memory' });
    const send = async (kmip30: boolean, op: number, payload: TtlvItem[]) =>
      response(await createEngine({ store, kmip30Algorithms: kmip30 }).handle(request(V21, [{ op, payload }]), { principal: 'alice' })).items[0];
    const made = await send(true, Op.CreateKeyPair, [struct(Tag.CommonAttributes, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_44), int(Tag.CryptographicUsageMask, Mask.Sign | Mask.Verify)]), struct(Tag.PrivateKeyAttributes, []), struct(Tag.PublicKeyAttributes, [])]);
    const priv = read.text(child(made.payload, Tag.PrivateKeyUniqueIdentifier))!;
    expect((await send(true, Op.Activate, uidP(priv))).status).toBe(RS.Success);
    expect((await send(true, Op.Sign, signP(priv))).status).toBe(RS.Success);
    expect((await send(false, Op.Sign, signP(priv))).reason).toBe(RR.UnknownEnumeration);
    await store.close();
  });

  it('the daemon configuration: file, environment and --kmip30-algorithms turn it on; a non-boolean is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kmipkit-pqc-'));
    const file = join(dir, 'k.json');
    writeFileSync(file, JSON.stringify({ compatibility: { kmip30Algorithms: true } }));
    expect(loadConfig({ config: file }, { env: {}, cwd: dir }).compatibility.kmip30Algorithms).toBe(true);
    expect(loadConfig({}, { env: {}, cwd: dir }).compatibility.kmip30Algorithms).toBe(false);
    expect(loadConfig({}, { env: { KMIPKIT_KMIP30_ALGORITHMS: 'yes' }, cwd: dir }).compatibility.kmip30Algorithms).toBe(true);
    expect(loadConfig({ config: file }, { env: { KMIPKIT_KMIP30_ALGORITHMS: 'false' }, cwd: dir }).compatibility.kmip30Algorithms).toBe(false);
    expect(loadConfig({ kmip30Algorithms: true }, { env: {}, cwd: dir }).compatibility.kmip30Algorithms).toBe(true);
    expect(() => loadConfig({}, { env: { KMIPKIT_KMIP30_ALGORITHMS: 'maybe' }, cwd: dir })).toThrow(/KMIPKIT_KMIP30_ALGORITHMS/);
    writeFileSync(file, JSON.stringify({ compatibility: { kmip30Algorithms: 'on' } }));
    expect(() => loadConfig({ config: file }, { env: {}, cwd: dir })).toThrow(/kmip30Algorithms must be true or false/);
  });
});

describe('createServer (real TLS): compatibility.kmip30Algorithms', () => {
  let withIt: Awaited<ReturnType<typeof createServer>>;
  let without: Awaited<ReturnType<typeof createServer>>;
  beforeAll(async () => {
    withIt = await createServer({ port: 0, store: 'memory', compatibility: { kmip30Algorithms: true } });
    without = await createServer({ port: 0, store: 'memory' });
    // Generous: each server generates development certificates, slow on a loaded machine.
  }, 60_000);
  afterAll(async () => {
    await withIt?.close();
    await without?.close();
  });

  function send(server: typeof withIt, message: Uint8Array): Promise<ReturnType<typeof response>> {
    const { caPem, clientCertPem, clientKeyPem } = server.certificates;
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port: server.address.port, servername: 'localhost', ca: caPem, cert: clientCertPem, key: clientKeyPem });
      let buf = Buffer.alloc(0);
      s.on('error', reject);
      s.on('secureConnect', () => s.write(message));
      s.on('data', (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        if (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
          s.end();
          resolve(response(encode(decode(buf))));
        }
      });
      s.on('close', () => reject(new Error(`closed after ${buf.length} bytes`)));
    });
  }

  it('on: one batch creates an ML-KEM-768 pair (active from now), encapsulates, and Gets the secret; noble decapsulates to it after Get of the private key', async () => {
    const now = Math.floor(Date.now() / 1000) - 5;
    const date = (tag: number) => ({ tag, type: 0x09, value: BigInt(now) }) as TtlvItem;
    const created = await send(withIt, request(V21, [{ op: Op.CreateKeyPair, payload: [
      struct(Tag.CommonAttributes, [enm(Tag.CryptographicAlgorithm, Alg.ML_KEM_768), date(Tag.ActivationDate)]), struct(Tag.PrivateKeyAttributes, []), struct(Tag.PublicKeyAttributes, []),
    ] }]));
    const pub = read.text(child(created.items[0].payload, Tag.PublicKeyUniqueIdentifier))!;
    const priv = read.text(child(created.items[0].payload, Tag.PrivateKeyUniqueIdentifier))!;
    const r = await send(withIt, request(V21, [{ op: OP_ENCAPSULATE, payload: uidP(pub) }, { op: Op.Get, payload: [] }, { op: Op.Get, payload: uidP(priv) }]));
    expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.Success, RS.Success]);
    const ct = read.bytes(child(r.items[0].payload, Tag.Data))!;
    const secret = read.bytes(child(child(child(child(r.items[1].payload, Tag.SecretData), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!;
    const sk = read.bytes(child(child(child(child(r.items[2].payload, Tag.PrivateKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!;
    expect(Buffer.from(ml_kem768.decapsulate(ct, sk)).equals(Buffer.from(secret))).toBe(true);
    const q = await send(withIt, request(V21, [{ op: Op.Query, payload: [enm(Tag.QueryFunction, QueryFunction.QueryOperations)] }]));
    expect(children(q.items[0].payload!, Tag.Operation).map((o) => read.enum(o))).toEqual(expect.arrayContaining([OP_ENCAPSULATE, OP_DECAPSULATE]));
  });

  it('off by default: Create Key Pair of ML-DSA-65 is Unknown Enumeration, Encapsulate is Operation Not Supported, Query leaves them out', async () => {
    const r = await send(without, request(V21, [
      { op: Op.CreateKeyPair, payload: [struct(Tag.CommonAttributes, [enm(Tag.CryptographicAlgorithm, Alg.ML_DSA_65)]), struct(Tag.PrivateKeyAttributes, []), struct(Tag.PublicKeyAttributes, [])] },
    ]));
    expect(r.items[0].reason).toBe(RR.UnknownEnumeration);
    expect((await send(without, request(V21, [{ op: OP_ENCAPSULATE, payload: uidP('x') }]))).items[0].reason).toBe(RR.OperationNotSupported);
    const q = await send(without, request(V21, [{ op: Op.Query, payload: [enm(Tag.QueryFunction, QueryFunction.QueryOperations)] }]));
    expect(children(q.items[0].payload!, Tag.Operation).map((o) => read.enum(o))).not.toContain(OP_ENCAPSULATE);
  });
});

describe('Quantum Safe (KMIP 2.0 §4.45)', () => {
  const createSym = (e: Engine, algorithm: number, bits: number, safe: boolean | undefined, v: readonly [number, number] = V21) =>
    e.send(v, [{ op: Op.Create, payload: [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [
      enm(Tag.CryptographicAlgorithm, algorithm), int(Tag.CryptographicLength, bits), int(Tag.CryptographicUsageMask, Mask.Encrypt | Mask.Decrypt),
      enm(Tag.ProtectionLevel, ProtectionLevel.High), interval(Tag.ProtectionPeriod, 220752000), ...(safe === undefined ? [] : [bool(Tag.QuantumSafe, safe)]),
    ])] }]).then((r) => r.items[0]);

  it('Create asking for Quantum Safe: AES-128 and 3DES fail NOT_SAFE (General Failure); AES-256, HMAC-SHA256/256 and Secret Data succeed and keep the flag', async () => {
    const e = await testEngine();
    for (const [alg, bits] of [[Alg.AES, 128], [Alg.AES, 192], [Alg.DES3, 168], [Alg.HMAC_SHA1, 256]] as const) {
      const it = await createSym(e, alg, bits, true);
      expect([it.status, it.reason], `${alg}/${bits}`).toEqual([RS.OperationFailed, RR.GeneralFailure]);
      expect(it.message).toMatch(/^NOT_SAFE/);
    }
    for (const [alg, bits] of [[Alg.AES, 256], [Alg.HMAC_SHA256, 256], [Alg.ChaCha20, 256]] as const) {
      const it = await createSym(e, alg, bits, true);
      expect(it.status, `${alg}/${bits}`).toBe(RS.Success);
      expect(read.bool(child(await attrs(e, read.text(child(it.payload, Tag.UniqueIdentifier))!), Tag.QuantumSafe))).toBe(true);
    }
    expect((await createSym(e, Alg.AES, 128, false)).status).toBe(RS.Success);
    expect((await createSym(e, Alg.AES, 128, undefined)).status).toBe(RS.Success);
    const sd = await e.send(V21, [{ op: Op.Create, payload: [enm(Tag.ObjectType, ObjectType.SecretData), struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.DeriveKey), bool(Tag.QuantumSafe, true)])] }]);
    expect(sd.items[0].status).toBe(RS.Success);
  });

  it('Create Key Pair asking for Quantum Safe: RSA and ECDSA fail NOT_SAFE; ML-KEM and ML-DSA succeed', async () => {
    const e = await on();
    const safe = [bool(Tag.QuantumSafe, true)];
    expect((await createPair(e, Alg.RSA, { common: [int(Tag.CryptographicLength, 2048), ...safe] })).reason).toBe(RR.GeneralFailure);
    expect((await createPair(e, Alg.ECDSA, { common: [int(Tag.CryptographicLength, 256), ...safe] })).reason).toBe(RR.GeneralFailure);
    const kem = await createPair(e, Alg.ML_KEM_512, { common: safe });
    const dsa = await createPair(e, Alg.ML_DSA_44, { common: safe });
    expect('priv' in kem && 'priv' in dsa).toBe(true);
    expect(read.bool(child(await attrs(e, (kem as { pub: string }).pub), Tag.QuantumSafe))).toBe(true);
  });

  it('the rule itself', () => {
    expect(isQuantumSafe(ObjectType.SymmetricKey, Alg.AES, 256)).toBe(true);
    expect(isQuantumSafe(ObjectType.SymmetricKey, Alg.AES, 128)).toBe(false);
    expect(isQuantumSafe(ObjectType.SymmetricKey, Alg.Camellia, 256)).toBe(true);
    expect(isQuantumSafe(ObjectType.SymmetricKey, Alg.DES3, 192)).toBe(false);
    expect(isQuantumSafe(ObjectType.PrivateKey, Alg.RSA, 4096)).toBe(false);
    expect(isQuantumSafe(ObjectType.PrivateKey, Alg.Ed25519, 256)).toBe(false);
    expect(isQuantumSafe(ObjectType.PrivateKey, Alg.ML_DSA_44, 10496)).toBe(true);
    expect(isQuantumSafe(ObjectType.PublicKey, Alg.SLH_DSA_SHA2_128s, 256)).toBe(true);
    expect(isQuantumSafe(ObjectType.PublicKey, Alg.XMSS, undefined)).toBe(true);
    expect(isQuantumSafe(ObjectType.SecretData, undefined, 128)).toBe(false);
    expect(isQuantumSafe(ObjectType.SecretData, undefined, 256)).toBe(true);
    expect(isQuantumSafe(ObjectType.OpaqueObject, undefined, undefined)).toBe(false);
  });
});
