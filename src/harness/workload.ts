// The operation mix: which operations a run sends and how often. Written `get=70,create=10,locate=10,
// destroy=10`: OP[=WEIGHT], comma-separated, weight 1 when left out; `OP-batch:N` sends N items of OP in
// one request message (one op, N items). The next operation is drawn at random by weight from a seeded
// generator, so a run with the same --seed sends the same sequence.

export const OPERATIONS = ['create', 'get', 'locate', 'encrypt', 'decrypt', 'destroy'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** KMIP operation names, for messages. */
export const KMIP_NAME: Record<OperationName, string> = {
  create: 'Create', get: 'Get', locate: 'Locate', encrypt: 'Encrypt', decrypt: 'Decrypt', destroy: 'Destroy',
};

/** The largest batch an op may ask for (the client's own limit is 10,000 items per message). */
export const MAX_BATCH = 10_000;

export interface MixItem {
  /** How reports name it: 'get', or 'create-batch:100'. */
  name: string;
  operation: OperationName;
  /** Items per request message; 1 for a single operation. */
  batch: number;
  weight: number;
}

/** A mix as the API takes it: the text form, `{ get: 70, 'create-batch:100': 1 }`, or items. */
export type MixInput = string | Record<string, number> | readonly MixItem[];

export const DEFAULT_MIX = 'get=70,create=10,locate=10,destroy=10';

function parseName(name: string): Omit<MixItem, 'weight'> {
  const m = /^([a-z]+)(?:-batch:(\d+))?$/.exec(name.trim().toLowerCase());
  const op = m?.[1] as OperationName | undefined;
  if (!m || !op || !OPERATIONS.includes(op)) {
    throw new TypeError(`mix: "${name}" is not an operation: expected one of ${OPERATIONS.join(', ')}, or OP-batch:N (e.g. create-batch:100)`);
  }
  const batch = m[2] === undefined ? 1 : Number(m[2]);
  if (!Number.isInteger(batch) || batch < 1 || batch > MAX_BATCH) throw new TypeError(`mix: "${name}": a batch holds 1 to ${MAX_BATCH} items`);
  return { name: m[2] === undefined ? op : `${op}-batch:${batch}`, operation: op, batch };
}

function checkWeight(weight: number, name: string): number {
  if (!Number.isFinite(weight) || weight < 0) throw new TypeError(`mix: the weight of ${name} must be a number >= 0`);
  return weight;
}

/** Parses and checks a mix; the same op twice, no positive weight or an unknown op is a TypeError. */
export function parseMix(input: MixInput = DEFAULT_MIX): MixItem[] {
  let items: MixItem[];
  if (typeof input === 'string') {
    const parts = input.split(',').map((s) => s.trim()).filter(Boolean);
    if (!parts.length) throw new TypeError('mix: empty; e.g. get=70,create=10,locate=10,destroy=10');
    items = parts.map((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      const text = eq < 0 ? '1' : part.slice(eq + 1).trim();
      if (!/^\d+(\.\d+)?$/.test(text)) throw new TypeError(`mix: "${part}": the weight must be a number >= 0 (e.g. get=70)`);
      return { ...parseName(name), weight: checkWeight(Number(text), name) };
    });
  } else if (Array.isArray(input)) {
    items = (input as readonly MixItem[]).map((it) => ({ ...parseName(it.batch > 1 ? `${it.operation}-batch:${it.batch}` : it.operation), weight: checkWeight(it.weight, it.name ?? it.operation) }));
  } else {
    items = Object.entries(input as Record<string, number>).map(([name, weight]) => ({ ...parseName(name), weight: checkWeight(weight, name) }));
  }
  const seen = new Set<string>();
  for (const it of items) {
    if (seen.has(it.name)) throw new TypeError(`mix: ${it.name} is given twice`);
    seen.add(it.name);
  }
  items = items.filter((it) => it.weight > 0);
  if (!items.length) throw new TypeError('mix: no operation has a positive weight');
  return items;
}

/** mulberry32: a small, fast, seeded generator of floats in [0, 1); good enough to pick operations. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws mix indices by weight. */
export function picker(mix: readonly MixItem[], random: () => number): () => number {
  const total = mix.reduce((s, it) => s + it.weight, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const it of mix) cumulative.push((acc += it.weight / total));
  return () => {
    const r = random();
    for (let i = 0; i < cumulative.length - 1; i++) if (r < cumulative[i]) return i;
    return cumulative.length - 1;
  };
}

/** The first `count` draws, so a count-based run knows in advance how many of each it will send. */
export function drawSequence(mix: readonly MixItem[], count: number, seed: number): Uint16Array {
  const pick = picker(mix, rng(seed));
  const out = new Uint16Array(count);
  for (let i = 0; i < count; i++) out[i] = pick();
  return out;
}
