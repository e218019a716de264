// `npm run bench -- encode`: encoding an item tree, the TS encoder (`encode()`) against the addon's
// `encodeTree()` (walks the JS tree through Node-API and writes TTLV in Rust), on the ladder of
// bench/messages.ts and its crossover shapes, plus two shapes outside the ladder where the TS
// encoder does the most work per item (BigIntegers) or per byte (one large ByteString).
// Writes bench/results/encode.json. Every figure is a ratio measured in this one run.
import { writeFileSync, mkdirSync } from 'node:fs';
import { allOps, fmt, measure as rounds, ratio, ROUNDS, TIME_MS } from './harness.js';
import { Tag } from '../src/dict/index.js';
import { codecInfo, encode, ItemType, MAX_DEPTH, type TtlvItem } from '../src/ttlv/index.js';
import { nativeBinding } from '../src/ttlv/native.js';
import { crossoverLadder, ladder, type LadderMessage } from './messages.js';

if (!codecInfo.native) throw new Error(`the encode bench compares native and TS; the addon did not load: ${codecInfo.detail}`);
type Encoder = (item: TtlvItem, maxDepth: number) => Buffer;
const binding = nativeBinding as unknown as { encodeTree?: Encoder };
const encodeTree = binding.encodeTree;
if (!encodeTree) throw new Error('the addon has no encodeTree export: rebuild it (node scripts/build-native.mjs)');

/** Asserts correctness before timing: every encoder gives the message's bytes exactly. */
function check(m: LadderMessage): void {
  if (!encode(m.item).equals(m.bytes)) throw new Error(`${m.name}: TS encode is not stable`);
  if (!encodeTree!(m.item, MAX_DEPTH).equals(m.bytes)) throw new Error(`${m.name}: encodeTree differs from encode`);
}

/** Items in the tree (what the walk pays for through Node-API). */
function countItems(item: TtlvItem): number {
  return item.type === 0x01 ? 1 + item.value.reduce((n, c) => n + countItems(c), 0) : 1;
}


async function measure(m: LadderMessage): Promise<Record<string, unknown>> {
  check(m);
  const tasks: Record<string, () => unknown> = {
    'encode ts': () => encode(m.item),
    'encodeTree native': () => encodeTree!(m.item, MAX_DEPTH),
  };
  const r = await rounds(tasks, m.bytes.length);
  const row: Record<string, unknown> = {
    message: m.name,
    bytes: m.bytes.length,
    items: countItems(m.item),
    opsPerSecond: allOps(r),
    nativeOverTs: ratio(r, 'encodeTree native', 'encode ts'),
  };
  console.log(
    `${m.name.padEnd(52)} native/ts encode ${fmt(row.nativeOverTs as number)}x` +
      `  (ts ${fmt((row.opsPerSecond as Record<string, number>)['encode ts'])} ops/s, ${row.items as number} items)`,
  );
  return row;
}

/** Shapes off the ladder: where a native encoder could plausibly win. */
function extraShapes(): LadderMessage[] {
  // Synthetic, obviously not a key: a fixed byte pattern with the top bit set.
  const bigint = (bits: number, seed: number) =>
    BigInt('0x' + Array.from({ length: bits / 8 }, (_, i) => ((i * 37 + seed) & 0xff).toString(16).padStart(2, '0')).join('')) |
    (1n << BigInt(bits - 1));
  const B = (tag: number, value: bigint): TtlvItem => ({ tag, type: ItemType.BigInteger, value });
  const rsa: TtlvItem = {
    tag: Tag.KeyBlock,
    type: ItemType.Structure,
    value: [
      { tag: Tag.KeyFormatType, type: ItemType.Enumeration, value: 0x0a },
      {
        tag: Tag.KeyValue,
        type: ItemType.Structure,
        value: [
          {
            tag: Tag.KeyMaterial,
            type: ItemType.Structure,
            value: [
              B(Tag.Modulus, bigint(4096, 1)),
              B(Tag.PrivateExponent, bigint(4096, 2)),
              B(Tag.PublicExponent, 65537n),
              B(Tag.P, bigint(2048, 3)),
              B(Tag.Q, bigint(2048, 4)),
              B(Tag.PrimeExponentP, bigint(2048, 5)),
              B(Tag.PrimeExponentQ, bigint(2048, 6)),
              B(Tag.CRTCoefficient, bigint(2048, 7)),
            ],
          },
        ],
      },
    ],
  };
  const blob: TtlvItem = { tag: Tag.KeyMaterial, type: ItemType.ByteString, value: Uint8Array.from({ length: 1 << 20 }, (_, i) => i & 0xff) };
  return [rsa, blob].map((item, i) => {
    const bytes = encode(item);
    const what = i === 0 ? 'transparent RSA-4096 private key (8 BigIntegers)' : 'one 1 MiB ByteString';
    return { name: `${what} (${bytes.length} B)`, item, bytes };
  });
}

const rows: Record<string, unknown>[] = [];
for (const m of ladder()) rows.push(await measure(m));
const crossover: Record<string, unknown>[] = [];
for (const m of crossoverLadder()) crossover.push(await measure(m));
const extra: Record<string, unknown>[] = [];
for (const m of extraShapes()) extra.push(await measure(m));

const all = [...rows, ...crossover, ...extra];
const ratios = all.map((r) => r.nativeOverTs as number);
const summary = {
  wins: all.filter((r) => (r.nativeOverTs as number) > 1.05).map((r) => r.message),
  minNativeOverTs: Math.min(...ratios),
  maxNativeOverTs: Math.max(...ratios),
};
console.log(
  `native/ts encode: ${fmt(summary.minNativeOverTs)}x .. ${fmt(summary.maxNativeOverTs)}x; ` +
    (summary.wins.length ? `native wins (>1.05x) on: ${summary.wins.join(', ')}` : 'native wins nowhere (>1.05x)'),
);

const result = {
  bench: 'encode',
  date: new Date().toISOString(),
  node: process.version,
  codec: codecInfo,
  sampleTimeMs: TIME_MS,
  rounds: ROUNDS,
  note: 'nativeOverTs = encodeTree ops/s / encode() ops/s (p50 of samples), > 1 means native is faster',
  ladder: rows,
  crossover,
  extra,
  summary,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/encode.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
console.log('wrote bench/results/encode.json');
