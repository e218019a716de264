// A quick probe, not a test: durable transactions per second through the store (one insert with 32
// bytes of sealed material per transaction) against bare better-sqlite3 autocommit inserts with the
// same pragmas, in one run, as a ratio. Run: npx tsx bench/store-probe.ts [transactions per round]
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { openStore } from '../src/store/index.js';

const N = Number(process.argv[2] ?? 300);
const ROUNDS = 5;
// The files must be on a real disk: on tmpfs an fsync costs nothing and the figure means nothing.
const dir = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'kmipkit-store-probe-'));

async function viaStore(round: number): Promise<number> {
  const store = await openStore({ kind: 'sqlite', path: join(dir, `store-${round}.db`), masterKey: randomBytes(32) });
  const attributes = randomBytes(64);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    await store.transaction((tx) =>
      tx.insert({ uid: `u${i}`, objectType: 2, state: 1, owner: 'bench', attributes, names: [`n${i}`], createdAt: i, updatedAt: i }, randomBytes(32)),
    );
  }
  const ms = performance.now() - t0;
  const count = await store.transaction(async (tx) => (await tx.query({})).length);
  if (count !== N) throw new Error(`store holds ${count} objects, expected ${N}`);
  await store.close();
  return (N * 1000) / ms;
}

function bare(round: number): number {
  const db = new Database(join(dir, `bare-${round}.db`));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE t (uid TEXT PRIMARY KEY, attributes BLOB, material BLOB)');
  const insert = db.prepare('INSERT INTO t VALUES (?, ?, ?)');
  const attributes = randomBytes(64);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) insert.run(`u${i}`, attributes, randomBytes(61));
  const ms = performance.now() - t0;
  const count = db.prepare('SELECT count(*) FROM t').pluck().get();
  if (count !== N) throw new Error(`bare table holds ${count} rows, expected ${N}`);
  db.close();
  return (N * 1000) / ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ratios: number[] = [];
const stores: number[] = [];
const bares: number[] = [];
try {
  for (let r = 0; r < ROUNDS; r++) {
    // Alternate which side runs first, so neither always gets the warmer disk.
    const [s, b] = r % 2 ? [await viaStore(r), bare(r)] : [bare(r), await viaStore(r)].reverse();
    stores.push(s);
    bares.push(b);
    ratios.push(s / b);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`${N} one-insert transactions per round, ${ROUNDS} rounds, files under ${process.env.BENCH_DIR ?? tmpdir()}`);
console.log(`store.transaction:        median ${median(stores).toFixed(0)} tx/s  (${stores.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`bare autocommit insert:   median ${median(bares).toFixed(0)} tx/s  (${bares.map((x) => x.toFixed(0)).join(', ')})`);
console.log(`ratio store / bare: median ${median(ratios).toFixed(2)}  (${ratios.map((x) => x.toFixed(2)).join(', ')})`);
