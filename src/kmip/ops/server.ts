// Operations about the server rather than an object: Query, Discover Versions, RNG Retrieve, Log, Interop.
import { randomBytes } from 'node:crypto';
import { ObjectType, QueryFunction, ResultReason, Tag } from '../../dict/index.js';
import type { TtlvItem } from '../../ttlv/types.js';
import { KmipError, invalidField } from '../errors.js';
import { bytes, child, children, enm, int, need, read, struct, text } from '../items.js';
import type { OpContext } from '../context.js';
import { SUPPORTED_VERSIONS, isSupported, vnum } from '../version.js';

/** Largest RNG Retrieve: a request for gigabytes of randomness must not tie up the server. */
export const MAX_RNG_BYTES = 1 << 20;

/** Object types the server manages (Register, Get, attributes, lifecycle). */
export const MANAGED_OBJECT_TYPES: readonly number[] = [
  ObjectType.Certificate,
  ObjectType.SymmetricKey,
  ObjectType.PublicKey,
  ObjectType.PrivateKey,
  ObjectType.SecretData,
  ObjectType.OpaqueObject,
];

/** The object types Query advertises at protocol version v: Templates (Register, Get, Get Attributes,
 *  Locate, Destroy, and by name in Template-Attributes) exist in KMIP 1.x only. */
export function objectTypesFor(v: number): number[] {
  return v < 20 ? [...MANAGED_OBJECT_TYPES, ObjectType.Template] : [...MANAGED_OBJECT_TYPES];
}

export function query(ctx: OpContext, payload: TtlvItem | undefined, operations: readonly number[]): TtlvItem[] {
  const functions = children(payload ?? struct(0, []), Tag.QueryFunction).map((f) => read.enum(f)!);
  const out: (TtlvItem | undefined)[] = [];
  if (functions.includes(QueryFunction.QueryOperations)) out.push(...operations.map((op) => enm(Tag.Operation, op)));
  if (functions.includes(QueryFunction.QueryObjects)) out.push(...objectTypesFor(ctx.v).map((t) => enm(Tag.ObjectType, t)));
  if (functions.includes(QueryFunction.QueryServerInformation)) {
    out.push(text(Tag.VendorIdentification, ctx.server.vendor));
    out.push(struct(Tag.ServerInformation, [text(Tag.ServerName, ctx.server.serverName)]));
  }
  // Application namespaces, extensions, attestation types, RNGs, validations, profiles, capabilities:
  // none to report, so those functions answer with nothing, as the spec allows.
  return out.filter((x): x is TtlvItem => x !== undefined);
}

export function discoverVersions(_ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  const asked = children(payload ?? struct(0, []), Tag.ProtocolVersion).map((pv) => ({
    major: need('int', pv, Tag.ProtocolVersionMajor),
    minor: need('int', pv, Tag.ProtocolVersionMinor),
  }));
  const list = asked.length === 0 ? [...SUPPORTED_VERSIONS] : asked.filter(isSupported).sort((a, b) => vnum(b) - vnum(a));
  return list.map((v) => struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, v.major), int(Tag.ProtocolVersionMinor, v.minor)]));
}

export function rngRetrieve(_ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  const n = read.int(child(payload, Tag.DataLength));
  if (n === undefined) throw invalidField('RNG Retrieve needs a Data Length');
  if (n <= 0) throw invalidField('Data Length must be positive');
  if (n > MAX_RNG_BYTES) throw new KmipError(ResultReason.ServerLimitExceeded, `at most ${MAX_RNG_BYTES} bytes per RNG Retrieve`);
  return [bytes(Tag.Data, randomBytes(n))];
}

export function log(ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  const message = read.text(child(payload, Tag.LogMessage));
  if (message === undefined) throw invalidField('Log needs a Log Message');
  ctx.server.log({ event: 'client-log', principal: ctx.principal, message: message.slice(0, 1024) });
  return [];
}

export function interop(ctx: OpContext, payload: TtlvItem | undefined): TtlvItem[] {
  const fn = need('enum', payload ?? struct(0, []), Tag.InteropFunction);
  const id = read.text(child(payload, Tag.InteropIdentifier));
  ctx.server.log({ event: 'interop', principal: ctx.principal, function: fn, identifier: id?.slice(0, 256) });
  return [];
}
