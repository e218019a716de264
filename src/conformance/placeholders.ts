// Test-case placeholders ($NOW, $UNIQUE_IDENTIFIER_0, ...): what the server returned is captured from
// responses and put into later requests; `$NOW±n` is the harness clock. Server-chosen literals that
// were compared loosely are remembered too, so a later request that quotes them (a ciphertext, an IV)
// sends what this server returned instead.
import { randomBytes } from 'node:crypto';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import type { Marks } from './cases.js';

export type PlaceholderKind = 'time' | 'identity' | 'latest';

/** Every placeholder form in the corpus (see docs/conformance.md), in match order. */
export const PLACEHOLDER_FORMS: readonly { form: string; pattern: RegExp; kind: PlaceholderKind }[] = [
  { form: '$NOW, $NOW+n, $NOW-n', pattern: /^\$NOW(?:([+-])(\d+))?$/, kind: 'time' },
  {
    form: '$UNIQUE_IDENTIFIER_n, $UNIQUE_IDENTIFIER_RANDOM_n, $SHORT_UNIQUE_IDENTIFIER_n, $SHORT_UNIQUE_IDENTIFIER_RANDOM_n, $DATA_n, $KEY_MATERIAL_n, $KEY_VALUE_n, $ENCRYPTED_STRING_n, $ENCRYPTED_VALUE_n, $DECRYPTED_VALUE_n',
    pattern: /^\$(?:UNIQUE_IDENTIFIER(?:_RANDOM)?|SHORT_UNIQUE_IDENTIFIER(?:_RANDOM)?|DATA|KEY_MATERIAL|KEY_VALUE|ENCRYPTED_STRING|ENCRYPTED_VALUE|DECRYPTED_VALUE)_\d+$/,
    kind: 'identity',
  },
  {
    form: '$UNIQUE_IDENTIFIER, $CORRELATION_VALUE, $ASYNCHRONOUS_CORRELATION_VALUE, $SERVER_CORRELATION_VALUE, $SIGNATURE_DATA, $MAC_DATA, $DATA, $KEY_MATERIAL, $KEY_VALUE, $IV_COUNTER_NONCE, $AUTHENTICATED_ENCRYPTION_TAG, $DIGEST_VALUE, $TICKET_VALUE',
    pattern: /^\$(?:UNIQUE_IDENTIFIER|CORRELATION_VALUE|ASYNCHRONOUS_CORRELATION_VALUE|SERVER_CORRELATION_VALUE|SIGNATURE_DATA|MAC_DATA|DATA|KEY_MATERIAL|KEY_VALUE|IV_COUNTER_NONCE|AUTHENTICATED_ENCRYPTION_TAG|DIGEST_VALUE|TICKET_VALUE)$/,
    kind: 'latest',
  },
];

/** How far a `$NOW` date from the server may be from the harness clock (clock skew, slow steps). */
export const NOW_TOLERANCE_S = 300;

export function classify(ph: string): { kind: PlaceholderKind; offset: number } | undefined {
  for (const f of PLACEHOLDER_FORMS) {
    const m = f.pattern.exec(ph);
    if (!m) continue;
    const offset = f.kind === 'time' && m[2] ? (m[1] === '-' ? -1 : 1) * Number(m[2]) : 0;
    return { kind: f.kind, offset };
  }
  return undefined;
}

/** A leaf's type and value as a map key. */
export function leafKey(item: TtlvItem): string | undefined {
  switch (item.type) {
    case ItemType.ByteString:
      return `8:${Buffer.from(item.value).toString('hex')}`;
    case ItemType.BigInteger:
      return `4:${item.value.toString(16)}`;
    case ItemType.TextString:
      return `7:${item.value}`;
    default:
      return undefined;
  }
}

export interface BindingState {
  values: Map<string, TtlvItem>;
  literals: Map<string, TtlvItem>;
  generated: Set<string>;
  sentDates: Set<bigint>;
}

export class Bindings {
  /** Placeholder -> the item the server returned (or the harness invented) for it. */
  values = new Map<string, TtlvItem>();
  /** Key of a literal in the file (leafKey) -> what this server returned in its place. */
  literals = new Map<string, TtlvItem>();
  /** Unique identifiers of objects whose secrets the server generated (their key material, digests and crypto outputs vary). */
  generated = new Set<string>();
  /** DateTime values (seconds) the harness sent: a response date equal to one is the client's, compared exactly. */
  sentDates = new Set<bigint>();
  readonly startedAt = Math.floor(Date.now() / 1000);

  /**
   * A chained file (chains.ts) continues its predecessor's server: what that file learnt about the
   * server's objects carries over (which secrets the server generated, the server's values for the
   * file's literals, the dates the client sent). Placeholders do not: each file numbers its own.
   */
  inherit(from: Bindings): this {
    for (const [k, v] of from.literals) if (!this.literals.has(k)) this.literals.set(k, v);
    for (const uid of from.generated) this.generated.add(uid);
    for (const d of from.sentDates) this.sentDates.add(d);
    return this;
  }

  snapshot(): BindingState {
    return { values: new Map(this.values), literals: new Map(this.literals), generated: new Set(this.generated), sentDates: new Set(this.sentDates) };
  }

  restore(s: BindingState): void {
    this.values = s.values;
    this.literals = s.literals;
    this.generated = s.generated;
    this.sentDates = s.sentDates;
  }
}

export class PlaceholderError extends Error {
  readonly code = 'ERR_CONFORMANCE_PLACEHOLDER';
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function invent(item: TtlvItem): TtlvItem {
  switch (item.type) {
    case ItemType.TextString:
      return { ...item, value: `conformance-${randomBytes(8).toString('hex')}` };
    case ItemType.ByteString:
      return { ...item, value: new Uint8Array(randomBytes(16)) };
    default:
      throw new PlaceholderError(`no way to invent a value of type ${item.type} for a placeholder`);
  }
}

function resolveLeaf(item: TtlvItem, ph: string, b: Bindings): TtlvItem {
  const c = classify(ph);
  if (!c) throw new PlaceholderError(`unknown placeholder ${ph}`);
  if (c.kind === 'time') {
    const s = BigInt(nowSeconds() + c.offset);
    if (item.type === ItemType.DateTime) {
      b.sentDates.add(s);
      return { ...item, value: s };
    }
    if (item.type === ItemType.DateTimeExtended) return { ...item, value: s * 1_000_000n };
    throw new PlaceholderError(`${ph} in a non-date item`);
  }
  const bound = b.values.get(ph);
  if (bound && bound.type === item.type) return { ...item, value: bound.value } as TtlvItem;
  if (bound && bound.type === ItemType.TextString && item.type === ItemType.ByteString) {
    return { ...item, value: new Uint8Array(Buffer.from(bound.value as string, 'utf8')) };
  }
  // A placeholder the server never returned (…_RANDOM_n, a client-chosen $DATA): the client makes one up.
  const made = invent(item);
  b.values.set(ph, made);
  return made;
}

/** The request to send: placeholders resolved, server-chosen literals replaced by what this server returned. */
export function prepareRequest(item: TtlvItem, marks: Marks | undefined, b: Bindings): TtlvItem {
  if (marks?.ph !== undefined) return resolveLeaf(item, marks.ph, b);
  if (item.type === ItemType.Structure) {
    return { ...item, value: item.value.map((c, i) => prepareRequest(c, marks?.kids?.[i], b)) };
  }
  if (item.type === ItemType.DateTime) b.sentDates.add(item.value);
  const key = leafKey(item);
  const mapped = key !== undefined && item.type !== ItemType.TextString ? b.literals.get(key) : undefined;
  return mapped && mapped.type === item.type ? ({ ...item, value: mapped.value } as TtlvItem) : item;
}
