// Create (symmetric keys and secret data generated here) and Register (any object the client brings).
import { CertificateType, CryptographicAlgorithm as Alg, KeyFormatType, ObjectType, ResultReason, SecretDataType, Tag } from '../../dict/index.js';
import { ItemType, type StructureItem, type TtlvItem } from '../../ttlv/types.js';
import { encode } from '../../ttlv/index.js';
import { fromAttribute1x, type Attr } from '../attributes/model.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, enm, int, need, read, struct } from '../items.js';
import type { OpContext } from '../context.js';
import { keyBytes } from '../random.js';
import { toRecord, uidItem } from '../object.js';
import { x509Attributes } from '../certificates.js';
import { GRANT_ATTRIBUTE, checkGrantChange, syncGrants } from '../grants.js';
import { keyBlockAttributes, keyBlockOf, objectFromPayload, symmetricKey, wipe } from '../objects.js';
import { protectionStorageFor, withServerRng } from '../policy.js';
import { parseWrapInfo } from '../wrap.js';
import { checkClientAttributes, checkNamesUnique, newObject, requestAttributes } from './common.js';
import { checkAlgorithmPolicy } from '../pqc.js';
import { pqcBodyToStore } from '../pqc-der.js';

/** Key lengths (bits) a generated symmetric key may have, per algorithm; others: any multiple of 8 up to 4096. */
const SYMMETRIC_LENGTHS: Readonly<Record<number, readonly number[]>> = {
  [Alg.AES]: [128, 192, 256],
  [Alg.DES3]: [112, 168, 192],
  [Alg.DES]: [56, 64],
  [Alg.ChaCha20]: [256],
  [Alg.ChaCha20Poly1305]: [256],
  [Alg.Camellia]: [128, 192, 256],
};
/** Largest generated key: a Create must not make the server draw megabytes of randomness. */
const MAX_GENERATED_BITS = 4096;

const attr = (attrs: readonly Attr[], key: string) => attrs.find((a) => a.key === key)?.value;

function keyBytesFor(algorithm: number, bits: number): number {
  const allowed = SYMMETRIC_LENGTHS[algorithm];
  if (allowed ? !allowed.includes(bits) : bits <= 0 || bits % 8 !== 0 || bits > MAX_GENERATED_BITS) {
    throw new KmipError(ResultReason.InvalidField, `Cryptographic Length ${bits} is not valid for this algorithm`);
  }
  if (algorithm === Alg.DES3) return 24;
  if (algorithm === Alg.DES) return 8;
  return bits / 8;
}

const GENERATABLE = new Set<number>([
  Alg.AES, Alg.DES3, Alg.DES, Alg.ChaCha20, Alg.ChaCha20Poly1305, Alg.Camellia, Alg.HMAC_SHA1, Alg.HMAC_SHA224,
  Alg.HMAC_SHA256, Alg.HMAC_SHA384, Alg.HMAC_SHA512, Alg.HMAC_MD5, Alg.HMAC_SHA3_224, Alg.HMAC_SHA3_256,
  Alg.HMAC_SHA3_384, Alg.HMAC_SHA3_512, Alg.Blowfish, Alg.Twofish, Alg.RC4, Alg.IDEA, Alg.CAST5,
]);

function generate(objectType: number, attrs: readonly Attr[]): { body: StructureItem; secret: Uint8Array } {
  if (objectType === ObjectType.SymmetricKey) {
    const algorithm = read.enum(attr(attrs, 'Cryptographic Algorithm'));
    const bits = read.int(attr(attrs, 'Cryptographic Length'));
    if (algorithm === undefined) throw invalidField('Create of a Symmetric Key needs Cryptographic Algorithm');
    if (bits === undefined) throw invalidField('Create of a Symmetric Key needs Cryptographic Length');
    if (!GENERATABLE.has(algorithm)) throw new KmipError(ResultReason.InvalidField, 'keys of this algorithm cannot be generated as symmetric keys');
    const secret = keyBytes(keyBytesFor(algorithm, bits));
    return { body: symmetricKey(secret, algorithm, bits), secret };
  }
  if (objectType === ObjectType.SecretData) {
    const bits = read.int(attr(attrs, 'Cryptographic Length')) ?? 256;
    if (bits <= 0 || bits % 8 !== 0 || bits > MAX_GENERATED_BITS) throw invalidField(`Cryptographic Length ${bits} is not valid for Secret Data`);
    const secret = keyBytes(bits / 8);
    const body = struct(Tag.SecretData, [
      enm(Tag.SecretDataType, SecretDataType.Seed),
      struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, 0x02), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, secret)])]),
    ]);
    return { body, secret };
  }
  if (objectType === ObjectType.PublicKey || objectType === ObjectType.PrivateKey) {
    throw new KmipError(ResultReason.InvalidField, 'key pairs are made with Create Key Pair');
  }
  throw new KmipError(ResultReason.InvalidField, `objects of type ${objectType} cannot be created`);
}

export async function create(ctx: OpContext, payload: TtlvItem): Promise<TtlvItem[]> {
  const objectType = need('enum', payload, Tag.ObjectType);
  const attrs = await requestAttributes(ctx, payload);
  checkClientAttributes(ctx, attrs);
  checkAlgorithmPolicy(ctx, objectType, attrs);
  await checkNamesUnique(ctx, attrs);
  const storage = protectionStorageFor(payload);
  const { body, secret } = generate(objectType, attrs);
  try {
    // The secret came from our generator: the object records which one (Random Number Generator, 1.3+).
    const obj = newObject(ctx, objectType, withServerRng(attrs), body, storage);
    if (!attr(obj.attrs, 'Cryptographic Length') && objectType === ObjectType.SecretData) {
      obj.attrs.push({ key: 'Cryptographic Length', value: int(Tag.CryptographicLength, secret.length * 8) });
    }
    checkGrantChange(ctx, obj, attrs);
    const material = encode(body);
    await ctx.tx.insert(toRecord(obj), material);
    material.fill(0);
    // The object is new, so it has no grants yet: the table changes only when the request sets some.
    if (obj.attrs.some((a) => a.key === GRANT_ATTRIBUTE)) await syncGrants(ctx, obj);
    ctx.placeholder = obj.uid;
    return [enm(Tag.ObjectType, objectType), uidItem(obj.uid)];
  } finally {
    secret.fill(0);
    wipe(body);
  }
}

/** The Name attributes written inside a Template body. */
function templateBodyNames(body: StructureItem): Attr[] {
  return body.value.map((a) => fromAttribute1x(a).attr).filter((a) => a.key === 'Name');
}

/**
 * A symmetric key's material must be as long as its Cryptographic Length says, wherever that is stated
 * (Key Block or attributes, which must then agree). Wrapped material is ciphertext and is not checked.
 */
export function checkSymmetricLength(body: TtlvItem, attrs: readonly Attr[]): void {
  const kb = keyBlockOf(body);
  if (!kb || child(kb, Tag.KeyWrappingData)) return;
  const stated = [read.int(child(kb, Tag.CryptographicLength)), ...attrs.filter((a) => a.key === 'Cryptographic Length').map((a) => read.int(a.value))]
    .filter((n): n is number => n !== undefined);
  if (new Set(stated).size > 1) throw invalidField(`the Cryptographic Lengths given disagree (${[...new Set(stated)].join(', ')})`);
  const km = child(child(kb, Tag.KeyValue), Tag.KeyMaterial);
  const format = read.enum(child(kb, Tag.KeyFormatType));
  const key = format === KeyFormatType.Raw ? read.bytes(km) : format === KeyFormatType.TransparentSymmetricKey ? read.bytes(child(km, Tag.Key)) : undefined;
  if (key === undefined || stated.length === 0) return;
  const algorithm = read.enum(child(kb, Tag.CryptographicAlgorithm)) ?? read.enum(attr(attrs, 'Cryptographic Algorithm'));
  if (key.length * 8 !== stated[0] && !parityBits(algorithm, key.length, stated[0])) {
    throw invalidField(`the key material is ${key.length * 8} bits long, but its Cryptographic Length says ${stated[0]}`);
  }
}

/**
 * A wrapped key is stored as registered (KMIP 1.4 §4.3 and 2.1 §6.1.43 give Register no Key Wrap Type:
 * the server keeps what it is given). Get returns it as registered, or unwrapped with Key Wrap Type Not
 * Wrapped; Import with Key Wrap Type Not Wrapped stores it unwrapped instead. Its Key Wrapping Data must
 * describe a wrapping the server can undo (Wrapping Method Encrypt).
 */
function checkWrapping(body: StructureItem): void {
  const kb = keyBlockOf(body);
  if (!kb) return;
  const kwd = child(kb, Tag.KeyWrappingData);
  if (kwd) parseWrapInfo(kwd, 'Key Wrapping Data');
  else if (child(kb, Tag.KeyValue)?.type === ItemType.ByteString) throw invalidField('a Key Value given as a Byte String is wrapped, but the Key Block has no Key Wrapping Data');
}

/** DES and Triple DES keys carry a parity bit per byte: their Cryptographic Length may count key bits only. */
function parityBits(algorithm: number | undefined, bytes: number, bits: number): boolean {
  if (algorithm === Alg.DES3) return (bytes === 24 && bits === 168) || (bytes === 16 && bits === 112);
  if (algorithm === Alg.DES) return bytes === 8 && bits === 56;
  return false;
}

export async function register(ctx: OpContext, payload: TtlvItem): Promise<TtlvItem[]> {
  const objectType = need('enum', payload, Tag.ObjectType);
  let body = objectFromPayload(payload, objectType);
  const attrs = await requestAttributes(ctx, payload);
  checkClientAttributes(ctx, attrs, true);
  await checkNamesUnique(ctx, attrs);
  // What the Key Block says of itself fills in what the template leaves out.
  for (const a of keyBlockAttributes(body)) if (!attrs.some((b) => b.key === a.key)) attrs.push(a);
  // ML-KEM / ML-DSA / SLH-DSA keys given as PKCS#8 or X.509 are held Raw, like generated ones (their OID
  // names the algorithm when the request does not: before the policy check, which then sees it).
  body = pqcBodyToStore(ctx, objectType, body, attrs);
  // The same algorithm rules as Create: KMIP 3.0 draft algorithms only with the setting, Quantum Safe honoured.
  checkAlgorithmPolicy(ctx, objectType, attrs);
  checkWrapping(body);
  if (objectType === ObjectType.SymmetricKey) checkSymmetricLength(body, attrs);
  if (objectType === ObjectType.Template && ctx.v >= 20) throw new KmipError(ResultReason.InvalidField, 'Templates were removed in KMIP 2.0');
  if (objectType === ObjectType.Template) {
    // KMIP 1.0 named a Template by a Name among its own attributes (1.1 on: in the Register's
    // Template-Attribute). Such a Name is the Template's, and is never applied to the objects it makes.
    const own = new Set(attrs.filter((a) => a.key === 'Name').map((a) => read.text(child(a.value, Tag.NameValue))));
    for (const a of templateBodyNames(body)) if (!own.has(read.text(child(a.value, Tag.NameValue)))) attrs.push(a);
    await checkNamesUnique(ctx, attrs);
  }
  if (objectType === ObjectType.OpaqueObject && !attrs.some((a) => a.key === 'Opaque Data Type')) {
    attrs.push({ key: 'Opaque Data Type', value: enm(Tag.OpaqueDataType, read.enum(child(body, Tag.OpaqueDataType))!) });
  }
  if (objectType === ObjectType.Certificate) {
    for (const key of ['Certificate Type', 'Certificate Length']) {
      const i = attrs.findIndex((a) => a.key === key);
      if (i >= 0) attrs.splice(i, 1); // the certificate itself is the authority on these
    }
    attrs.push({ key: 'Certificate Type', value: enm(Tag.CertificateType, read.enum(child(body, Tag.CertificateType))!) });
    const der = read.bytes(child(body, Tag.CertificateValue))!;
    attrs.push({ key: 'Certificate Length', value: int(Tag.CertificateLength, der.length) });
    if (read.enum(child(body, Tag.CertificateType)) === CertificateType.X_509) {
      const derived = x509Attributes(der);
      for (const a of derived) {
        const i = attrs.findIndex((b) => b.key === a.key);
        if (i >= 0) attrs.splice(i, 1);
      }
      attrs.push(...derived);
    }
  }
  const obj = newObject(ctx, objectType, attrs, body, protectionStorageFor(payload));
  checkGrantChange(ctx, obj, attrs);
  const material = encode(body);
  await ctx.tx.insert(toRecord(obj), material);
  material.fill(0);
  await syncGrants(ctx, obj);
  ctx.placeholder = obj.uid;
  return [uidItem(obj.uid)];
}
