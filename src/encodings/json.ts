// KMIP JSON encoding (KMIP Additional Message Encodings v1.0, section 4): each item is an object
// {"tag", "type", "value"} (plus an optional, ignored "name"); a Structure's value is an array of
// items (or null) and its type may be omitted.
import type { TtlvItem } from '../ttlv/types.js';
import { Builder, DEFAULT_MAX_DEPTH, type ParseOptions, type RawNode } from './build.js';
import { KmipEncodingError } from './errors.js';
import { attributeValueDefTags, checkItem, formatValue } from './format.js';
import { hexTag, Names, typeName, type ExtraNames } from './names.js';

export type { ParseOptions } from './build.js';
export type { ExtraNames } from './names.js';
export { KmipEncodingError } from './errors.js';

export interface JsonItem {
  tag: string;
  name?: string;
  type?: string;
  value?: string | number | boolean | JsonItem[] | null;
}

const KEYS = new Set(['tag', 'name', 'type', 'value']);

function toRaw(v: unknown, path: string, depth: number, maxDepth: number): RawNode {
  const fail = (kind: 'BAD_SHAPE' | 'TOO_DEEP', message: string): never => {
    throw new KmipEncodingError('JSON', kind, message, path);
  };
  if (depth > maxDepth) fail('TOO_DEEP', `items nested deeper than ${maxDepth}`);
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail('BAD_SHAPE', 'an item must be a JSON object');
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) fail('BAD_SHAPE', `unexpected property "${k.slice(0, 40)}"`);
  if (typeof o.tag !== 'string') fail('BAD_SHAPE', '"tag" must be a string');
  if (o.type !== undefined && typeof o.type !== 'string') fail('BAD_SHAPE', '"type" must be a string');
  if (o.name !== undefined && typeof o.name !== 'string') fail('BAD_SHAPE', '"name" must be a string');
  const tag = o.tag as string;
  const here = `${path}${path ? '.' : ''}${tag.slice(0, 40)}`;
  if (Array.isArray(o.value)) {
    const children = o.value.map((c, i) => toRaw(c, `${here}[${i}]`, depth + 1, maxDepth));
    return { tag, type: o.type as string | undefined, children, path: here };
  }
  return { tag, type: o.type as string | undefined, value: o.value, path: here };
}

/** Line and column of a JSON.parse failure, when the engine says where (never its text). */
function syntaxError(text: string, e: unknown): KmipEncodingError {
  const m = /position (\d+)/.exec(e instanceof Error ? e.message : '');
  if (!m) return new KmipEncodingError('JSON', 'SYNTAX', 'not valid JSON');
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  return new KmipEncodingError('JSON', 'SYNTAX', 'not valid JSON', undefined, line, before.length - before.lastIndexOf('\n'));
}

/** Parses one KMIP JSON item (JSON text, or a value already produced by JSON.parse). */
export function fromJson(input: string | object, opts: ParseOptions = {}): TtlvItem {
  let value: unknown = input;
  if (typeof input === 'string') {
    try {
      value = JSON.parse(input);
    } catch (e) {
      throw syntaxError(input, e);
    }
  }
  const maxDepth = opts.maxDepth ?? DEFAULT_MAX_DEPTH;
  return new Builder('JSON', opts).build(toRaw(value, '', 1, maxDepth));
}

export interface JsonWriteOptions {
  /** Passed to JSON.stringify as `space` (default: compact). */
  indent?: string | number;
  /** Deepest nesting written (default 64). */
  maxDepth?: number;
  /** Tag and enumeration value names beyond the dictionary, written by name (see ParseOptions.names). */
  names?: ExtraNames;
}

function write(item: TtlvItem, names: Names, maxDepth: number, depth: number, path: string, defTag?: number): JsonItem {
  checkItem(item, 'JSON', path || '$');
  const tag = names.tagName(item.tag) ?? hexTag(item.tag);
  const here = `${path}${path ? '.' : ''}${tag}`;
  if (depth > maxDepth) throw new KmipEncodingError('JSON', 'TOO_DEEP', `item tree nested deeper than ${maxDepth}`, here);
  if (item.type === 0x01) {
    if (!Array.isArray(item.value)) throw new KmipEncodingError('JSON', 'BAD_ITEM', 'Structure value is not an array', here);
    const defs = attributeValueDefTags(item);
    return { tag, value: item.value.map((c, i) => write(c, names, maxDepth, depth + 1, `${here}[${i}]`, defs?.get(c))) };
  }
  return { tag, type: typeName(item.type), value: formatValue(item, 'JSON', here, defTag ?? item.tag, names) };
}

/** The KMIP JSON form of an item as a plain object (Structures without "type"). */
export function toJsonValue(item: TtlvItem, opts: Pick<JsonWriteOptions, 'maxDepth' | 'names'> = {}): JsonItem {
  return write(item, Names.of(opts.names, 'JSON'), opts.maxDepth ?? DEFAULT_MAX_DEPTH, 1, '');
}

export function toJson(item: TtlvItem, opts: JsonWriteOptions = {}): string {
  return JSON.stringify(toJsonValue(item, opts), null, opts.indent);
}
