// Reads within one transaction after writes: get() brings the sealed material along and the SQLite
// store keeps it until the next write, so every write and savepoint rollback must be seen by a later
// getMaterial() in the same transaction. Run over both stores.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { factories, record } from './fixtures/stores.js';

describe.each(factories)('$name store: material read after writes in the same transaction', (factory) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await factory.open());
  });
  afterEach(async () => {
    await cleanup();
  });
  const bytesOf = (u: Uint8Array | undefined) => (u === undefined ? undefined : Buffer.from(u));

  it('sees an update, a savepoint rollback, a remove, and another uid', async () => {
    const a = record({ names: ['a'] });
    const b = record({ names: [] });
    const [m1, m2, mb] = [randomBytes(32), randomBytes(32), randomBytes(16)];
    await store.transaction(async (t) => {
      await t.insert(a, m1);
      await t.insert(b, mb);
    });
    await store.transaction(async (t) => {
      expect((await t.get(a.uid))!.names).toEqual(['a']);
      expect(bytesOf(await t.getMaterial(a.uid))).toEqual(m1);
      // Another uid after a get of a: its own material, not a's.
      expect(bytesOf(await t.getMaterial(b.uid))).toEqual(mb);
      expect((await t.get(b.uid))!.names).toEqual([]);
      await t.get(a.uid);
      await t.update({ ...a, updatedAt: a.updatedAt + 1 }, m2);
      expect(bytesOf(await t.getMaterial(a.uid))).toEqual(m2);
      // A savepoint that rewrites the material and rolls back: the old material again.
      await t.get(a.uid);
      await t.savepoint(async () => {
        await t.update({ ...a, updatedAt: a.updatedAt + 2 }, randomBytes(32));
        expect(bytesOf(await t.getMaterial(a.uid))).not.toEqual(m2);
        throw new Error('undo');
      }).catch(() => undefined);
      expect(bytesOf(await t.getMaterial(a.uid))).toEqual(m2);
      // Material removed by an update with null, then the object removed.
      await t.get(a.uid);
      await t.update({ ...a, updatedAt: a.updatedAt + 3 }, null);
      expect(await t.getMaterial(a.uid)).toBeUndefined();
      expect((await t.get(a.uid))!.hasMaterial).toBe(false);
      await t.get(b.uid);
      await t.remove(b.uid);
      expect(await t.getMaterial(b.uid)).toBeUndefined();
      expect(await t.get(b.uid)).toBeUndefined();
    });
  });
});
