// Schema versioning: an older file is upgraded in place keeping its data; a newer one is refused.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/store/migrations.js';
import type { Migration } from '../../src/store/migrations.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { record, tempDir } from './fixtures/stores.js';

let cleanup: () => void;
let path: string;
const masterKey = randomBytes(32);
const secret = randomBytes(32);

// A test-only schema 2: a label column derived from existing rows, and an index on it.
const v2: Migration = {
  version: 2,
  up: (db) => {
    db.exec("ALTER TABLE objects ADD COLUMN label TEXT; UPDATE objects SET label = 'L-' || uid; CREATE INDEX objects_label ON objects(label);");
  },
};

const raw = <T>(f: (db: Database.Database) => T): T => {
  const db = new Database(path);
  try {
    return f(db);
  } finally {
    db.close();
  }
};
const userVersion = () => raw((db) => db.pragma('user_version', { simple: true }));

beforeEach(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  path = join(t.dir, 'kmip.db');
  const store = await openSqliteStore({ path, masterKey });
  await store.transaction(async (tx) => {
    await tx.insert(record({ uid: 'a', names: ['alpha'] }), secret);
    await tx.insert(record({ uid: 'b' }), null);
    await tx.setGrant('a', 'bob', [10]);
  });
  await store.close();
});
afterEach(() => cleanup());

describe('migrations', () => {
  it('upgrades a v1 file in place, keeping objects, material and grants', async () => {
    expect(userVersion()).toBe(1);
    const store = await openSqliteStore({ path, masterKey }, { migrations: [...MIGRATIONS, v2] });
    expect(userVersion()).toBe(2);
    await store.transaction(async (tx) => {
      expect(await tx.get('a')).toMatchObject({ uid: 'a', names: ['alpha'], hasMaterial: true });
      expect(Buffer.from((await tx.getMaterial('a'))!)).toEqual(secret);
      expect(await tx.grants('a')).toEqual([{ uid: 'a', principal: 'bob', operations: [10] }]);
      expect((await tx.query({ name: 'alpha' })).map((r) => r.uid)).toEqual(['a']);
      await tx.insert(record({ uid: 'c' }), randomBytes(16));
    });
    await store.close();
    expect(raw((db) => db.prepare('SELECT uid, label FROM objects ORDER BY seq').all())).toEqual([
      { uid: 'a', label: 'L-a' },
      { uid: 'b', label: 'L-b' },
      { uid: 'c', label: null },
    ]);
    // Opening again at v2 runs nothing twice.
    await (await openSqliteStore({ path, masterKey }, { migrations: [...MIGRATIONS, v2] })).close();
    expect(userVersion()).toBe(2);
  });

  it('refuses a database newer than the code with SCHEMA, leaving it untouched', async () => {
    await (await openSqliteStore({ path, masterKey }, { migrations: [...MIGRATIONS, v2] })).close();
    await expect(openSqliteStore({ path, masterKey })).rejects.toMatchObject({
      code: 'SCHEMA',
      message: expect.stringMatching(/version 2 is newer/),
    });
    expect(userVersion()).toBe(2);
  });

  it('rolls back a failing migration whole, leaving the previous version', async () => {
    const broken: Migration = {
      version: 2,
      up: (db) => {
        db.exec('CREATE TABLE half (x INTEGER)');
        db.exec('DELETE FROM objects');
        throw new Error('migration bug');
      },
    };
    await expect(openSqliteStore({ path, masterKey }, { migrations: [...MIGRATIONS, broken] })).rejects.toMatchObject({ code: 'SCHEMA' });
    expect(userVersion()).toBe(1);
    expect(raw((db) => db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get())).toBe(0);
    const store = await openSqliteStore({ path, masterKey });
    expect((await store.transaction((tx) => tx.query({}))).map((r) => r.uid)).toEqual(['a', 'b']);
    await store.close();
  });

  it('runs every migration on a fresh file', async () => {
    const fresh = join(path, '..', 'fresh.db');
    await (await openSqliteStore({ path: fresh, masterKey }, { migrations: [...MIGRATIONS, v2] })).close();
    const db = new Database(fresh);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(db.prepare("SELECT count(*) FROM pragma_table_info('objects') WHERE name = 'label'").pluck().get()).toBe(1);
    db.close();
  });

  it('rejects a migration list that is not numbered 1, 2, 3…', async () => {
    await expect(openSqliteStore({ path, masterKey }, { migrations: [...MIGRATIONS, { ...v2, version: 3 }] })).rejects.toThrow(/expected 2/);
    expect(userVersion()).toBe(1);
  });
});
