// Group commit in the SQLite store: write transactions that arrive together share one commit, yet each
// resolves only once its writes are durable, and each fails or succeeds on its own.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore, StoreError } from '../../src/store/index.js';
import type { Store } from '../../src/store/index.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { record, tempDir } from './fixtures/stores.js';

let dir: string;
let cleanup: () => void;
let path: string;
const masterKey = randomBytes(32);
const open = (groupCommit?: boolean): Promise<Store> => openStore({ kind: 'sqlite', path, masterKey, groupCommit });

// Counts the store's commits (COMMIT statements) and can make the next ones fail, the way a full disk
// would: the real commit is not run, the transaction is rolled back, and the error propagates.
type Hooked = { commit(tx: unknown): void; rollback(tx: unknown): void };
const proto = SqliteStore.prototype as unknown as Hooked;
const realCommit = proto.commit;
let commits = 0;
let failCommits = 0;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'kmip.db');
  commits = 0;
  failCommits = 0;
  proto.commit = function (this: Hooked, tx: unknown) {
    if (failCommits > 0) {
      failCommits--;
      this.rollback(tx);
      throw new StoreError('IO', 'disk full (injected)');
    }
    commits++;
    realCommit.call(this, tx);
  };
});
afterEach(() => {
  proto.commit = realCommit;
  cleanup();
});

/** What another connection sees: committed rows only. */
function committedUids(): string[] {
  const db = new Database(path, { readonly: true });
  try {
    return (db.prepare('SELECT uid FROM objects ORDER BY uid').pluck().all() as string[]);
  } finally {
    db.close();
  }
}

const insert = (store: Store, uid: string) => store.transaction((t) => t.insert(record({ uid }), randomBytes(32)));

describe('sqlite group commit', () => {
  it('commits writes that arrive together once, and each resolves only when another connection sees it', async () => {
    const store = await open();
    const uids = Array.from({ length: 8 }, (_, i) => `g${i}`);
    const seenAtResolve = new Map<string, boolean>();
    await Promise.all(uids.map((uid) => insert(store, uid).then(() => seenAtResolve.set(uid, committedUids().includes(uid)))));
    expect(commits).toBe(1);
    expect([...seenAtResolve.values()]).toEqual(uids.map(() => true));
    expect(committedUids()).toEqual(uids);
    await store.close();
  });

  it('commits each write on its own with groupCommit false', async () => {
    const store = await open(false);
    await Promise.all(Array.from({ length: 5 }, (_, i) => insert(store, `s${i}`)));
    expect(commits).toBe(5);
    expect(committedUids()).toHaveLength(5);
    await store.close();
  });

  it('commits a lone write in the next event-loop turn, and a read-only transaction at once', async () => {
    const store = await open();
    await insert(store, 'alone');
    expect(commits).toBe(1);
    expect(committedUids()).toEqual(['alone']);
    await store.transaction((t) => t.get('alone'));
    expect(commits).toBe(2);
    await store.close();
  });

  it('rolls back only the member that failed; the others commit together', async () => {
    const store = await open();
    const boom = new Error('member failed');
    const results = await Promise.allSettled([
      insert(store, 'a'),
      store.transaction(async (t) => {
        await t.insert(record({ uid: 'b' }), randomBytes(32));
        throw boom;
      }),
      insert(store, 'c'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toBe(boom);
    expect(commits).toBe(1);
    expect(committedUids()).toEqual(['a', 'c']);
    await store.close();
  });

  it('when the shared commit fails, every member fails and none of their writes is there', async () => {
    const store = await open();
    await insert(store, 'before');
    failCommits = 1;
    const results = await Promise.allSettled(['x', 'y', 'z'].map((uid) => insert(store, uid)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toMatchObject({ code: 'IO' });
    expect(committedUids()).toEqual(['before']);
    // The store goes on: the next write commits.
    await insert(store, 'after');
    expect(committedUids()).toEqual(['after', 'before']);
    await store.close();
  });

  it('a read that joins an open group waits for its commit (it may have read the group’s writes)', async () => {
    const store = await open();
    let visibleWhenReadResolved: boolean | undefined;
    const [, seen] = await Promise.all([
      insert(store, 'w'),
      store.transaction(async (t) => (await t.get('w'))?.uid).then((uid) => {
        visibleWhenReadResolved = committedUids().includes('w');
        return uid;
      }),
    ]);
    expect(seen).toBe('w');
    expect(visibleWhenReadResolved).toBe(true);
    expect(commits).toBe(1);
    await store.close();
  });

  it('close() commits a group still open', async () => {
    const store = await open();
    const pending = insert(store, 'late');
    await store.close();
    await pending;
    expect(committedUids()).toEqual(['late']);
  });

  it('a member whose savepoint ran while another was open still groups and rolls back alone', async () => {
    // Nested savepoints inside a member (the engine runs batch items in them) end before the member does.
    const store = await open();
    const results = await Promise.allSettled([
      insert(store, 'p'),
      store.transaction(async (t) => {
        await t.savepoint(async () => t.insert(record({ uid: 'q1' }), randomBytes(32)));
        await t.savepoint(async () => {
          await t.insert(record({ uid: 'q2' }), randomBytes(32));
          throw new Error('second item failed');
        }).catch(() => undefined);
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(commits).toBe(1);
    expect(committedUids()).toEqual(['p', 'q1']);
    await store.close();
  });
});
