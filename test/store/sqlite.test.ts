// What only the SQLite store has: a file on disk, sealed material in it, and a master key bound to it.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreError } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { record, tempDir } from './fixtures/stores.js';

let dir: string;
let cleanup: () => void;
let path: string;
let masterKey: Buffer;
const open = (key: Uint8Array = masterKey): Promise<Store> => openStore({ kind: 'sqlite', path, masterKey: key });

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'kmip.db');
  masterKey = randomBytes(32);
});
afterEach(() => cleanup());

/** Every file SQLite keeps for the database, read raw. */
function rawFiles(): Buffer[] {
  return [path, `${path}-wal`, `${path}-shm`, `${path}-journal`].filter((p) => existsSync(p)).map((p) => readFileSync(p));
}
const occursIn = (needle: Uint8Array) => rawFiles().some((f) => f.includes(Buffer.from(needle)));

describe('sqlite store on disk', () => {
  it('never writes key material in plaintext, while open or after close', async () => {
    const store = await open();
    const secrets = Array.from({ length: 5 }, () => randomBytes(32));
    // A positive control: the same kind of marker in the (unsealed) attributes is found by the search.
    const marker = randomBytes(32);
    await store.transaction(async (t) => {
      for (const [i, s] of secrets.entries()) await t.insert(record({ uid: `k${i}`, attributes: i === 0 ? marker : Uint8Array.of(1) }), s);
    });
    const replacement = randomBytes(32);
    await store.transaction((t) => t.update(record({ uid: 'k1' }), replacement));
    expect(occursIn(marker)).toBe(true);
    for (const s of [...secrets, replacement]) expect(occursIn(s)).toBe(false);
    await store.close();
    expect(occursIn(marker)).toBe(true);
    for (const s of [...secrets, replacement]) expect(occursIn(s)).toBe(false);
  });

  it('stores version | nonce | ciphertext | tag, a fresh nonce per write', async () => {
    const store = await open();
    const secret = randomBytes(32);
    await store.transaction(async (t) => {
      await t.insert(record({ uid: 'a' }), secret);
      await t.insert(record({ uid: 'b' }), secret);
    });
    await store.close();
    const db = new Database(path, { readonly: true });
    const rows = db.prepare('SELECT uid, sealed FROM material ORDER BY uid').all() as { uid: string; sealed: Buffer }[];
    db.close();
    expect(rows.map((r) => [r.uid, r.sealed.byteLength, r.sealed[0]])).toEqual([
      ['a', 1 + 12 + 32 + 16, 1],
      ['b', 1 + 12 + 32 + 16, 1],
    ]);
    expect(rows[0].sealed.subarray(1, 13).equals(rows[1].sealed.subarray(1, 13))).toBe(false);
  });

  it('erases a destroyed key’s sealed blob from the file', async () => {
    const store = await open();
    await store.transaction((t) => t.insert(record({ uid: 'd' }), randomBytes(64)));
    await store.close();
    const db = new Database(path);
    const sealed = db.prepare("SELECT sealed FROM material WHERE uid = 'd'").pluck().get() as Buffer;
    db.close();
    const again = await open();
    await again.transaction((t) => t.update(record({ uid: 'd' }), null));
    await again.close();
    expect(occursIn(sealed)).toBe(false);
  });

  describe('a sealed blob that was tampered with fails to open with SEAL', () => {
    // Each turns b's blob (given a's too) into the blob written back in b's place.
    const cases: [string, (b: Buffer, a: Buffer) => Buffer][] = [
      ['copied onto another object', (_b, a) => a],
      ['one ciphertext bit flipped', (b) => (b[20] ^= 1, b)],
      ['one tag bit flipped', (b) => (b[b.length - 1] ^= 0x80, b)],
      ['one nonce bit flipped', (b) => (b[3] ^= 4, b)],
      ['truncated', (b) => b.subarray(0, 20)],
      ['an unknown version byte', (b) => (b[0] = 2, b)],
    ];
    it.each(cases)('%s', async (_, tamper) => {
      const store = await open();
      const secretB = randomBytes(32);
      await store.transaction(async (t) => {
        await t.insert(record({ uid: 'a' }), randomBytes(32));
        await t.insert(record({ uid: 'b' }), secretB);
      });
      await store.close();
      const db = new Database(path);
      const blob = (uid: string) => db.prepare('SELECT sealed FROM material WHERE uid = ?').pluck().get(uid) as Buffer;
      const before = blob('b');
      db.prepare("UPDATE material SET sealed = ? WHERE uid = 'b'").run(tamper(Buffer.from(before), blob('a')));
      expect((db.prepare("SELECT sealed FROM material WHERE uid = 'b'").pluck().get() as Buffer).equals(before)).toBe(false);
      db.close();
      const reopened = await open();
      const err = await reopened.transaction((t) => t.getMaterial('b')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StoreError);
      expect(err).toMatchObject({ code: 'SEAL' });
      expect((err as Error).message).not.toContain(secretB.toString('hex'));
      // The untouched object still opens.
      expect((await reopened.transaction((t) => t.getMaterial('a')))?.byteLength).toBe(32);
      await reopened.close();
    });
  });

  it('refuses a wrong master key at open, clearly, and opens with the right one', async () => {
    const store = await open();
    const secret = randomBytes(32);
    await store.transaction((t) => t.insert(record({ uid: 'k' }), secret));
    await store.close();
    await expect(open(randomBytes(32))).rejects.toMatchObject({ code: 'SEAL', message: 'master key does not match this database' });
    const again = await open(Buffer.from(masterKey));
    expect(Buffer.from((await again.transaction((t) => t.getMaterial('k')))!)).toEqual(secret);
    await again.close();
  });

  it('refuses a master key that is not 32 bytes', async () => {
    await expect(open(randomBytes(16))).rejects.toMatchObject({ code: 'SEAL' });
  });

  it('keeps the caller’s master key buffer its own: zeroizing it after open changes nothing', async () => {
    const key = Buffer.from(masterKey);
    const store = await open(key);
    key.fill(0);
    const secret = randomBytes(32);
    await store.transaction((t) => t.insert(record({ uid: 'k' }), secret));
    expect(Buffer.from((await store.transaction((t) => t.getMaterial('k')))!)).toEqual(secret);
    await store.close();
  });

  it.runIf(process.platform !== 'win32')('creates the database and its WAL private to the owner (0600)', async () => {
    const store = await open();
    await store.transaction((t) => t.insert(record(), null));
    for (const p of [path, `${path}-wal`, `${path}-shm`]) expect([p, statSync(p).mode & 0o777]).toEqual([p, 0o600]);
    await store.close();
  });

  it('leaves the file in WAL mode at schema version 1', async () => {
    await (await open()).close();
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
  });

  it('reports a file that is not a database as CORRUPT', async () => {
    writeFileSync(path, randomBytes(8192));
    await expect(open()).rejects.toMatchObject({ code: 'CORRUPT' });
  });

  it('reports an unreachable path as IO', async () => {
    await expect(openStore({ kind: 'sqlite', path: join(dir, 'missing', 'kmip.db'), masterKey })).rejects.toMatchObject({ code: 'IO' });
  });

  it('keeps data across close and reopen, with seq continuing', async () => {
    const store = await open();
    await store.transaction((t) => t.insert(record({ uid: 'one' }), null));
    await store.close();
    const again = await open();
    await again.transaction((t) => t.insert(record({ uid: 'two' }), null));
    const all = await again.transaction((t) => t.query({}));
    expect(all.map((r) => r.uid)).toEqual(['one', 'two']);
    expect(all[1].seq!).toBeGreaterThan(all[0].seq!);
    await again.close();
  });
});
