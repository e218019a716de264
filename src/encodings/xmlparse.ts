// A small non-validating XML reader for the subset KMIP XML uses: one root element, attributes,
// comments, the XML declaration, whitespace, the five predefined entities and character references.
// DOCTYPE (and with it every entity declaration) is refused; processing instructions and CDATA are
// not part of the subset. Depth is capped before anything deeper is built. No recursion.
import { KmipEncodingError } from './errors.js';

export interface XmlElement {
  name: string;
  /** Attribute values after reference decoding and attribute-value normalisation. */
  attrs: Map<string, string>;
  children: XmlElement[];
  /** Offset of the first non-whitespace character data inside the element, or -1. */
  textAt: number;
  /** Offset of the element's `<`. */
  at: number;
}

export interface XmlDocument {
  root: XmlElement;
  /** Line and column (1-based) of an offset into the text the reader saw. */
  position(offset: number): { line: number; column: number };
}

// XML 1.0 Name, approximately: ASCII letters, digits, `_ : . -`, and anything non-ASCII.
const NAME = /[A-Za-z_:\u00C0-\uFFFF][-A-Za-z0-9_:.\u00B7\u00C0-\uFFFF]*/y;
const SPACE = /[ \t\n]*/y;
const REF = /&(?:#x([0-9A-Fa-f]{1,6})|#([0-9]{1,7})|(amp|lt|gt|quot|apos));/y;
// Characters XML 1.0 forbids outright (end-of-line handling has already turned \r into \n).
const FORBIDDEN = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;
const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

export function parseXml(input: string, maxDepth: number): XmlDocument {
  // End-of-line handling (XML 1.0 section 2.11); a leading byte-order mark is dropped.
  const text = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  let lineStarts: number[] | undefined;
  const position = (offset: number) => {
    if (!lineStarts) {
      lineStarts = [0];
      for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
    }
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  const fail = (offset: number, message: string, kind: 'SYNTAX' | 'DTD' | 'TOO_DEEP' = 'SYNTAX'): never => {
    const { line, column } = position(offset);
    throw new KmipEncodingError('XML', kind, message, undefined, line, column);
  };

  const bad = FORBIDDEN.exec(text);
  if (bad) fail(bad.index, `character U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} is not allowed in XML`);
  if (!text.isWellFormed()) fail(0, 'text has a lone surrogate');

  let i = 0;
  const skipSpace = () => {
    SPACE.lastIndex = i;
    SPACE.exec(text);
    i = SPACE.lastIndex;
  };
  const readName = (what: string): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(text);
    if (!m) fail(i, `expected ${what} name`);
    i = NAME.lastIndex;
    return m![0];
  };
  /** Decodes references in text[from, to); `attr` applies attribute-value normalisation. */
  const decode = (from: number, to: number, attr: boolean): string => {
    const raw = text.slice(from, to);
    let out = '';
    let j = 0;
    for (;;) {
      const amp = raw.indexOf('&', j);
      const end = amp < 0 ? raw.length : amp;
      const chunk = raw.slice(j, end);
      out += attr ? chunk.replace(/[\t\n]/g, ' ') : chunk;
      if (end === raw.length) return out;
      REF.lastIndex = amp;
      const m = REF.exec(raw);
      if (!m) fail(from + amp, 'malformed or undeclared entity reference');
      if (m![3]) out += PREDEFINED[m![3]];
      else {
        const cp = m![1] !== undefined ? parseInt(m![1], 16) : Number(m![2]);
        // Control characters are accepted as references (XML 1.1 style, and &#0; as an extension)
        // so that every TTLV Text String survives a round trip; surrogates never are.
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) fail(from + amp, 'character reference to a non-character');
        out += String.fromCodePoint(cp);
      }
      j = REF.lastIndex;
    }
  };
  /** Skips a comment starting at i (`<!--`). */
  const comment = () => {
    const end = text.indexOf('-->', i + 4);
    if (end < 0) fail(i, 'unterminated comment');
    i = end + 3;
  };
  /** Whatever may appear outside the root element: whitespace and comments. */
  const misc = (where: 'prolog' | 'epilog') => {
    for (;;) {
      skipSpace();
      if (text.startsWith('<!--', i)) comment();
      else if (text.startsWith('<!DOCTYPE', i)) fail(i, 'DOCTYPE declarations are refused', 'DTD');
      else if (text.startsWith('<?', i)) fail(i, 'processing instructions are not supported');
      else if (where === 'epilog' && i < text.length) {
        fail(i, text.startsWith('</', i) ? 'closing tag after the root element' : 'content after the root element');
      } else return;
    }
  };

  if (text.startsWith('<?xml', 0) && /[\s?]/.test(text[5] ?? '')) {
    const end = text.indexOf('?>');
    if (end < 0) fail(0, 'unterminated XML declaration');
    if (!/^<\?xml\s+version\s*=\s*(["'])1\.\d+\1(\s+encoding\s*=\s*(["'])[A-Za-z][-\w.]*\3)?(\s+standalone\s*=\s*(["'])(yes|no)\5)?\s*\?>$/.test(text.slice(0, end + 2)))
      fail(0, 'malformed XML declaration');
    i = end + 2;
  }
  misc('prolog');
  if (text[i] !== '<') fail(i, i >= text.length ? 'no root element' : 'expected the root element');

  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  while (i < text.length) {
    if (text[i] !== '<') {
      // Character data: kept only as "is there any", with references checked.
      const lt = text.indexOf('<', i);
      const end = lt < 0 ? text.length : lt;
      if (stack.length === 0) break;
      const data = decode(i, end, false);
      const top = stack[stack.length - 1];
      const k = data.search(/[^ \t\n]/);
      if (k >= 0 && top.textAt < 0) top.textAt = i + Math.min(k, end - i - 1);
      i = end;
      continue;
    }
    if (text.startsWith('<!--', i)) {
      comment();
      continue;
    }
    if (text.startsWith('<!DOCTYPE', i) || text.startsWith('<!ENTITY', i)) fail(i, 'DTD declarations are refused', 'DTD');
    if (text.startsWith('<![CDATA[', i)) fail(i, 'CDATA sections are not supported');
    if (text.startsWith('<?', i)) fail(i, 'processing instructions are not supported');
    if (text.startsWith('</', i)) {
      const at = i;
      i += 2;
      const name = readName('closing tag');
      skipSpace();
      if (text[i] !== '>') fail(i, `expected '>' to close </${name}`);
      i++;
      const open = stack.pop();
      if (!open) fail(at, `closing tag </${name}> without an open element`);
      if (open!.name !== name) fail(at, `closing tag </${name}> does not match <${open!.name}>`);
      if (stack.length === 0) break;
      continue;
    }
    if (stack.length === 0 && root) break;
    const at = i;
    i++;
    const el: XmlElement = { name: readName('element'), attrs: new Map(), children: [], textAt: -1, at };
    for (;;) {
      const before = i;
      skipSpace();
      if (text.startsWith('/>', i) || text[i] === '>') break;
      if (i === before) fail(i, `expected whitespace, '>' or '/>' in <${el.name}>`);
      const nameAt = i;
      const name = readName('attribute');
      skipSpace();
      if (text[i] !== '=') fail(i, `expected '=' after attribute ${name}`);
      i++;
      skipSpace();
      const q = text[i];
      if (q !== '"' && q !== "'") fail(i, `expected a quoted value for attribute ${name}`);
      const close = text.indexOf(q, i + 1);
      if (close < 0) fail(i, `unterminated value of attribute ${name}`);
      const lt = text.indexOf('<', i + 1);
      if (lt >= 0 && lt < close) fail(lt, `'<' in the value of attribute ${name}`);
      if (el.attrs.has(name)) fail(nameAt, `duplicate attribute ${name}`);
      el.attrs.set(name, decode(i + 1, close, true));
      i = close + 1;
    }
    if (stack.length >= maxDepth) fail(at, `elements nested deeper than ${maxDepth}`, 'TOO_DEEP');
    if (stack.length > 0) stack[stack.length - 1].children.push(el);
    else root = el;
    if (text[i] === '/') i += 2;
    else {
      i++;
      stack.push(el);
    }
    if (stack.length === 0) break;
  }
  if (stack.length > 0) fail(text.length, `unexpected end of input inside <${stack[stack.length - 1].name}>`);
  if (!root) fail(i, 'no root element');
  misc('epilog');
  return { root: root!, position };
}
