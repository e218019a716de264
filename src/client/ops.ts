// One spec per operation: how its request payload is built for a protocol version and how its response
// payload is read. The client's methods and the batch builder both use them.
import { Tag } from '../dict/index.js';
import { child, children, enm, int, interval, read, struct, text } from '../kmip/items.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { KmipProtocolError } from './errors.js';
import { protocolVersion, versionText, type VersionNumber } from './messages.js';
import { objectItem, readObject, type ManagedObject, type ObjectInput } from './objects.js';
import { cryptographicParametersItem, type CryptographicParameters } from './params.js';
import {
  attributeName, attributeValues, fromItem, fromWireAttributes, keyOfName, keyOfTag, toItem, toWireAttributes, wireFromName, wireFromTag,
  type Attributes, type FriendlyValue, type WireAttribute,
} from './values.js';

export interface OpSpec<T> {
  operation: string;
  /** Safe to send twice: retried after a transport failure. */
  idempotent: boolean;
  payload(v: VersionNumber): TtlvItem[];
  parse(payload: TtlvItem | undefined, v: VersionNumber): T;
}

const uidItem = (uid: string | undefined) => (uid === undefined ? undefined : text(Tag.UniqueIdentifier, uid));
const compact = (items: (TtlvItem | undefined)[]) => items.filter((i): i is TtlvItem => i !== undefined);

function uidOf(payload: TtlvItem | undefined, operation: string): string {
  const uid = read.text(child(payload, Tag.UniqueIdentifier));
  if (uid === undefined) throw new KmipProtocolError(`the ${operation} response has no Unique Identifier`);
  return uid;
}

// ------------------------------------------------------------------------------ attributes on the wire

function customParts(name: string): [string, string] {
  const i = name.indexOf('-');
  return [name.slice(0, i), name.slice(i + 1)];
}

export function attr1x(a: WireAttribute, index?: number): TtlvItem {
  return struct(Tag.Attribute, [
    text(Tag.AttributeName, a.name),
    index !== undefined ? int(Tag.AttributeIndex, index) : undefined,
    { ...a.value, tag: Tag.AttributeValue } as TtlvItem,
  ]);
}

export function attr2x(a: WireAttribute): TtlvItem {
  if (a.def) return a.value;
  const [vendor, name] = customParts(a.name);
  return struct(Tag.Attribute, [text(Tag.VendorIdentification, vendor), text(Tag.AttributeName, name), { ...a.value, tag: Tag.AttributeValue } as TtlvItem]);
}

/** 1.x Template-Attribute or 2.x Attributes. */
function attributesItem(v: VersionNumber, attrs: Attributes | undefined): TtlvItem {
  const wire = toWireAttributes(attrs);
  return v >= 20 ? struct(Tag.Attributes, wire.map(attr2x)) : struct(Tag.TemplateAttribute, wire.map((a) => attr1x(a)));
}

function reference(v: VersionNumber, key: string): TtlvItem {
  const { name, def } = attributeName(key);
  if (v < 20) return text(Tag.AttributeName, name);
  if (def) return enm(Tag.AttributeReference, def.tag);
  const [vendor, n] = customParts(name);
  return struct(Tag.AttributeReference, [text(Tag.VendorIdentification, vendor), text(Tag.AttributeName, n)]);
}

function oneAttribute(key: string, value: unknown): WireAttribute {
  const all = attributeValues(key, value);
  if (all.length !== 1) throw new TypeError(`${key}: give one value`);
  return all[0];
}

function read1x(item: TtlvItem): WireAttribute {
  const name = read.text(child(item, Tag.AttributeName));
  const value = child(item, Tag.AttributeValue);
  if (name === undefined || value === undefined) throw new KmipProtocolError('an Attribute without Attribute Name or Attribute Value');
  return wireFromName(name, value);
}

function read2x(item: TtlvItem): WireAttribute {
  if (item.tag !== Tag.Attribute) return wireFromTag(item);
  const vendor = read.text(child(item, Tag.VendorIdentification)) ?? '';
  const name = read.text(child(item, Tag.AttributeName));
  const value = child(item, Tag.AttributeValue);
  if (name === undefined || value === undefined) throw new KmipProtocolError('a vendor Attribute without Attribute Name or Attribute Value');
  return vendor === '' ? wireFromName(name, value) : { name: `${vendor}-${name}`, value };
}

/** The attributes in a response payload: 1.x Attribute children (or a Template-Attribute), 2.x Attributes. */
function responseAttributes(payload: TtlvItem | undefined): Attributes {
  const wire: WireAttribute[] = [
    ...children(payload ?? struct(0, []), Tag.Attribute).map(read1x),
    ...children(child(payload, Tag.TemplateAttribute) ?? struct(0, []), Tag.Attribute).map(read1x),
    ...(read.struct(child(payload, Tag.Attributes))?.value.map(read2x) ?? []),
  ];
  return fromWireAttributes(wire);
}

// ------------------------------------------------------------------------------------ operations

export interface CreateResult {
  uniqueIdentifier: string;
  objectType: string;
}

export function create(objectType: string, attributes: Attributes): OpSpec<CreateResult> {
  return {
    operation: 'Create',
    idempotent: false,
    payload: (v) => [toItem(Tag.ObjectType, ItemType.Enumeration, objectType), attributesItem(v, attributes)],
    parse: (p) => {
      const ot = child(p, Tag.ObjectType);
      return { uniqueIdentifier: uidOf(p, 'Create'), objectType: ot ? String(fromItem(ot)) : objectType };
    },
  };
}

export function register(object: ObjectInput, attributes: Attributes | undefined): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'Register',
    idempotent: false,
    payload: (v) => [toItem(Tag.ObjectType, ItemType.Enumeration, object.objectType), attributesItem(v, attributes), objectItem(object)],
    parse: (p) => ({ uniqueIdentifier: uidOf(p, 'Register') }),
  };
}

export function reKey(uid: string | undefined, o: { offset?: number; attributes?: Attributes }): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'ReKey',
    idempotent: false,
    payload: (v) => compact([
      uidItem(uid),
      o.offset !== undefined ? interval(Tag.Offset, o.offset) : undefined,
      o.attributes ? attributesItem(v, o.attributes) : undefined,
    ]),
    parse: (p) => ({ uniqueIdentifier: uidOf(p, 'ReKey') }),
  };
}

export interface LocateFilter {
  maximumItems?: number;
  offsetItems?: number;
  /** Names ('OnLineStorage', 'ArchivalStorage', 'DestroyedStorage') or the mask. */
  storageStatusMask?: string[] | number;
  objectGroupMember?: string;
}

export interface LocateResult {
  uniqueIdentifiers: string[];
  /** How many objects match in all (KMIP 1.3+ servers say so). */
  locatedItems?: number;
}

export function locate(attributes: Attributes | undefined, f: LocateFilter): OpSpec<LocateResult> {
  return {
    operation: 'Locate',
    idempotent: true,
    payload: (v) => {
      const wire = toWireAttributes(attributes);
      return compact([
        f.maximumItems !== undefined ? int(Tag.MaximumItems, f.maximumItems) : undefined,
        f.offsetItems !== undefined ? int(Tag.OffsetItems, f.offsetItems) : undefined,
        f.storageStatusMask !== undefined ? toItem(Tag.StorageStatusMask, ItemType.Integer, f.storageStatusMask) : undefined,
        f.objectGroupMember !== undefined ? toItem(Tag.ObjectGroupMember, ItemType.Enumeration, f.objectGroupMember) : undefined,
        ...(v >= 20 ? [wire.length ? struct(Tag.Attributes, wire.map(attr2x)) : struct(Tag.Attributes, [])] : wire.map((a) => attr1x(a))),
      ]);
    },
    parse: (p) => {
      const located = read.int(child(p, Tag.LocatedItems));
      return {
        uniqueIdentifiers: children(p ?? struct(0, []), Tag.UniqueIdentifier).map((u) => read.text(u)!),
        ...(located !== undefined ? { locatedItems: located } : {}),
      };
    },
  };
}

export interface CheckOptions {
  usageLimitsCount?: bigint | number;
  cryptographicUsageMask?: string[] | number;
  /** Seconds. */
  leaseTime?: number;
}

export function check(uid: string | undefined, o: CheckOptions): OpSpec<{ uniqueIdentifier: string } & CheckOptions> {
  return {
    operation: 'Check',
    idempotent: true,
    payload: () => compact([
      uidItem(uid),
      o.usageLimitsCount !== undefined ? toItem(Tag.UsageLimitsCount, ItemType.LongInteger, o.usageLimitsCount) : undefined,
      o.cryptographicUsageMask !== undefined ? toItem(Tag.CryptographicUsageMask, ItemType.Integer, o.cryptographicUsageMask) : undefined,
      o.leaseTime !== undefined ? interval(Tag.LeaseTime, o.leaseTime) : undefined,
    ]),
    parse: (p) => {
      const out: { uniqueIdentifier: string } & CheckOptions = { uniqueIdentifier: uidOf(p, 'Check') };
      const count = read.long(child(p, Tag.UsageLimitsCount));
      if (count !== undefined) out.usageLimitsCount = count;
      const mask = child(p, Tag.CryptographicUsageMask);
      if (mask) out.cryptographicUsageMask = fromItem(mask) as string[];
      const lease = read.interval(child(p, Tag.LeaseTime));
      if (lease !== undefined) out.leaseTime = lease;
      return out;
    },
  };
}

export interface GetResult extends ManagedObject {
  uniqueIdentifier: string;
}

/** Get or Export a key wrapped by another key the server holds (a Key Wrapping Specification). */
export interface KeyWrappingSpecification {
  /** The key to wrap with (a Symmetric Key or Public Key with the Wrap Key usage on the server). */
  wrappingKeyUid: string;
  /** Default 'Encrypt'. */
  wrappingMethod?: string;
  /** E.g. { blockCipherMode: 'NISTKeyWrap' } (RFC 3394), { blockCipherMode: 'AESKeyWrapPadding' } (RFC 5649),
   *  { paddingMethod: 'OAEP', hashingAlgorithm: 'SHA_256' } for RSA. */
  cryptographicParameters?: CryptographicParameters;
  /** 'NoEncoding' (wrap the key material's bytes) or 'TTLVEncoding' (wrap its Key Value structure). */
  encodingOption?: string;
  /** Attributes to wrap along with the key (by name), where the server supports it. */
  attributeNames?: readonly string[];
}

export interface GetOptions {
  keyFormatType?: string;
  keyWrappingSpecification?: KeyWrappingSpecification;
}

export function keyWrappingSpecificationItem(w: KeyWrappingSpecification): TtlvItem {
  if (typeof w !== 'object' || w === null || typeof w.wrappingKeyUid !== 'string' || w.wrappingKeyUid === '') {
    throw new TypeError('keyWrappingSpecification needs wrappingKeyUid (the wrapping key\'s unique identifier)');
  }
  return struct(Tag.KeyWrappingSpecification, compact([
    toItem(Tag.WrappingMethod, ItemType.Enumeration, w.wrappingMethod ?? 'Encrypt'),
    struct(Tag.EncryptionKeyInformation, compact([
      text(Tag.UniqueIdentifier, w.wrappingKeyUid),
      w.cryptographicParameters ? cryptographicParametersItem(w.cryptographicParameters) : undefined,
    ])),
    ...(w.attributeNames ?? []).map((n) => text(Tag.AttributeName, n)),
    w.encodingOption !== undefined ? toItem(Tag.EncodingOption, ItemType.Enumeration, w.encodingOption) : undefined,
  ]));
}

function getPayload(uid: string | undefined, o: GetOptions): TtlvItem[] {
  return compact([
    uidItem(uid),
    o.keyFormatType ? toItem(Tag.KeyFormatType, ItemType.Enumeration, o.keyFormatType) : undefined,
    o.keyWrappingSpecification ? keyWrappingSpecificationItem(o.keyWrappingSpecification) : undefined,
  ]);
}

function objectOf(p: TtlvItem | undefined, operation: string): ManagedObject {
  const ot = child(p, Tag.ObjectType);
  if (!ot) throw new KmipProtocolError(`the ${operation} response has no Object Type`);
  const objectType = fromItem(ot) as string;
  // The object is the one structure that is not attributes (Export answers them too: 2.x Attributes, 1.4 Attribute).
  const notObject = new Set<number>([Tag.ObjectType, Tag.UniqueIdentifier, Tag.Attributes, Tag.Attribute, Tag.TemplateAttribute]);
  const item = read.struct(p)!.value.find((c) => !notObject.has(c.tag) && c.type === ItemType.Structure);
  if (!item) throw new KmipProtocolError(`the ${operation} response has no object`);
  return readObject(objectType, item);
}

export function get(uid: string | undefined, o: GetOptions): OpSpec<GetResult> {
  return {
    operation: 'Get',
    idempotent: true,
    payload: () => getPayload(uid, o),
    parse: (p) => ({ uniqueIdentifier: uidOf(p, 'Get'), ...objectOf(p, 'Get') }),
  };
}

export interface ExportResult extends GetResult {
  attributes: Attributes;
}

/** Export (KMIP 2.0+): the object and its attributes, optionally wrapped, to Import elsewhere. */
export function exportObject(uid: string | undefined, o: GetOptions): OpSpec<ExportResult> {
  return {
    operation: 'Export',
    idempotent: true,
    payload: () => getPayload(uid, o),
    parse: (p) => ({ uniqueIdentifier: uidOf(p, 'Export'), ...objectOf(p, 'Export'), attributes: responseAttributes(p) }),
  };
}

export interface ImportOptions {
  /** Replace an object that already has this identifier (default: refuse). */
  replaceExisting?: boolean;
  /** 'NotWrapped' (unwrap on import) or 'AsRegistered' (keep the key as wrapped). */
  keyWrapType?: string;
  attributes?: Attributes;
}

/** Import (KMIP 2.0+): an object under the identifier it had where it was exported. */
export function importObject(uid: string, object: ObjectInput, o: ImportOptions): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'Import',
    idempotent: false,
    payload: (v) => compact([
      text(Tag.UniqueIdentifier, uid),
      toItem(Tag.ObjectType, ItemType.Enumeration, object.objectType),
      o.replaceExisting !== undefined ? toItem(Tag.ReplaceExisting, ItemType.Boolean, o.replaceExisting) : undefined,
      o.keyWrapType !== undefined ? toItem(Tag.KeyWrapType, ItemType.Enumeration, o.keyWrapType) : undefined,
      // 1.4 Import takes repeated Attribute structures, not a Template-Attribute.
      ...(v >= 20 ? [attributesItem(v, o.attributes)] : toWireAttributes(o.attributes).map((a) => attr1x(a))),
      objectItem(object),
    ]),
    parse: (p) => ({ uniqueIdentifier: uidOf(p, 'Import') }),
  };
}

export interface GetAttributesResult {
  uniqueIdentifier: string;
  attributes: Attributes;
}

export function getAttributes(uid: string | undefined, names: readonly string[] | undefined): OpSpec<GetAttributesResult> {
  return {
    operation: 'GetAttributes',
    idempotent: true,
    payload: (v) => compact([uidItem(uid), ...(names ?? []).map((n) => reference(v, n))]),
    parse: (p) => ({ uniqueIdentifier: uidOf(p, 'GetAttributes'), attributes: responseAttributes(p) }),
  };
}

export function getAttributeList(uid: string | undefined): OpSpec<{ uniqueIdentifier: string; names: string[] }> {
  return {
    operation: 'GetAttributeList',
    idempotent: true,
    payload: () => compact([uidItem(uid)]),
    parse: (p) => {
      const names: string[] = [];
      for (const c of read.struct(p)?.value ?? []) {
        if (c.tag === Tag.AttributeName && c.type === ItemType.TextString) names.push(keyOfName(c.value));
        else if (c.tag === Tag.AttributeReference) {
          if (c.type === ItemType.Enumeration) names.push(keyOfTag(c.value));
          else {
            const vendor = read.text(child(c, Tag.VendorIdentification)) ?? '';
            const name = read.text(child(c, Tag.AttributeName)) ?? '';
            names.push(vendor === '' ? keyOfName(name) : `${vendor}-${name}`);
          }
        }
      }
      return { uniqueIdentifier: uidOf(p, 'GetAttributeList'), names };
    },
  };
}

const uidOnly = (operation: string) => (p: TtlvItem | undefined) => ({ uniqueIdentifier: uidOf(p, operation) });

export function addAttribute(uid: string | undefined, key: string, value: unknown): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'AddAttribute',
    idempotent: false,
    payload: (v) => {
      const a = oneAttribute(key, value);
      return compact([uidItem(uid), v >= 20 ? struct(Tag.NewAttribute, [attr2x(a)]) : attr1x(a)]);
    },
    parse: uidOnly('AddAttribute'),
  };
}

export function setAttribute(uid: string | undefined, key: string, value: unknown): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'SetAttribute',
    idempotent: false,
    payload: () => compact([uidItem(uid), struct(Tag.NewAttribute, [attr2x(oneAttribute(key, value))])]),
    parse: uidOnly('SetAttribute'),
  };
}

export interface InstanceOptions {
  /** 1.x: the Attribute Index of the instance (default 0). */
  index?: number;
  /** 2.x: the current value of the instance to change (default: the first one). */
  current?: unknown;
}

export function modifyAttribute(uid: string | undefined, key: string, value: unknown, o: InstanceOptions): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'ModifyAttribute',
    idempotent: false,
    payload: (v) => {
      const a = oneAttribute(key, value);
      if (v < 20) return compact([uidItem(uid), attr1x(a, o.index)]);
      return compact([
        uidItem(uid),
        o.current !== undefined ? struct(Tag.CurrentAttribute, [attr2x(oneAttribute(key, o.current))]) : undefined,
        struct(Tag.NewAttribute, [attr2x(a)]),
      ]);
    },
    parse: uidOnly('ModifyAttribute'),
  };
}

export function deleteAttribute(uid: string | undefined, key: string, o: InstanceOptions): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'DeleteAttribute',
    idempotent: false,
    payload: (v) => {
      if (v < 20) {
        return compact([uidItem(uid), text(Tag.AttributeName, attributeName(key).name), o.index !== undefined ? int(Tag.AttributeIndex, o.index) : undefined]);
      }
      if (o.current !== undefined) return compact([uidItem(uid), struct(Tag.CurrentAttribute, [attr2x(oneAttribute(key, o.current))])]);
      return compact([uidItem(uid), reference(v, key)]);
    },
    parse: uidOnly('DeleteAttribute'),
  };
}

/** Activate, Destroy, Archive, Recover: a Unique Identifier in, the same out. */
export function simple(operation: 'Activate' | 'Destroy' | 'Archive' | 'Recover', uid: string | undefined): OpSpec<{ uniqueIdentifier: string }> {
  return { operation, idempotent: false, payload: () => compact([uidItem(uid)]), parse: uidOnly(operation) };
}

export interface RevokeOptions {
  message?: string;
  compromiseOccurrenceDate?: Date | number;
}

export function revoke(uid: string | undefined, reason: string, o: RevokeOptions): OpSpec<{ uniqueIdentifier: string }> {
  return {
    operation: 'Revoke',
    idempotent: false,
    payload: () => compact([
      uidItem(uid),
      struct(Tag.RevocationReason, [
        toItem(Tag.RevocationReasonCode, ItemType.Enumeration, reason),
        o.message !== undefined ? text(Tag.RevocationMessage, o.message) : undefined,
      ]),
      o.compromiseOccurrenceDate !== undefined ? toItem(Tag.CompromiseOccurrenceDate, ItemType.DateTime, o.compromiseOccurrenceDate) : undefined,
    ]),
    parse: uidOnly('Revoke'),
  };
}

export interface QueryResult {
  operations: string[];
  objectTypes: string[];
  vendorIdentification?: string;
  serverInformation?: FriendlyValue;
  applicationNamespaces: string[];
  /** The whole payload, for the answers not mapped above. */
  payload: TtlvItem | undefined;
}

export const DEFAULT_QUERY = ['QueryOperations', 'QueryObjects', 'QueryServerInformation'];

export function query(functions: readonly string[]): OpSpec<QueryResult> {
  return {
    operation: 'Query',
    idempotent: true,
    payload: () => functions.map((f) => toItem(Tag.QueryFunction, ItemType.Enumeration, f)),
    parse: (p) => {
      const all = (tag: number) => children(p ?? struct(0, []), tag);
      const si = child(p, Tag.ServerInformation);
      const vendor = read.text(child(p, Tag.VendorIdentification));
      return {
        operations: all(Tag.Operation).map((o) => String(fromItem(o))),
        objectTypes: all(Tag.ObjectType).map((o) => String(fromItem(o))),
        ...(vendor !== undefined ? { vendorIdentification: vendor } : {}),
        ...(si ? { serverInformation: fromItem(si) } : {}),
        applicationNamespaces: all(Tag.ApplicationNamespace).map((a) => read.text(a)!),
        payload: p,
      };
    },
  };
}

export function discoverVersions(versions: readonly VersionNumber[]): OpSpec<string[]> {
  return {
    operation: 'DiscoverVersions',
    idempotent: true,
    payload: () => versions.map(protocolVersion),
    parse: (p) =>
      children(p ?? struct(0, []), Tag.ProtocolVersion).map((pv) => {
        const major = read.int(child(pv, Tag.ProtocolVersionMajor));
        const minor = read.int(child(pv, Tag.ProtocolVersionMinor));
        if (major === undefined || minor === undefined) throw new KmipProtocolError('a Protocol Version without major or minor');
        return versionText(major * 10 + minor);
      }),
  };
}

export function rngRetrieve(length: number): OpSpec<Uint8Array> {
  return {
    operation: 'RNGRetrieve',
    idempotent: true,
    payload: () => [int(Tag.DataLength, length)],
    parse: (p) => {
      const data = read.bytes(child(p, Tag.Data));
      if (data === undefined) throw new KmipProtocolError('the RNG Retrieve response has no Data');
      return data;
    },
  };
}

