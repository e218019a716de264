// Attributes the server sets by its own policy (Lease Time, Random Number Generator, Protection Storage
// Mask, Always Sensitive, Never Extractable), version-specific renderings (the 1.0 Digest), and the
// KMIP 1.0 way of naming a Template. Each was found missing or wrong by the OASIS conformance files.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, DRBGAlgorithm, KeyFormatType, ObjectType, Operation as Op,
  ProtectionStorageMask, ResultReason as RR, ResultStatus as RS, RNGAlgorithm, SecretDataType, Tag,
} from '../../src/dict/index.js';
import { bool, bytes } from '../../src/kmip/items.js';
import { DEFAULT_LEASE_TIME_S } from '../../src/kmip/policy.js';
import type { TtlvItem } from '../../src/ttlv/types.js';
import { child, children, enm, int, read, struct, testEngine, text, uidIn } from '../helpers/kmip.js';

const V10 = [1, 0] as const;
const V12 = [1, 2] as const;
const V14 = [1, 4] as const;
const V20 = [2, 0] as const;
const V21 = [2, 1] as const;

const attr1x = (name: string, value: TtlvItem) => struct(Tag.Attribute, [text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);
const name1x = (v: string) => attr1x('Name', struct(0, [text(Tag.NameValue, v), enm(Tag.NameType, 1)]));
const aes2x = (extra: TtlvItem[] = []) => [
  enm(Tag.ObjectType, ObjectType.SymmetricKey),
  struct(Tag.Attributes, [enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256), int(Tag.CryptographicUsageMask, Mask.Encrypt), ...extra]),
];
const aes1x = (extra: TtlvItem[] = []) => [
  enm(Tag.ObjectType, ObjectType.SymmetricKey),
  struct(Tag.TemplateAttribute, [
    attr1x('Cryptographic Algorithm', enm(0, Alg.AES)),
    attr1x('Cryptographic Length', int(0, 128)),
    attr1x('Cryptographic Usage Mask', int(0, Mask.Encrypt)),
    ...extra,
  ]),
];
const uidP = (uid: string) => [text(Tag.UniqueIdentifier, uid)];
const attrs2x = async (e: Awaited<ReturnType<typeof testEngine>>, v: readonly [number, number], uid: string) =>
  child(await e.ok(v, Op.GetAttributes, uidP(uid)), Tag.Attributes)!;
/** 1.x Get Attributes of one name: its values. */
const values1x = async (e: Awaited<ReturnType<typeof testEngine>>, v: readonly [number, number], uid: string, name: string) =>
  children(await e.ok(v, Op.GetAttributes, [...uidP(uid), text(Tag.AttributeName, name)]), Tag.Attribute).map((a) => child(a, Tag.AttributeValue)!);
const listed1x = async (e: Awaited<ReturnType<typeof testEngine>>, v: readonly [number, number], uid: string) =>
  children(await e.ok(v, Op.GetAttributeList, uidP(uid)), Tag.AttributeName).map((n) => read.text(n)!);
const registerOpaque2x = (v: Uint8Array) => [
  enm(Tag.ObjectType, ObjectType.OpaqueObject),
  struct(Tag.Attributes, []),
  struct(Tag.OpaqueObject, [enm(Tag.OpaqueDataType, 0x80000001), bytes(Tag.OpaqueDataValue, v)]),
];
const registerSecret2x = (v: Uint8Array) => [
  enm(Tag.ObjectType, ObjectType.SecretData),
  struct(Tag.Attributes, []),
  struct(Tag.SecretData, [enm(Tag.SecretDataType, SecretDataType.Password), struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Opaque), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, v)])])]),
];

describe('Lease Time (set by the server on cryptographic objects)', () => {
  it('created and registered keys and secret data carry the default lease, in 1.x and 2.x', async () => {
    const e = await testEngine();
    expect(DEFAULT_LEASE_TIME_S).toBe(3600);
    const created = uidIn(await e.ok(V21, Op.Create, aes2x()));
    const registered = uidIn(await e.ok(V21, Op.Register, registerSecret2x(randomBytes(16))));
    for (const uid of [created, registered]) {
      const lt = child(await attrs2x(e, V21, uid), Tag.LeaseTime);
      expect(lt?.type).toBe(0x0a); // Interval
      expect(lt?.value).toBe(DEFAULT_LEASE_TIME_S);
    }
    const k1x = uidIn(await e.ok(V10, Op.Create, aes1x()));
    expect(await listed1x(e, V10, k1x)).toContain('Lease Time');
    expect((await values1x(e, V10, k1x, 'Lease Time')).map((v) => v.value)).toEqual([DEFAULT_LEASE_TIME_S]);
  });

  it('is read-only for clients and absent from Opaque Objects', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V14, Op.Create, aes1x()));
    const r = await e.send(V14, [{ op: Op.ModifyAttribute, payload: [...uidP(uid), attr1x('Lease Time', { tag: 0, type: 0x0a, value: 60 })] }]);
    expect(r.items[0].status).toBe(RS.OperationFailed);
    const opaque = uidIn(await e.ok(V21, Op.Register, registerOpaque2x(randomBytes(8))));
    expect(child(await attrs2x(e, V21, opaque), Tag.LeaseTime)).toBeUndefined();
  });

  it('Re-key gives the new key its own lease', async () => {
    const e = await testEngine();
    const old = uidIn(await e.ok(V21, Op.Create, aes2x()));
    const fresh = uidIn(await e.ok(V21, Op.ReKey, uidP(old)));
    expect(child(await attrs2x(e, V21, fresh), Tag.LeaseTime)?.value).toBe(DEFAULT_LEASE_TIME_S);
  });
});

describe('Random Number Generator (keys the server generates)', () => {
  const ours = (a: TtlvItem | undefined) => ({
    rng: read.enum(child(a, Tag.RNGAlgorithm)),
    alg: read.enum(child(a, Tag.CryptographicAlgorithm)),
    len: read.int(child(a, Tag.CryptographicLength)),
    drbg: read.enum(child(a, Tag.DRBGAlgorithm)),
  });
  const CTR_DRBG = { rng: RNGAlgorithm.DRBG, alg: Alg.AES, len: 256, drbg: DRBGAlgorithm.CTR };

  it('a created key records our CTR_DRBG (AES-256); 1.3+ shows it, 1.2 does not know the attribute', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x()));
    expect(ours(child(await attrs2x(e, V21, uid), Tag.RandomNumberGenerator))).toEqual(CTR_DRBG);
    expect(ours(child(await attrs2x(e, V20, uid), Tag.RandomNumberGenerator))).toEqual(CTR_DRBG);
    const [v14] = await values1x(e, V14, uid, 'Random Number Generator');
    expect(ours(v14)).toEqual(CTR_DRBG);
    expect(await listed1x(e, V14, uid)).toContain('Random Number Generator');
    expect(await listed1x(e, V12, uid)).not.toContain('Random Number Generator');
  });

  it('a registered key has none (the client made it); a re-keyed one gets ours, not the old one\'s', async () => {
    const e = await testEngine();
    const reg = uidIn(await e.ok(V21, Op.Register, registerSecret2x(randomBytes(16))));
    expect(child(await attrs2x(e, V21, reg), Tag.RandomNumberGenerator)).toBeUndefined();
    const old = uidIn(await e.ok(V21, Op.Create, aes2x()));
    const fresh = uidIn(await e.ok(V21, Op.ReKey, uidP(old)));
    expect(children(await attrs2x(e, V21, fresh), Tag.RandomNumberGenerator).map(ours)).toEqual([CTR_DRBG]);
  });

  it('a Create that names a generator gets ours only when it matches; otherwise it fails and writes nothing', async () => {
    const e = await testEngine();
    const x931 = struct(Tag.RandomNumberGenerator, [enm(Tag.RNGAlgorithm, RNGAlgorithm.ANSIX9_31)]);
    const r = await e.send(V21, [{ op: Op.Create, payload: aes2x([x931]) }]);
    expect(r.items[0].reason).toBe(RR.InvalidField);
    const count = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [enm(Tag.ObjectType, ObjectType.SymmetricKey)])]);
    expect(read.int(child(count, Tag.LocatedItems))).toBe(0);
    const drbg = struct(Tag.RandomNumberGenerator, [enm(Tag.RNGAlgorithm, RNGAlgorithm.DRBG), enm(Tag.DRBGAlgorithm, DRBGAlgorithm.CTR)]);
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([x931, drbg])));
    expect(children(await attrs2x(e, V21, uid), Tag.RandomNumberGenerator).map(ours)).toEqual([CTR_DRBG]);
    const unspecified = struct(Tag.RandomNumberGenerator, [enm(Tag.RNGAlgorithm, RNGAlgorithm.Unspecified)]);
    await e.ok(V21, Op.Create, aes2x([unspecified]));
  });
});

describe('Protection Storage Mask (2.0+, set when the object is stored)', () => {
  it('is Software on every stored object', async () => {
    const e = await testEngine();
    const key = uidIn(await e.ok(V21, Op.Create, aes2x()));
    const opaque = uidIn(await e.ok(V21, Op.Register, registerOpaque2x(randomBytes(8))));
    for (const uid of [key, opaque]) expect(read.int(child(await attrs2x(e, V21, uid), Tag.ProtectionStorageMask))).toBe(ProtectionStorageMask.Software);
    expect(await listed1x(e, V14, key)).not.toContain('Protection Storage Mask');
  });

  it('a request whose Protection Storage Masks exclude software fails with Protection Storage Unavailable', async () => {
    const e = await testEngine();
    const masks = (...m: number[]) => struct(Tag.ProtectionStorageMasks, m.map((x) => int(Tag.ProtectionStorageMask, x)));
    const hw = await e.send(V21, [{ op: Op.Create, payload: [...aes2x(), masks(ProtectionStorageMask.Hardware)] }]);
    expect(hw.items[0].reason).toBe(RR.ProtectionStorageUnavailable);
    const reg = await e.send(V21, [{ op: Op.Register, payload: [...registerOpaque2x(randomBytes(8)), masks(ProtectionStorageMask.Hardware | ProtectionStorageMask.OnSystem)] }]);
    expect(reg.items[0].reason).toBe(RR.ProtectionStorageUnavailable);
    await e.ok(V21, Op.Create, [...aes2x(), masks(ProtectionStorageMask.Hardware, ProtectionStorageMask.Software | ProtectionStorageMask.OnPremises)]);
  });
});

describe('Always Sensitive and Never Extractable follow the history of Sensitive and Extractable', () => {
  const flags = async (e: Awaited<ReturnType<typeof testEngine>>, uid: string) => {
    const a = await attrs2x(e, V21, uid);
    return { always: read.bool(child(a, Tag.AlwaysSensitive)), never: read.bool(child(a, Tag.NeverExtractable)) };
  };
  const set = (uid: string, item: TtlvItem) => [...uidP(uid), struct(Tag.NewAttribute, [item])];

  it('created Sensitive: Always Sensitive true until Sensitive is once false, and it stays false', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([bool(Tag.Sensitive, true)])));
    expect((await flags(e, uid)).always).toBe(true);
    await e.ok(V21, Op.SetAttribute, set(uid, bool(Tag.Sensitive, false)));
    expect((await flags(e, uid)).always).toBe(false);
    await e.ok(V21, Op.SetAttribute, set(uid, bool(Tag.Sensitive, true)));
    expect((await flags(e, uid)).always).toBe(false);
  });

  it('default (not Sensitive, Extractable): both false; created not Extractable: Never Extractable true until Extractable', async () => {
    const e = await testEngine();
    const plain = uidIn(await e.ok(V21, Op.Create, aes2x()));
    expect(await flags(e, plain)).toEqual({ always: false, never: false });
    const locked = uidIn(await e.ok(V21, Op.Create, aes2x([bool(Tag.Extractable, false)])));
    expect((await flags(e, locked)).never).toBe(true);
    await e.ok(V21, Op.ModifyAttribute, set(locked, bool(Tag.Extractable, true)));
    expect((await flags(e, locked)).never).toBe(false);
    await e.ok(V21, Op.ModifyAttribute, set(locked, bool(Tag.Extractable, false)));
    expect((await flags(e, locked)).never).toBe(false);
  });

  it('Re-key: the new key\'s flags start from its own Sensitive and Extractable', async () => {
    const e = await testEngine();
    const old = uidIn(await e.ok(V21, Op.Create, aes2x([bool(Tag.Sensitive, true)])));
    const fresh = uidIn(await e.ok(V21, Op.ReKey, uidP(old)));
    expect(await flags(e, fresh)).toEqual({ always: true, never: false });
  });
});

describe('Digest per version', () => {
  it('1.0 has no Key Format Type in the Digest (added in 1.1); 1.1+ has it', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V10, Op.Create, aes1x()));
    const [d10] = await values1x(e, V10, uid, 'Digest');
    expect(children(d10, Tag.KeyFormatType)).toHaveLength(0);
    expect(read.bytes(child(d10, Tag.DigestValue))).toHaveLength(32);
    const [d14] = await values1x(e, V14, uid, 'Digest');
    expect(read.enum(child(d14, Tag.KeyFormatType))).toBe(KeyFormatType.Raw);
  });
});

describe('Templates (KMIP 1.x)', () => {
  const template = (...attrs: TtlvItem[]) => struct(Tag.Template, attrs);

  it('a Name inside the Template names the Template itself (KMIP 1.0), and is not given to what it makes', async () => {
    const e = await testEngine();
    const tpl = uidIn(await e.ok(V10, Op.Register, [
      enm(Tag.ObjectType, ObjectType.Template),
      struct(Tag.TemplateAttribute, []),
      template(attr1x('Object Group', text(0, 'g1')), attr1x('x-Custom', text(0, 'c1')), name1x('tpl-10')),
    ]));
    const found = await e.ok(V10, Op.Locate, [name1x('tpl-10'), attr1x('Object Type', enm(0, ObjectType.Template))]);
    expect(children(found, Tag.UniqueIdentifier).map(read.text)).toEqual([tpl]);
    const secret = uidIn(await e.ok(V10, Op.Register, [
      enm(Tag.ObjectType, ObjectType.SecretData),
      struct(Tag.TemplateAttribute, [struct(Tag.Name, [text(Tag.NameValue, 'tpl-10'), enm(Tag.NameType, 1)]), name1x('secret-10')]),
      struct(Tag.SecretData, [enm(Tag.SecretDataType, SecretDataType.Password), struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Opaque), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, randomBytes(16))])])]),
    ]));
    expect((await values1x(e, V10, secret, 'Object Group')).map((v) => v.value)).toEqual(['g1']);
    expect((await values1x(e, V10, secret, 'x-Custom')).map((v) => v.value)).toEqual(['c1']);
    expect((await values1x(e, V10, secret, 'Name')).map((v) => read.text(child(v, Tag.NameValue)))).toEqual(['secret-10']);
    const byGroup = await e.ok(V10, Op.Locate, [attr1x('Object Group', text(0, 'g1')), attr1x('Object Type', enm(0, ObjectType.SecretData))]);
    expect(children(byGroup, Tag.UniqueIdentifier).map(read.text)).toEqual([secret]);
  });

  it('the 1.1+ way (Name in the Register\'s Template-Attribute) works the same, and 2.x refuses Templates', async () => {
    const e = await testEngine();
    const tpl = uidIn(await e.ok(V14, Op.Register, [
      enm(Tag.ObjectType, ObjectType.Template),
      struct(Tag.TemplateAttribute, [name1x('tpl-14')]),
      template(attr1x('Cryptographic Algorithm', enm(0, Alg.AES)), attr1x('Cryptographic Length', int(0, 256))),
    ]));
    const key = uidIn(await e.ok(V14, Op.Create, [
      enm(Tag.ObjectType, ObjectType.SymmetricKey),
      struct(Tag.TemplateAttribute, [struct(Tag.Name, [text(Tag.NameValue, 'tpl-14'), enm(Tag.NameType, 1)])]),
    ]));
    expect((await values1x(e, V14, key, 'Cryptographic Length')).map((v) => v.value)).toEqual([256]);
    expect(await values1x(e, V14, key, 'Name')).toEqual([]);
    await e.ok(V14, Op.Destroy, uidP(tpl));
    const r = await e.send(V21, [{ op: Op.Register, payload: [enm(Tag.ObjectType, ObjectType.Template), struct(Tag.Attributes, []), template()] }]);
    expect(r.items[0].status).toBe(RS.OperationFailed);
  });
});
