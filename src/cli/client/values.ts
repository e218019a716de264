// Text in (enumeration names in any case, Name=Value attributes) and text out (key: value lines, JSON
// with bytes as hex, bigints as strings, dates as ISO text).
import { enumByName, maskForTag } from '../../dict/index.js';
import { attributeName } from '../../client/values.js';
import { ItemType } from '../../ttlv/types.js';
import { usage } from './options.js';

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** 'key-compromise', 'KeyCompromise', 'key_compromise' -> 'KeyCompromise' (the enumeration's canonical name). */
export function enumName(enumeration: string, text: string, flag: string): string {
  const def = enumByName(enumeration);
  const want = squash(text);
  const hit = def?.values.find(([name]) => squash(name) === want);
  if (!hit) {
    const some = def ? def.values.slice(0, 12).map(([n]) => kebab(n)).join(', ') : '';
    throw usage(`${flag} ${text}: not a ${enumeration} (${some}${def && def.values.length > 12 ? ', ...' : ''})`);
  }
  return hit[0];
}

/** 'KeyCompromise' -> 'key-compromise'. */
export const kebab = (name: string): string =>
  name.includes('_') ? name.toLowerCase().replace(/_/g, '-') : name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2').toLowerCase();

/** 'encrypt,decrypt' -> ['Encrypt', 'Decrypt'] (Cryptographic Usage Mask bits). */
export function usageMask(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => enumName('CryptographicUsageMask', s, '--usage'));
}

/** A value given as text, converted to what the attribute holds. */
export function attributeValue(key: string, text: string): unknown {
  let def;
  try {
    def = attributeName(key).def;
  } catch (e) {
    throw usage((e as Error).message);
  }
  if (!def) return text; // a custom attribute: text
  const bad = (what: string): never => {
    throw usage(`attribute ${key}: ${JSON.stringify(text)} is not ${what}`);
  };
  switch (def.type) {
    case ItemType.Integer:
      if (maskForTag(def.tag)) {
        const mask = maskForTag(def.tag)!;
        return /^\d+$/.test(text) ? Number(text) : text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => enumName(mask.name, s, `attribute ${key}:`));
      }
      return /^-?\d+$/.test(text) ? Number(text) : bad('an integer');
    case ItemType.Interval:
      return /^\d+$/.test(text) ? Number(text) : bad('a number of seconds');
    case ItemType.LongInteger:
      return /^-?\d+$/.test(text) ? BigInt(text) : bad('an integer');
    case ItemType.Boolean:
      return text === 'true' ? true : text === 'false' ? false : bad('true or false');
    case ItemType.ByteString:
      return /^([0-9a-fA-F]{2})*$/.test(text) ? Uint8Array.from(Buffer.from(text, 'hex')) : bad('hex');
    case ItemType.DateTime:
    case ItemType.DateTimeExtended:
      return Number.isFinite(Date.parse(text)) ? text : bad('an ISO date');
    case ItemType.Structure:
      if (text.startsWith('{')) {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          return bad('a JSON object');
        }
      }
      return text; // Name: its value
    default:
      return text;
  }
}

/** 'Name=Value' -> [key, value]; the key may be a camelCase key, a spec name or x-Custom. */
export function parseAssignment(text: string, flag: string): [string, unknown] {
  const i = text.indexOf('=');
  if (i <= 0) throw usage(`${flag} ${JSON.stringify(text)}: expected NAME=VALUE (e.g. x-Owner=alice, contactInformation=ops)`);
  const key = text.slice(0, i).trim();
  return [key, attributeValue(key, text.slice(i + 1))];
}

/** Adds `--attr` assignments to attributes (repeated multi-valued keys become arrays). */
export function addAssignments(attrs: Record<string, unknown>, list: readonly string[] | undefined): Record<string, unknown> {
  for (const a of list ?? []) {
    const [k, v] = parseAssignment(a, '--attr');
    if (k in attrs) attrs[k] = [...(Array.isArray(attrs[k]) ? (attrs[k] as unknown[]) : [attrs[k]]), v];
    else attrs[k] = v;
  }
  return attrs;
}

/** JSON-safe form: bytes as hex, bigint as decimal text, dates as ISO text. */
export function plain(v: unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === 'object' && v !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = plain(x);
    return out;
  }
  return v;
}

/** One line per value: `key: value`; arrays and structures as compact JSON. */
export function keyValueLines(obj: Record<string, unknown>): string {
  const entries = Object.entries(obj).filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries
    .map(([k, v]) => {
      const p = plain(v);
      const text = typeof p === 'string' ? p : Array.isArray(p) && p.every((x) => typeof x === 'string') ? p.join(', ') : JSON.stringify(p);
      return `${`${k}:`.padEnd(width + 1)} ${text}\n`;
    })
    .join('');
}
