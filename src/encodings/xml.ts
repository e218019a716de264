// KMIP XML encoding (KMIP Additional Message Encodings v1.0, section 6): each item is an element named
// after its tag (or `<TTLV tag="0x540001">` for tags without a name) with `type` and `value`
// attributes; Structures nest their sub-items and may omit `type`.
import type { TtlvItem } from '../ttlv/types.js';
import { Builder, DEFAULT_MAX_DEPTH, type ParseOptions, type RawNode } from './build.js';
import { KmipEncodingError } from './errors.js';
import { attributeValueDefTags, checkItem, formatValue } from './format.js';
import { hexTag, Names, typeName, type ExtraNames } from './names.js';
import { parseXml, type XmlDocument, type XmlElement } from './xmlparse.js';

export type { ParseOptions } from './build.js';
export type { ExtraNames } from './names.js';
export { KmipEncodingError } from './errors.js';

/** The namespace the spec allows on elements (`xmlns` with any other value is refused). */
export const KMIP_XML_NAMESPACE = 'urn:oasis:tc:kmip:xmlns';
/** Root elements of test-case documents holding several messages. */
const WRAPPERS = new Set(['KMIP', 'KmipTestCase']);

function toRaw(doc: XmlDocument, el: XmlElement, parentPath: string): RawNode {
  const { line, column } = doc.position(el.at);
  const fail = (message: string, path: string): never => {
    throw new KmipEncodingError('XML', 'BAD_SHAPE', message, path, line, column);
  };
  const generic = el.name === 'TTLV';
  let tag = el.name;
  if (generic) {
    const t = el.attrs.get('tag');
    if (t === undefined) fail('<TTLV> without a tag attribute', `${parentPath}/TTLV`);
    tag = t!;
  } else if (/^x[0-9A-Fa-f]{6}$/.test(el.name)) {
    tag = '0' + el.name; // the spec's <x540001 .../> form
  }
  const path = `${parentPath}/${generic ? `TTLV[${tag}]` : el.name}`;
  for (const [name, value] of el.attrs) {
    if (name === 'type' || name === 'value' || (generic && (name === 'tag' || name === 'name'))) continue;
    if (name === 'xmlns' && value === KMIP_XML_NAMESPACE) continue;
    fail(`unexpected attribute ${name}`, path);
  }
  if (el.textAt >= 0) {
    const p = doc.position(el.textAt);
    throw new KmipEncodingError('XML', 'BAD_SHAPE', 'text content in a KMIP element', path, p.line, p.column);
  }
  return {
    tag,
    type: el.attrs.get('type'),
    value: el.attrs.get('value'),
    children: el.children.length > 0 ? el.children.map((c) => toRaw(doc, c, path)) : undefined,
    path,
    line,
    column,
  };
}

/** Parses a document whose root element is one KMIP item (a message or any other item). */
export function fromXml(text: string, opts: ParseOptions = {}): TtlvItem {
  const doc = parseXml(text, opts.maxDepth ?? DEFAULT_MAX_DEPTH);
  return new Builder('XML', opts).build(toRaw(doc, doc.root, ''));
}

/**
 * Parses a test-case style document: a `<KMIP>` (or v1.0 profiles' `<KmipTestCase>`) root holding
 * several messages. Character data directly inside the wrapper (the `# TIME n` markers of some
 * files) is ignored. A document whose root is a single item gives a one-element array.
 */
export function fromXmlMessages(text: string, opts: ParseOptions = {}): TtlvItem[] {
  const doc = parseXml(text, (opts.maxDepth ?? DEFAULT_MAX_DEPTH) + 1);
  const builder = new Builder('XML', opts);
  const { root } = doc;
  if (!WRAPPERS.has(root.name)) return [builder.build(toRaw(doc, root, ''))];
  for (const name of root.attrs.keys()) {
    if (name !== 'xmlns' || root.attrs.get(name) !== KMIP_XML_NAMESPACE) {
      const { line, column } = doc.position(root.at);
      throw new KmipEncodingError('XML', 'BAD_SHAPE', `unexpected attribute ${name}`, `/${root.name}`, line, column);
    }
  }
  return root.children.map((c) => builder.build(toRaw(doc, c, `/${root.name}`)));
}

export interface XmlWriteOptions {
  /** One level of indentation (default two spaces); '' writes everything on one line. */
  indent?: string;
  /** Deepest nesting written (default 64). */
  maxDepth?: number;
  /** Tag and enumeration value names beyond the dictionary, written by name (see ParseOptions.names). */
  names?: ExtraNames;
}

interface WriteState {
  indent: string;
  maxDepth: number;
  names: Names;
}

const XML_NAME = /^[A-Za-z_][-A-Za-z0-9_.]*$/;
const ESCAPE = /[&<>"\x00-\x1F\uFFFE\uFFFF]/g;

function escapeAttr(s: string): string {
  return s.replace(ESCAPE, (c) => {
    switch (c) {
      case '&': return '&amp;';
      case '<': return '&lt;';
      case '>': return '&gt;';
      case '"': return '&quot;';
    }
    return `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`;
  });
}

function write(item: TtlvItem, opts: WriteState, depth: number, path: string, out: string[], defTag?: number): void {
  checkItem(item, 'XML', path || '/');
  if (depth > opts.maxDepth) throw new KmipEncodingError('XML', 'TOO_DEEP', `item tree nested deeper than ${opts.maxDepth}`, path);
  const name = opts.names.tagName(item.tag);
  const element = name !== undefined && XML_NAME.test(name) && name !== 'TTLV' ? name : 'TTLV';
  const head = element === 'TTLV' ? `TTLV tag="${hexTag(item.tag)}"` : element;
  const here = `${path}/${element === 'TTLV' ? `TTLV[${hexTag(item.tag)}]` : element}`;
  const pad = opts.indent.repeat(depth - 1);
  if (item.type === 0x01) {
    if (!Array.isArray(item.value)) throw new KmipEncodingError('XML', 'BAD_ITEM', 'Structure value is not an array', here);
    if (item.value.length === 0) {
      out.push(`${pad}<${head}/>`);
      return;
    }
    out.push(`${pad}<${head}>`);
    const defs = attributeValueDefTags(item);
    for (const child of item.value) write(child, opts, depth + 1, here, out, defs?.get(child));
    out.push(`${pad}</${element}>`);
    return;
  }
  const value = formatValue(item, 'XML', here, defTag ?? item.tag, opts.names) as string;
  out.push(`${pad}<${head} type="${typeName(item.type)}" value="${escapeAttr(value)}"/>`);
}

/** Writes one item (usually a RequestMessage or ResponseMessage) as a KMIP XML element. */
export function toXml(item: TtlvItem, opts: XmlWriteOptions = {}): string {
  const o = { indent: opts.indent ?? '  ', maxDepth: opts.maxDepth ?? DEFAULT_MAX_DEPTH, names: Names.of(opts.names, 'XML') };
  const out: string[] = [];
  write(item, o, 1, '', out);
  return out.join(o.indent === '' ? '' : '\n');
}

/** Writes several messages inside a `<KMIP>` wrapper, the shape of the OASIS test-case files. */
export function toXmlMessages(items: TtlvItem[], opts: XmlWriteOptions = {}): string {
  const indent = opts.indent ?? '  ';
  const nl = indent === '' ? '' : '\n';
  const body = items.map((it) => toXml(it, opts).split('\n').map((l) => indent + l).join('\n'));
  return items.length === 0 ? '<KMIP/>' : `<KMIP>${nl}${body.join(nl)}${nl}</KMIP>`;
}
