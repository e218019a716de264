// Compares a server's response with the recorded one under the rules of rules.ts: placeholders are
// captured or checked, volatile values compared loosely, everything else exactly. Returns the first
// difference (path, expected, actual) or undefined.
import { enumForTag, maskForTag, tagName } from '../dict/index.js';
import { formatDateTime } from '../encodings/datetime.js';
import { ItemType, type StructureItem, type TtlvItem } from '../ttlv/types.js';
import type { Marks } from './cases.js';
import { classify, leafKey, NOW_TOLERANCE_S, type Bindings } from './placeholders.js';
import { ATTRIBUTE_NAME_TAGS, fieldRulesFor, leafRulesFor, setRuleFor, type Condition } from './rules.js';

export interface Difference {
  /** Where, e.g. `ResponseMessage/BatchItem/ResponsePayload/Attributes/State`. */
  path: string;
  expected: string;
  actual: string;
  message: string;
}

export interface CompareOptions {
  /** Rule paths (`ResponseMessage/...`, no indices) that errata say to compare loosely. */
  loose?: ReadonlySet<string>;
}

interface ItemContext {
  op?: string;
  request?: StructureItem;
  keyUid?: string;
  serverChoseIv: boolean;
  /** Inside a KMIP 1.x `Attribute`: its Attribute Name (rules may name the attribute whose value they loosen). */
  attributeName?: string;
}

const T = {
  ResponseHeader: 0x42007a,
  BatchItem: 0x42000f,
  Operation: 0x42005c,
  RequestPayload: 0x420079,
  ResponsePayload: 0x42007c,
  UniqueIdentifier: 0x420094,
  IVCounterNonce: 0x42003d,
  Attribute: 0x420008,
  AttributeName: 0x42000a,
} as const;

export const nameOf = (tag: number) => tagName(tag) ?? `0x${tag.toString(16).toUpperCase()}`;
const OP_ENUM = enumForTag(T.Operation);

export const child = (s: TtlvItem | undefined, tag: number): TtlvItem | undefined =>
  s?.type === ItemType.Structure ? s.value.find((c) => c.tag === tag) : undefined;
const children = (s: TtlvItem | undefined, tag: number): TtlvItem[] =>
  s?.type === ItemType.Structure ? s.value.filter((c) => c.tag === tag) : [];

export function operationName(batchItem: TtlvItem | undefined): string | undefined {
  const op = child(batchItem, T.Operation);
  return op?.type === ItemType.Enumeration ? OP_ENUM?.valueName(op.value) ?? `0x${op.value.toString(16)}` : undefined;
}

/** Values under these names are shown by length only: key material never reaches a report. */
const SECRET_PATH = /Key(Material|Value|Block)|Password|Credential|PrivateExponent|Prime|Coefficient|(^|\/)D$/;
const MAX_SHOWN_BYTES = 32;

export function show(item: TtlvItem, path = ''): string {
  switch (item.type) {
    case ItemType.Structure: {
      // The first field names most structures (Attribute Name, Name Value): show it.
      const first = item.value[0];
      const lead = first && first.type !== ItemType.Structure ? `${nameOf(first.tag)}=${show(first, path).replace(/^\w+ /, '')}` : undefined;
      const rest = item.value.slice(lead ? 1 : 0).map((c) => nameOf(c.tag));
      return `Structure(${[lead, ...rest].filter(Boolean).join(', ')})`;
    }
    case ItemType.ByteString: {
      if (SECRET_PATH.test(path)) return `ByteString(${item.value.length} bytes, not shown)`;
      const hex = Buffer.from(item.value.subarray(0, MAX_SHOWN_BYTES)).toString('hex');
      return item.value.length > MAX_SHOWN_BYTES ? `ByteString ${hex}… (${item.value.length} bytes)` : `ByteString ${hex || '(empty)'}`;
    }
    case ItemType.BigInteger:
      return SECRET_PATH.test(path) ? 'BigInteger(not shown)' : `BigInteger ${item.value.toString(16).slice(0, 64)}`;
    case ItemType.Enumeration: {
      const name = enumForTag(item.tag)?.valueName(item.value);
      return `Enumeration ${name ?? '0x' + item.value.toString(16).padStart(8, '0')}`;
    }
    case ItemType.Integer: {
      const mask = maskForTag(item.tag);
      if (!mask || item.value === 0) return `Integer ${item.value}`;
      const names = mask.values.filter(([, bit]) => bit !== 0 && (item.value & bit) === bit).map(([n]) => n);
      return `Integer ${item.value} (${names.join(' ')})`;
    }
    case ItemType.TextString:
      return `TextString ${JSON.stringify(item.value.length > 80 ? item.value.slice(0, 77) + '...' : item.value)}`;
    case ItemType.DateTime:
      return `DateTime ${formatDateTime(item.value)}`;
    default:
      return `${Object.keys(ItemType).find((k) => ItemType[k as keyof typeof ItemType] === item.type)} ${String(item.value)}`;
  }
}

function sameLeaf(a: TtlvItem, b: TtlvItem): boolean {
  if (a.type !== b.type) return false;
  if (a.type === ItemType.ByteString) return Buffer.from(a.value).equals(Buffer.from(b.value as Uint8Array));
  return a.value === b.value;
}

function sameFirstField(e: TtlvItem, a: TtlvItem): boolean {
  if (e.type !== ItemType.Structure || a.type !== ItemType.Structure) return false;
  const [x, y] = [e.value[0], a.value[0]];
  return !!x && !!y && x.tag === y.tag && (x.type === ItemType.Structure || sameLeaf(x, y));
}

class Comparer {
  constructor(
    private readonly b: Bindings,
    private readonly opts: CompareOptions,
  ) {}

  private diff(path: string, e: TtlvItem | undefined, a: TtlvItem | undefined, message: string, rulePath = ''): Difference {
    return { path, expected: e ? show(e, rulePath) : '(absent)', actual: a ? show(a, rulePath) : '(absent)', message };
  }

  private holds(when: Condition, ctx: ItemContext): boolean {
    if (when === 'always') return true;
    if (when === 'generatedKey') return ctx.keyUid !== undefined && this.b.generated.has(ctx.keyUid);
    return ctx.serverChoseIv;
  }

  compare(e: TtlvItem, m: Marks | undefined, a: TtlvItem, rule: string, path: string, ctx: ItemContext): Difference | undefined {
    if (this.opts.loose?.has(`ResponseMessage/${rule}`)) return undefined;
    if (m?.ph !== undefined) return this.placeholder(e, m.ph, a, rule, path);
    if (e.type !== a.type) return this.diff(path, e, a, 'different item type', rule);
    if (e.type === ItemType.Structure && e.tag === T.Attribute) {
      const name = child(e, T.AttributeName);
      ctx = { ...ctx, attributeName: name?.type === ItemType.TextString ? name.value : undefined };
    }
    const loose = leafRulesFor(ctx.op, rule, ctx.attributeName).find((r) => this.holds(r.when, ctx));
    if (e.type === ItemType.Structure) return loose?.check === 'any' ? undefined : this.structure(e, m, a as StructureItem, rule, path, ctx);
    if (loose) {
      if (loose.check === 'sameLength' && e.type === ItemType.ByteString && (a.value as Uint8Array).length !== e.value.length) {
        return this.diff(path, e, a, `length differs (rule ${loose.id})`, rule);
      }
      const key = leafKey(e);
      if (key !== undefined) this.b.literals.set(key, a);
      return undefined;
    }
    // A date in the file that the client never sent is one the reference server chose.
    if (e.type === ItemType.DateTime && !this.b.sentDates.has(e.value)) return undefined;
    return sameLeaf(e, a) ? undefined : this.diff(path, e, a, 'value differs', rule);
  }

  private placeholder(e: TtlvItem, ph: string, a: TtlvItem, rule: string, path: string): Difference | undefined {
    const c = classify(ph);
    if (!c) return this.diff(path, e, a, `harness: unknown placeholder ${ph}`, rule);
    if (e.type !== a.type) return this.diff(path, e, a, `different item type for ${ph}`, rule);
    if (c.kind === 'time') {
      if (a.type !== ItemType.DateTime) return undefined;
      const lo = BigInt(this.b.startedAt + c.offset - NOW_TOLERANCE_S);
      const hi = BigInt(Math.floor(Date.now() / 1000) + c.offset + NOW_TOLERANCE_S);
      return a.value >= lo && a.value <= hi ? undefined : { ...this.diff(path, e, a, `not within ${NOW_TOLERANCE_S} s of ${ph}`, rule), expected: ph };
    }
    const bound = this.b.values.get(ph);
    if (c.kind === 'identity' && bound) {
      return sameLeaf(bound, a) ? undefined : { ...this.diff(path, bound, a, `${ph} was ${show(bound, rule)} earlier in this file`, rule), expected: `${ph} = ${show(bound, rule)}` };
    }
    this.b.values.set(ph, a);
    return undefined;
  }

  private structure(e: StructureItem, m: Marks | undefined, a: StructureItem, rule: string, path: string, ctx: ItemContext): Difference | undefined {
    const set = setRuleFor(ctx.op, rule);
    if (set) {
      let extras = set.extras === 'always';
      if (set.extras === 'unlessRequestNames') {
        const payload = child(ctx.request, T.RequestPayload);
        extras = !(payload?.type === ItemType.Structure && payload.value.some((c) => ATTRIBUTE_NAME_TAGS.includes(nameOf(c.tag))));
      }
      return this.unordered(e, m, a, rule, path, ctx, extras, set.id);
    }
    return this.ordered(e, m, a, rule, path, ctx);
  }

  private childPaths(e: StructureItem, i: number, rule: string, path: string): [string, string] {
    const name = nameOf(e.value[i].tag);
    const same = e.value.filter((c) => c.tag === e.value[i].tag);
    const index = same.length > 1 ? `[${same.indexOf(e.value[i])}]` : '';
    return [rule ? `${rule}/${name}` : name, `${path}/${name}${index}`];
  }

  private ordered(e: StructureItem, m: Marks | undefined, a: StructureItem, rule: string, path: string, ctx: ItemContext): Difference | undefined {
    const fields = fieldRulesFor(ctx.op, rule);
    const optional = (tag: number) => fields.some((f) => f.optional && f.tags.includes(nameOf(tag)));
    const extra = (tag: number) => fields.some((f) => f.extra && f.tags.includes(nameOf(tag)));
    let ai = 0;
    for (let i = 0; i < e.value.length; i++) {
      const ec = e.value[i];
      const [cr, cp] = this.childPaths(e, i, rule, path);
      let j = ai;
      while (j < a.value.length && a.value[j].tag !== ec.tag) j++;
      if (j === a.value.length) {
        if (optional(ec.tag)) continue;
        const where = a.value.slice(ai).find((x) => !extra(x.tag));
        return where && where.tag !== ec.tag
          ? this.diff(cp, ec, undefined, `missing (the server sent ${nameOf(where.tag)} here)`, cr)
          : this.diff(cp, ec, undefined, 'missing', cr);
      }
      for (let k = ai; k < j; k++) {
        if (!extra(a.value[k].tag)) return this.diff(`${path}/${nameOf(a.value[k].tag)}`, undefined, a.value[k], `unexpected item before ${nameOf(ec.tag)}`, cr);
      }
      const d = this.compare(ec, m?.kids?.[i], a.value[j], cr, cp, ctx);
      if (d) return d;
      ai = j + 1;
    }
    for (let k = ai; k < a.value.length; k++) {
      if (!extra(a.value[k].tag)) return this.diff(`${path}/${nameOf(a.value[k].tag)}`, undefined, a.value[k], 'unexpected item', `${rule}/${nameOf(a.value[k].tag)}`);
    }
    return undefined;
  }

  private unordered(e: StructureItem, m: Marks | undefined, a: StructureItem, rule: string, path: string, ctx: ItemContext, extras: boolean, id: string): Difference | undefined {
    const used = new Set<number>();
    const fields = fieldRulesFor(ctx.op, rule);
    for (let i = 0; i < e.value.length; i++) {
      const ec = e.value[i];
      const [cr, cp] = this.childPaths(e, i, rule, path);
      let first: Difference | undefined;
      let found = false;
      const only = a.value.filter((x) => x.tag === ec.tag).length === 1;
      for (let j = 0; j < a.value.length && !found; j++) {
        if (used.has(j) || a.value[j].tag !== ec.tag) continue;
        const saved = this.b.snapshot();
        const d = this.compare(ec, m?.kids?.[i], a.value[j], cr, cp, ctx);
        if (!d) {
          used.add(j);
          found = true;
        } else {
          this.b.restore(saved);
          // Report the candidate that agrees on the first field (same attribute), if any.
          if (only || sameFirstField(ec, a.value[j])) first ??= d;
        }
      }
      if (found) continue;
      if (fields.some((f) => f.optional && f.tags.includes(nameOf(ec.tag)))) continue;
      if (first) return first.message.includes('compared as a set') ? first : { ...first, message: `${first.message} (compared as a set, rule ${id})` };
      const missing = this.diff(cp, ec, undefined, `missing (compared as a set, rule ${id})`, cr);
      const ph = m?.kids?.[i]?.ph;
      return ph ? { ...missing, expected: ph } : missing;
    }
    if (!extras) {
      for (let j = 0; j < a.value.length; j++) {
        if (used.has(j) || fields.some((f) => f.extra && f.tags.includes(nameOf(a.value[j].tag)))) continue;
        return this.diff(`${path}/${nameOf(a.value[j].tag)}`, undefined, a.value[j], `unexpected item (rule ${id} allows no extras here)`);
      }
    }
    return undefined;
  }

  message(e: TtlvItem, m: Marks | undefined, a: TtlvItem, request: TtlvItem): Difference | undefined {
    if (e.type !== ItemType.Structure || a.type !== ItemType.Structure || a.tag !== e.tag) {
      return this.diff('ResponseMessage', e, a, 'not a ResponseMessage');
    }
    const eItems = children(e, T.BatchItem);
    const aItems = children(a, T.BatchItem);
    const rItems = children(request, T.BatchItem) as StructureItem[];
    if (eItems.length !== aItems.length) {
      return { path: 'ResponseMessage', expected: `${eItems.length} batch item(s)`, actual: `${aItems.length} batch item(s)`, message: 'batch item count differs' };
    }
    const ctxOf = (i: number): ItemContext => {
      const req = rItems[i] ?? rItems[0];
      const payload = child(aItems[i], T.ResponsePayload);
      const uid = child(payload, T.UniqueIdentifier) ?? child(child(req, T.RequestPayload), T.UniqueIdentifier);
      const reqIv = child(child(req, T.RequestPayload), T.IVCounterNonce);
      return {
        op: operationName(eItems[i]),
        request: req,
        keyUid: uid?.type === ItemType.TextString ? uid.value : undefined,
        serverChoseIv: !reqIv && !!child(payload, T.IVCounterNonce),
      };
    };
    const none: ItemContext = { serverChoseIv: false };
    let bi = 0;
    let ai = 0;
    for (let i = 0; i < e.value.length; i++) {
      const ec = e.value[i];
      const isItem = ec.tag === T.BatchItem;
      const [cr, cp] = this.childPaths(e, i, '', 'ResponseMessage');
      const ctx = isItem ? ctxOf(bi) : none;
      let j = ai;
      while (j < a.value.length && a.value[j].tag !== ec.tag) j++;
      if (j === a.value.length) return this.diff(cp, ec, undefined, 'missing', cr);
      const d = this.compare(ec, m?.kids?.[i], a.value[j], cr, cp, ctx);
      if (d) return d;
      if (isItem) bi++;
      ai = j + 1;
    }
    return undefined;
  }
}

/**
 * Compares one response with the recorded one, capturing placeholders into `bindings` as it goes.
 * `request` is the request as sent (placeholders resolved): it tells which attributes were asked for.
 */
export function compareResponse(
  expected: TtlvItem,
  marks: Marks | undefined,
  actual: TtlvItem,
  request: TtlvItem,
  bindings: Bindings,
  opts: CompareOptions = {},
): Difference | undefined {
  return new Comparer(bindings, opts).message(expected, marks, actual, request);
}
