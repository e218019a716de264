// The durability baseline: what a durable Create must at least cost. In its own process, with the
// store's own schema (dist/store/migrations.js) and pragmas (WAL, synchronous=FULL, foreign_keys,
// secure_delete), one transaction per object doing the store's inserts: BEGIN IMMEDIATE, the uid
// check, the objects row, its names, its sealed material, COMMIT (one fsync of the WAL). Row sizes
// come from the parent, measured on the server's own database. Plain JS, run by node like the
// server child. Prints one JSON line with the commit rate over the measured window.
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';

/** @type {{ dist: string; dir: string; warmupMs: number; durationMs: number; attributesBytes: number; sealedBytes: number; names: number }} */
const cfg = JSON.parse(process.argv[2]);
const { migrate } = await import(pathToFileURL(`${cfg.dist}/store/migrations.js`).href);
const db = new Database(join(cfg.dir, `bare-${process.pid}.db`));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.pragma('foreign_keys = ON');
db.pragma('secure_delete = ON');
migrate(db);

const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
const exists = db.prepare('SELECT 1 FROM objects WHERE uid = ?').pluck();
const insert = db.prepare(`INSERT INTO objects (uid, object_type, state, owner, attributes, created_at, updated_at, revision)
  VALUES (?, 2, 1, 'bench-client', ?, ?, ?, 1)`);
const insertName = db.prepare('INSERT INTO object_names (uid, pos, name) VALUES (?, ?, ?)');
const putMaterial = db.prepare('INSERT INTO material (uid, sealed) VALUES (?, ?) ON CONFLICT (uid) DO UPDATE SET sealed = excluded.sealed');
const attributes = randomBytes(cfg.attributesBytes);

let n = 0;
function one() {
  const uid = randomUUID();
  const now = Date.now();
  begin.run();
  if (exists.get(uid)) throw new Error('uid collision');
  insert.run(uid, attributes, now, now);
  for (let i = 0; i < cfg.names; i++) insertName.run(uid, i, `bench-${n}-${i}`);
  putMaterial.run(uid, randomBytes(cfg.sealedBytes));
  commit.run();
  n++;
}

let t0 = performance.now();
while (performance.now() - t0 < cfg.warmupMs) one();
const before = n;
const cpu0 = process.cpuUsage();
t0 = performance.now();
while (performance.now() - t0 < cfg.durationMs) one();
const elapsed = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const count = n - before;
const rows = db.prepare('SELECT count(*) FROM objects').pluck().get();
db.close();
if (rows !== n) throw new Error(`table holds ${rows} rows, expected ${n}`);
process.stdout.write(JSON.stringify({ count, elapsedMs: elapsed, opsPerSec: (count * 1000) / elapsed, cpuMsPerCommit: (cpu.user + cpu.system) / 1000 / count }) + '\n');
