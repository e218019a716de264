// The part of parsing shared by KMIP XML and KMIP JSON: a neutral node (tag text, type text, raw
// value or children) becomes a TtlvItem. Each format turns its own syntax into RawNodes.
import type { ItemTypeName, TtlvItem } from '../ttlv/types.js';
import { parseDateTime, parseDateTimeExtended } from './datetime.js';
import { KmipEncodingError, type KmipEncodingErrorKind, type KmipEncodingFormat } from './errors.js';
import { attributeNameToTag } from '../dict/index.js';
import {
  checkNumber, int64FromNumber, maskDef, Names, parseBigIntHex, parseEnum, parseHexBytes, parseInt64,
  parseInteger, parseMaskParts, parseUint32, TAG_ATTRIBUTE, TAG_ATTRIBUTE_NAME, TAG_ATTRIBUTE_VALUE,
  typeCode, typeName, type ExtraNames,
} from './names.js';

export interface ParseOptions {
  /**
   * Called for every value that starts with `$` (test-case placeholders such as `$NOW`,
   * `$UNIQUE_IDENTIFIER_0`) before it is parsed as its type; return the text to parse instead, or
   * undefined to decline. A declined or unhooked placeholder is kept as text in a TextString and is an
   * ERR_*_PLACEHOLDER error in any other type.
   */
  placeholder?: (value: string, type: ItemTypeName, tagName: string) => string | undefined;
  /** Extra type names mapped to TTLV types, e.g. the KMIP 3.0 drafts' `Identifier` -> `TextString`. */
  typeAliases?: Record<string, ItemTypeName>;
  /** Deepest nesting accepted, the root item being depth 1 (default 64, as for TTLV). */
  maxDepth?: number;
  /**
   * Tag and enumeration value names beyond the dictionary (vendor extensions, drafts), read like the
   * standard ones. Validated on each call (ERR_*_BAD_OPTION). Write with the same `names` to round-trip.
   */
  names?: ExtraNames;
}

export const DEFAULT_MAX_DEPTH = 64;

export interface RawNode {
  /** The tag as written: a name or `0x42XXXX`. */
  tag: string;
  /** The type as written; undefined means Structure. */
  type?: string;
  /** The value as written (XML: a string; JSON: any JSON value). Undefined when absent. */
  value?: unknown;
  /** Sub-items, for a Structure. Undefined when none were written. */
  children?: RawNode[];
  /** Where the node is, for error messages. */
  path: string;
  line?: number;
  column?: number;
}

export class Builder {
  private readonly names: Names;
  constructor(
    readonly format: KmipEncodingFormat,
    readonly opts: ParseOptions,
  ) {
    this.names = Names.of(opts.names, format);
  }

  fail(kind: KmipEncodingErrorKind, message: string, node?: RawNode): never {
    throw new KmipEncodingError(this.format, kind, message, node?.path, node?.line, node?.column);
  }

  /** `defTag`: the tag whose enumeration/mask table applies (differs for a 1.x Attribute Value). */
  build(node: RawNode, defTag?: number, depth = 1): TtlvItem {
    const maxDepth = this.opts.maxDepth ?? DEFAULT_MAX_DEPTH;
    if (depth > maxDepth) this.fail('TOO_DEEP', `items nested deeper than ${maxDepth}`, node);
    const tag = this.names.parseTag(node.tag);
    if (typeof tag === 'string') this.fail('UNKNOWN_TAG', tag, node);
    const typeText = node.type ?? 'Structure';
    const aliases = this.opts.typeAliases;
    const alias = aliases && Object.hasOwn(aliases, typeText) ? aliases[typeText] : undefined;
    const type = typeCode(alias ?? typeText);
    if (type === undefined) this.fail('BAD_TYPE', `unknown type '${typeText.slice(0, 40)}'`, node);

    if (type === 0x01) {
      if (node.value !== undefined && node.value !== null)
        this.fail('BAD_SHAPE', 'a Structure has sub-items, not a value', node);
      return { tag, type, value: this.buildChildren(tag, node.children ?? [], depth + 1) };
    }
    if (node.children !== undefined) this.fail('BAD_SHAPE', `a ${typeName(type)} cannot have sub-items`, node);
    if (node.value === undefined || node.value === null) this.fail('BAD_SHAPE', `${typeName(type)} without a value`, node);

    let raw = node.value;
    if (typeof raw === 'string' && raw.startsWith('$')) {
      const sub = this.opts.placeholder?.(raw, typeName(type), this.names.tagText(tag));
      if (sub !== undefined) raw = sub;
      else if (type !== 0x07) this.fail('PLACEHOLDER', `placeholder ${raw.slice(0, 60)} in a ${typeName(type)} and no hook replaced it`, node);
    }
    if (type === 0x07) {
      if (typeof raw !== 'string') this.fail('BAD_VALUE', 'bad TextString: not a string', node);
      return { tag, type, value: raw as string };
    }
    const value = this.value(type, raw, defTag ?? tag, this.names.tagText(tag));
    if (typeof value === 'string') this.fail('BAD_VALUE', `bad ${typeName(type)}: ${value}`, node);
    if (type === 0x04) return { tag, type, ...(value as { value: bigint; byteLength?: number }) };
    return { tag, type, value } as TtlvItem;
  }

  private buildChildren(parentTag: number, children: RawNode[], depth: number): TtlvItem[] {
    // KMIP 1.x: an Attribute Value's Enumeration or mask is named by the sibling Attribute Name.
    let valueDefTag: number | undefined;
    if (parentTag === TAG_ATTRIBUTE) {
      const name = children.find((c) => this.names.parseTag(c.tag) === TAG_ATTRIBUTE_NAME);
      if (name && typeof name.value === 'string') valueDefTag = attributeNameToTag(name.value);
    }
    return children.map((c) =>
      this.build(c, valueDefTag !== undefined && this.names.parseTag(c.tag) === TAG_ATTRIBUTE_VALUE ? valueDefTag : undefined, depth),
    );
  }

  /** The typed value of a non-TextString item, or a reason string. */
  private value(type: number, raw: unknown, defTag: number, tag: string): unknown {
    const json = this.format === 'JSON';
    if (typeof raw === 'number' && json) return this.numberValue(type, raw);
    if (typeof raw === 'boolean' && json) return type === 0x06 ? raw : `a JSON boolean is only valid for Boolean`;
    if (typeof raw !== 'string') return `a JSON ${Array.isArray(raw) ? 'array' : typeof raw} is not a valid value`;
    switch (type) {
      case 0x02: {
        const mask = maskDef(defTag);
        if (!json && /^[+-]?\d+$/.test(raw)) return parseInteger(raw, true);
        if (!mask && /^0x[0-9a-fA-F]*$/.test(raw)) return parseInteger(raw, false);
        const parts = json ? raw.split('|').map((p) => p.trim()) : raw.trim().split(/\s+/);
        return parseMaskParts(parts, mask, tag);
      }
      case 0x03:
        return parseInt64(raw, !json);
      case 0x04:
        if (json && !raw.startsWith('0x')) return 'a JSON Big Integer string is 0x-prefixed hex';
        return parseBigIntHex(raw.startsWith('0x') ? raw.slice(2) : raw);
      case 0x05:
        return parseEnum(raw, this.names.enumDef(defTag), tag);
      case 0x06:
        if (!json && (raw === 'true' || raw === '1')) return true;
        if (!json && (raw === 'false' || raw === '0')) return false;
        if (/^0x0{0,15}[01]$/.test(raw)) return raw.endsWith('1');
        return `'${raw.slice(0, 20)}' is not ${json ? 'true, false or a hex 0 or 1' : 'true, false, 1 or 0'}`;
      case 0x08:
        return parseHexBytes(raw);
      case 0x09:
        return raw.startsWith('0x') ? parseInt64(raw, false) : parseDateTime(raw);
      case 0x0a:
        return parseUint32(raw, !json);
      case 0x0b:
        return raw.startsWith('0x') ? parseInt64(raw, false) : parseDateTimeExtended(raw);
    }
    return 'unsupported type';
  }

  private numberValue(type: number, v: number): unknown {
    switch (type) {
      case 0x02:
        return checkNumber(v, -0x80000000, 0x7fffffff, 'a signed 32-bit integer');
      case 0x05:
      case 0x0a:
        return checkNumber(v, 0, 0xffffffff, 'an unsigned 32-bit integer');
      case 0x03:
      case 0x09:
      case 0x0b:
        return int64FromNumber(v);
      case 0x04: {
        const r = int64FromNumber(v);
        return typeof r === 'string' ? r : { value: r };
      }
    }
    return `a JSON number is not valid for ${typeName(type as 1)}`;
  }
}
