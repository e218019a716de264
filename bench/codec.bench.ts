// `npm run bench -- codec`: the codec on a ladder of real messages, native against pure TS, with
// baselines in the same run (JSON.parse of the same message in KMIP JSON; Buffer.copy bandwidth).
// Writes bench/results/codec.json. Every figure is a ratio measured in this one run.
import { writeFileSync, mkdirSync } from 'node:fs';
import { Bench } from 'tinybench';
import { allOps, fmt, measure, ops, ratio, ROUNDS, TIME_MS } from './harness.js';
import { toJson } from '../src/encodings/json.js';
import { codecInfo, decode, encode, scan, validate, NATIVE_SCAN_MIN_BYTES } from '../src/ttlv/index.js';
import { nativeBinding } from '../src/ttlv/native.js';
import { crossoverLadder, ladder, type LadderMessage } from './messages.js';

if (!codecInfo.native) throw new Error(`the codec bench compares native and TS; the addon did not load: ${codecInfo.detail}`);

/** Asserts correctness before timing: both scanners agree, the tree round-trips. */
function check(m: LadderMessage): void {
  const a = scan(m.bytes, { scanner: 'ts' });
  const b = scan(m.bytes, { scanner: 'native' });
  if (a.count !== b.count || Buffer.compare(Buffer.from(a.index.buffer), Buffer.from(b.index.buffer)) !== 0)
    throw new Error(`${m.name}: scanners disagree`);
  if (!encode(decode(m.bytes)).equals(m.bytes)) throw new Error(`${m.name}: round trip changed bytes`);
}

/** Counts calls into the addon while decoding once: the boundary is crossed once per message at most. */
function nativeCallsPerDecode(m: LadderMessage): number {
  const binding = nativeBinding as unknown as Record<string, (...a: unknown[]) => unknown>;
  let calls = 0;
  const originals = Object.fromEntries(Object.entries(binding).filter(([, v]) => typeof v === 'function'));
  const counted = Object.fromEntries(Object.entries(originals).map(([k, f]) => [k, (...a: unknown[]) => (calls++, f(...a))]));
  Object.assign(binding, counted);
  try {
    decode(m.bytes, { scanner: 'native' });
  } finally {
    Object.assign(binding, originals);
  }
  return calls;
}

async function copyBandwidth(): Promise<number> {
  const src = Buffer.alloc(64 << 20, 1);
  const dst = Buffer.alloc(64 << 20);
  const bench = new Bench({ time: TIME_MS, warmupTime: 100 });
  bench.add('Buffer.copy 64 MiB', () => src.copy(dst));
  await bench.run();
  const res = bench.tasks[0].result as { latency: { p50: number } };
  return (src.length * 1000) / res.latency.p50;
}

const rows: Record<string, unknown>[] = [];

// Timed first; the count of native calls per decode (which wraps the binding's functions for a
// moment) only after every timing, so that no timed call goes through a binding it has touched.
const messages = ladder();
for (const m of messages) {
  check(m);
  const json = toJson(m.item);
  const rounds = await measure(
    {
      'scan ts': () => validate(m.bytes, { scanner: 'ts' }),
      'scan native': () => validate(m.bytes, { scanner: 'native' }),
      'decode ts': () => decode(m.bytes, { scanner: 'ts' }),
      'decode loader': () => decode(m.bytes),
      'JSON.parse kmip-json': () => JSON.parse(json),
      'encode ts': () => encode(m.item),
    },
    m.bytes.length,
  );
  rows.push({
    message: m.name,
    bytes: m.bytes.length,
    kmipJsonBytes: Buffer.byteLength(json),
    opsPerSecond: allOps(rounds),
    nativeScanOverTs: ratio(rounds, 'scan native', 'scan ts'),
    loaderDecodeOverTs: ratio(rounds, 'decode loader', 'decode ts'),
    tsDecodeOverJsonParse: ratio(rounds, 'decode ts', 'JSON.parse kmip-json'),
    nativeScanBytesPerSecond: ops(rounds, 'scan native') * m.bytes.length,
  });
  const r = rows.at(-1)!;
  console.log(
    `${m.name.padEnd(52)} native/ts scan ${fmt(r.nativeScanOverTs as number)}x  loader/ts decode ${fmt(r.loaderDecodeOverTs as number)}x  ts decode/JSON.parse ${fmt(r.tsDecodeOverJsonParse as number)}x`,
  );
}

const crossover: Record<string, unknown>[] = [];
for (const m of crossoverLadder()) {
  check(m);
  const rounds = await measure(
    { 'scan ts': () => validate(m.bytes, { scanner: 'ts' }), 'scan native': () => validate(m.bytes, { scanner: 'native' }) },
    m.bytes.length,
  );
  const r = ratio(rounds, 'scan native', 'scan ts');
  crossover.push({ message: m.name, bytes: m.bytes.length, nativeScanOverTs: r });
  console.log(`crossover ${m.name.padEnd(48)} native/ts scan ${fmt(r)}x`);
}

messages.forEach((m, i) => (rows[i].nativeCallsPerDecode = nativeCallsPerDecode(m)));

const copy = await copyBandwidth();
const big = rows.at(-1)!;
const fromFourK = rows.filter((r) => (r.bytes as number) >= 4096);
const targets = [
  {
    target: 'native scan-and-validate >= 3x pure TS from 4 KiB up',
    measured: Math.min(...fromFourK.map((r) => r.nativeScanOverTs as number)),
    threshold: 3,
  },
  {
    target: 'native scan of the 1 MiB batch >= 0.5x Buffer.copy bandwidth (64 MiB)',
    measured: (big.nativeScanBytesPerSecond as number) / copy,
    threshold: 0.5,
  },
  {
    // Below NATIVE_SCAN_MIN_BYTES the loader runs the TS path itself: a ratio there is only noise.
    target: `decode through the loader never slower than pure TS (min over sizes >= ${NATIVE_SCAN_MIN_BYTES} B, where it uses the addon)`,
    measured: Math.min(...rows.filter((r) => (r.bytes as number) >= NATIVE_SCAN_MIN_BYTES).map((r) => r.loaderDecodeOverTs as number)),
    threshold: 0.95,
  },
  {
    target: 'pure-TS decode >= 3x JSON.parse of the same message in KMIP JSON (min over sizes)',
    measured: Math.min(...rows.map((r) => r.tsDecodeOverJsonParse as number)),
    threshold: 3,
  },
  {
    target: 'one native call per message, never one per item',
    measured: Math.max(...rows.map((r) => r.nativeCallsPerDecode as number)),
    threshold: 1,
    lowerIsBetter: true,
  },
].map((t) => ({ ...t, pass: t.lowerIsBetter ? t.measured <= t.threshold : t.measured >= t.threshold }));

const result = {
  bench: 'codec',
  date: new Date().toISOString(),
  node: process.version,
  codec: codecInfo,
  nativeScanMinBytes: NATIVE_SCAN_MIN_BYTES,
  sampleTimeMs: TIME_MS,
  rounds: ROUNDS,
  bufferCopyBytesPerSecond: copy,
  ladder: rows,
  crossover,
  targets,
};
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(new URL('./results/codec.json', import.meta.url), JSON.stringify(result, null, 2) + '\n');
for (const t of targets) console.log(`${t.pass ? 'PASS' : 'MISS'}  ${t.target}: ${fmt(t.measured)} (target ${t.threshold})`);
console.log('wrote bench/results/codec.json');
