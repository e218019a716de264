// The durability baseline: single-row autocommit inserts into SQLite in WAL mode with
// synchronous=FULL (one fsync per insert, as a durable Create needs), in its own process, for a
// fixed time. Prints one JSON line with the insert rate.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';

const { dir, durationMs } = JSON.parse(process.argv[2]) as { dir: string; durationMs: number };
const db = new Database(join(dir, 'bare.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, uid TEXT UNIQUE, material BLOB)');
const insert = db.prepare('INSERT INTO t (uid, material) VALUES (?, ?)');
let n = 0;
const t0 = performance.now();
while (performance.now() - t0 < durationMs) insert.run(`u${n++}`, randomBytes(64));
const elapsed = performance.now() - t0;
const rows = db.prepare('SELECT count(*) FROM t').pluck().get() as number;
db.close();
if (rows !== n) throw new Error(`table holds ${rows} rows, expected ${n}`);
process.stdout.write(JSON.stringify({ count: n, elapsedMs: elapsed, opsPerSec: (n * 1000) / elapsed }) + '\n');
