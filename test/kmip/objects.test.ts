// Every object type Query lists is registered, read back unchanged, and destroyed, in 1.4 and 2.1.
// Key material is generated here, at test time (no fixture that looks like a real key).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CertificateType, CryptographicAlgorithm as Alg, KeyFormatType, ObjectType, Operation as Op, QueryFunction, ResultReason as RR,
  SecretDataType, Tag,
} from '../../src/dict/index.js';
import { bytes } from '../../src/kmip/items.js';
import { generateDevCertificates } from '../../src/server/index.js';
import type { TtlvItem } from '../../src/ttlv/types.js';
import { child, children, enm, int, keyBlock, read, struct, testEngine, text, uidIn } from '../helpers/kmip.js';

const V14 = [1, 4] as const;
const V21 = [2, 1] as const;
type Version = typeof V14 | typeof V21;

const der = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');

interface Sample {
  body: TtlvItem;
  /** The bytes Get must give back, and where they are in the returned object. */
  material: Uint8Array;
  path: number[];
  usage: number;
}

let samples: Map<number, Sample>;

beforeAll(async () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pub = rsa.publicKey.export({ type: 'spki', format: 'der' });
  const priv = rsa.privateKey.export({ type: 'pkcs8', format: 'der' });
  const cert = der((await generateDevCertificates()).caPem);
  const sym = randomBytes(32);
  const secret = randomBytes(24);
  const opaque = randomBytes(40);
  const kv = [Tag.KeyBlock, Tag.KeyValue, Tag.KeyMaterial];
  samples = new Map<number, Sample>([
    [ObjectType.SymmetricKey, { body: struct(Tag.SymmetricKey, [keyBlock(KeyFormatType.Raw, sym, Alg.AES, 256)]), material: sym, path: [Tag.SymmetricKey, ...kv], usage: 12 }],
    [ObjectType.PublicKey, { body: struct(Tag.PublicKey, [keyBlock(KeyFormatType.X_509, pub, Alg.RSA, 2048)]), material: pub, path: [Tag.PublicKey, ...kv], usage: 2 }],
    [ObjectType.PrivateKey, { body: struct(Tag.PrivateKey, [keyBlock(KeyFormatType.PKCS_8, priv, Alg.RSA, 2048)]), material: priv, path: [Tag.PrivateKey, ...kv], usage: 1 }],
    [ObjectType.Certificate, {
      body: struct(Tag.Certificate, [enm(Tag.CertificateType, CertificateType.X_509), bytes(Tag.CertificateValue, cert)]),
      material: cert, path: [Tag.Certificate, Tag.CertificateValue], usage: 2,
    }],
    [ObjectType.SecretData, {
      body: struct(Tag.SecretData, [enm(Tag.SecretDataType, SecretDataType.Seed), keyBlock(KeyFormatType.Opaque, secret)]),
      material: secret, path: [Tag.SecretData, ...kv], usage: 0,
    }],
    [ObjectType.OpaqueObject, {
      body: struct(Tag.OpaqueObject, [enm(Tag.OpaqueDataType, 0x80000001), bytes(Tag.OpaqueDataValue, opaque)]),
      material: opaque, path: [Tag.OpaqueObject, Tag.OpaqueDataValue], usage: 0,
    }],
  ]);
}, 60_000);

const dig = (item: TtlvItem | undefined, path: number[]) => path.reduce<TtlvItem | undefined>((at, tag) => child(at, tag), item);

function registerPayload(v: Version, type: number, s: Sample, name: string): TtlvItem[] {
  const attrs = v[0] >= 2
    ? struct(Tag.Attributes, [
      ...(s.usage ? [int(Tag.CryptographicUsageMask, s.usage)] : []),
      struct(Tag.Name, [text(Tag.NameValue, name), enm(Tag.NameType, 1)]),
    ])
    : struct(Tag.TemplateAttribute, [
      ...(s.usage ? [struct(Tag.Attribute, [text(Tag.AttributeName, 'Cryptographic Usage Mask'), int(Tag.AttributeValue, s.usage)])] : []),
      struct(Tag.Attribute, [text(Tag.AttributeName, 'Name'), struct(Tag.AttributeValue, [text(Tag.NameValue, name), enm(Tag.NameType, 1)])]),
    ]);
  return [enm(Tag.ObjectType, type), attrs, s.body];
}

describe.each([{ v: V14 as Version }, { v: V21 as Version }])('every object type Query lists, at KMIP $v', ({ v }) => {
  it('is registered, read back byte for byte, found by name, and destroyed', async () => {
    const e = await testEngine();
    const q = await e.ok(v, Op.Query, [enm(Tag.QueryFunction, QueryFunction.QueryObjects)]);
    const types = children(q, Tag.ObjectType).map((o) => read.enum(o)!);
    expect(types.length).toBeGreaterThanOrEqual(6);
    expect(types.includes(ObjectType.Template)).toBe(v[0] === 1);
    for (const type of types) {
      if (type === ObjectType.Template) {
        // KMIP 1.x only: a named set of attributes that Create and Register can refer to.
        expect(v[0]).toBe(1);
        const tpl = struct(Tag.Template, [struct(Tag.Attribute, [text(Tag.AttributeName, 'Cryptographic Length'), int(Tag.AttributeValue, 128)])]);
        const uid = uidIn(await e.ok(v, Op.Register, [enm(Tag.ObjectType, type), struct(Tag.TemplateAttribute, [
          struct(Tag.Attribute, [text(Tag.AttributeName, 'Name'), struct(Tag.AttributeValue, [text(Tag.NameValue, 'tpl'), enm(Tag.NameType, 1)])]),
        ]), tpl]));
        const got = await e.ok(v, Op.Get, [text(Tag.UniqueIdentifier, uid)]);
        expect(read.enum(child(got, Tag.ObjectType))).toBe(ObjectType.Template);
        expect(read.int(child(child(child(got, Tag.Template), Tag.Attribute), Tag.AttributeValue))).toBe(128);
        const byName = await e.ok(v, Op.Locate, [
          struct(Tag.Attribute, [text(Tag.AttributeName, 'Name'), struct(Tag.AttributeValue, [text(Tag.NameValue, 'tpl'), enm(Tag.NameType, 1)])]),
          struct(Tag.Attribute, [text(Tag.AttributeName, 'Object Type'), enm(Tag.AttributeValue, ObjectType.Template)]),
        ]);
        expect(children(byName, Tag.UniqueIdentifier).map((u) => read.text(u))).toEqual([uid]);
        const ga = await e.ok(v, Op.GetAttributes, [text(Tag.UniqueIdentifier, uid), text(Tag.AttributeName, 'Object Type')]);
        expect(read.enum(child(child(ga, Tag.Attribute), Tag.AttributeValue))).toBe(ObjectType.Template);
        await e.ok(v, Op.Destroy, [text(Tag.UniqueIdentifier, uid)]);
        const gone = await e.send(v, [{ op: Op.Get, payload: [text(Tag.UniqueIdentifier, uid)] }]);
        expect(gone.items[0].reason).toBeOneOf([RR.ItemNotFound, RR.ObjectDestroyed, RR.ObjectNotFound]);
        continue;
      }
      const s = samples.get(type);
      expect(s, `no sample for listed object type ${type}`).toBeDefined();
      const name = `object-${type}`;
      const uid = uidIn(await e.ok(v, Op.Register, registerPayload(v, type, s!, name)));
      const got = await e.ok(v, Op.Get, [text(Tag.UniqueIdentifier, uid)]);
      expect(read.enum(child(got, Tag.ObjectType))).toBe(type);
      expect(Buffer.from(read.bytes(dig(got, s!.path))!).equals(Buffer.from(s!.material)), `object type ${type}`).toBe(true);
      const nameFilter = v[0] >= 2
        ? [struct(Tag.Attributes, [struct(Tag.Name, [text(Tag.NameValue, name), enm(Tag.NameType, 1)])])]
        : [struct(Tag.Attribute, [text(Tag.AttributeName, 'Name'), struct(Tag.AttributeValue, [text(Tag.NameValue, name), enm(Tag.NameType, 1)])])];
      const found = await e.ok(v, Op.Locate, nameFilter);
      expect(children(found, Tag.UniqueIdentifier).map((u) => read.text(u))).toEqual([uid]);
      await e.ok(v, Op.Destroy, [text(Tag.UniqueIdentifier, uid)]);
      const gone = await e.send(v, [{ op: Op.Get, payload: [text(Tag.UniqueIdentifier, uid)] }]);
      expect(gone.items[0].reason).toBeOneOf([RR.ItemNotFound, RR.ObjectDestroyed, RR.ObjectNotFound]);
    }
  }, 30_000);
});
