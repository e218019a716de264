// The semantics both stores share, run over each.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store, StoreTx } from '../../src/store/index.js';
import { factories, record } from './fixtures/stores.js';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe.each(factories)('$name store', (factory) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ store, cleanup } = await factory.open());
  });
  afterEach(async () => {
    await cleanup();
  });

  const tx = <T>(fn: (tx: StoreTx) => Promise<T>) => store.transaction(fn);

  describe('objects', () => {
    it('round-trips a record and its material, with store-set fields', async () => {
      const r = record({ names: ['b', 'a', 'b'] });
      const material = randomBytes(48);
      await tx((t) => t.insert(r, material));
      const got = await tx((t) => t.get(r.uid));
      expect(got).toEqual({ ...r, attributes: new Uint8Array(r.attributes), seq: expect.any(Number), revision: 1, hasMaterial: true });
      expect(Buffer.from((await tx((t) => t.getMaterial(r.uid)))!)).toEqual(material);
    });

    it('keeps an object without material', async () => {
      const r = record();
      await tx((t) => t.insert(r, null));
      expect((await tx((t) => t.get(r.uid)))!.hasMaterial).toBe(false);
      expect(await tx((t) => t.getMaterial(r.uid))).toBeUndefined();
    });

    it('answers undefined for an unknown uid', async () => {
      expect(await tx((t) => t.get('nope'))).toBeUndefined();
      expect(await tx((t) => t.getMaterial('nope'))).toBeUndefined();
      expect(await tx((t) => t.grants('nope'))).toEqual([]);
    });

    it('hands out copies and keeps none of the caller’s buffers', async () => {
      const r = record();
      const material = Uint8Array.from(randomBytes(32));
      const saved = Buffer.from(material);
      const attrs = Buffer.from(r.attributes);
      await tx((t) => t.insert(r, material));
      // The caller reuses its buffers after the insert.
      material.fill(0);
      (r.attributes as Uint8Array).fill(0xee);
      (r.names as string[]).push('late');
      const got = (await tx((t) => t.get(r.uid)))!;
      expect(Buffer.from(got.attributes)).toEqual(attrs);
      expect(got.names).toEqual([r.names[0]]);
      // Mutating what the store handed out changes nothing stored.
      (got.attributes as Uint8Array).fill(1);
      (got.names as string[]).length = 0;
      const m1 = (await tx((t) => t.getMaterial(r.uid)))!;
      m1.fill(0);
      const again = (await tx((t) => t.get(r.uid)))!;
      expect(Buffer.from(again.attributes)).toEqual(attrs);
      expect(again.names).toHaveLength(1);
      expect(Buffer.from((await tx((t) => t.getMaterial(r.uid)))!)).toEqual(saved);
    });

    it('refuses a second insert of one uid with EXISTS, and an update of a missing one with NOT_FOUND', async () => {
      const r = record();
      await tx((t) => t.insert(r, null));
      await expect(tx((t) => t.insert({ ...r, owner: 'mallory' }, null))).rejects.toMatchObject({ code: 'EXISTS' });
      expect((await tx((t) => t.get(r.uid)))!.owner).toBe('alice');
      await expect(tx((t) => t.update(record()))).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(tx((t) => t.setGrant('nope', 'bob', [1]))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });

    it('replaces metadata on update, bumps the revision, keeps seq; material left, replaced or erased', async () => {
      const r = record();
      const m1 = randomBytes(32);
      const m2 = randomBytes(16);
      await tx((t) => t.insert(r, m1));
      const before = (await tx((t) => t.get(r.uid)))!;
      const changed = { ...r, state: 3, owner: 'bob', names: ['x'], attributes: Uint8Array.of(9), updatedAt: r.updatedAt + 5 };
      await tx((t) => t.update(changed));
      let got = (await tx((t) => t.get(r.uid)))!;
      expect(got).toMatchObject({ state: 3, owner: 'bob', names: ['x'], updatedAt: r.updatedAt + 5, seq: before.seq, revision: 2, hasMaterial: true });
      expect(Array.from(got.attributes)).toEqual([9]);
      expect(Buffer.from((await tx((t) => t.getMaterial(r.uid)))!)).toEqual(m1);
      await tx((t) => t.update(changed, m2));
      expect(Buffer.from((await tx((t) => t.getMaterial(r.uid)))!)).toEqual(m2);
      await tx((t) => t.update(changed, null));
      got = (await tx((t) => t.get(r.uid)))!;
      expect(got).toMatchObject({ revision: 4, hasMaterial: false });
      expect(await tx((t) => t.getMaterial(r.uid))).toBeUndefined();
      expect(await tx((t) => t.query({ name: r.names[0] }))).toEqual([]);
      expect((await tx((t) => t.query({ name: 'x' }))).map((o) => o.uid)).toEqual([r.uid]);
    });

    it('removes an object with its material, names and grants; a new one under the uid comes later in order', async () => {
      const a = record();
      const b = record();
      await tx(async (t) => {
        await t.insert(a, randomBytes(32));
        await t.insert(b, null);
        await t.setGrant(a.uid, 'bob', [10]);
      });
      await tx((t) => t.remove(a.uid));
      await tx((t) => t.remove('never-existed'));
      expect(await tx((t) => t.get(a.uid))).toBeUndefined();
      expect(await tx((t) => t.getMaterial(a.uid))).toBeUndefined();
      expect(await tx((t) => t.grants(a.uid))).toEqual([]);
      expect(await tx((t) => t.query({ name: a.names[0] }))).toEqual([]);
      await tx((t) => t.insert({ ...a, names: ['again'] }, null));
      const again = (await tx((t) => t.get(a.uid)))!;
      expect(again).toMatchObject({ hasMaterial: false, revision: 1 });
      expect(await tx((t) => t.grants(a.uid))).toEqual([]);
      expect((await tx((t) => t.query({}))).map((o) => o.uid)).toEqual([b.uid, a.uid]);
    });
  });

  describe('query', () => {
    // alice: k1 (key, active, "shared"), k2 (cert, pre-active); bob: k3 (key, active, "shared"), k4 granted to alice.
    const ids = { k1: '', k2: '', k3: '', k4: '' };
    beforeEach(async () => {
      const k1 = record({ objectType: 2, state: 2, owner: 'alice', names: ['shared', 'k1'] });
      const k2 = record({ objectType: 1, state: 1, owner: 'alice', names: ['k2'] });
      const k3 = record({ objectType: 2, state: 2, owner: 'bob', names: ['shared'] });
      const k4 = record({ objectType: 3, state: 5, owner: 'bob', names: [] });
      Object.assign(ids, { k1: k1.uid, k2: k2.uid, k3: k3.uid, k4: k4.uid });
      await tx(async (t) => {
        for (const r of [k1, k2, k3, k4]) await t.insert(r, null);
        await t.setGrant(k4.uid, 'alice', [10, 3]);
      });
    });
    const q = async (query: Parameters<StoreTx['query']>[0]) => (await tx((t) => t.query(query))).map((r) => r.uid);

    it('filters by each field, alone and combined', async () => {
      expect(await q({})).toEqual([ids.k1, ids.k2, ids.k3, ids.k4]);
      expect(await q({ objectTypes: [2] })).toEqual([ids.k1, ids.k3]);
      expect(await q({ objectTypes: [3, 1] })).toEqual([ids.k2, ids.k4]);
      expect(await q({ states: [2, 5] })).toEqual([ids.k1, ids.k3, ids.k4]);
      expect(await q({ name: 'shared' })).toEqual([ids.k1, ids.k3]);
      expect(await q({ name: 'k1' })).toEqual([ids.k1]);
      expect(await q({ name: 'nothing' })).toEqual([]);
      expect(await q({ uids: [ids.k4, ids.k2, 'absent'] })).toEqual([ids.k2, ids.k4]);
      expect(await q({ name: 'shared', objectTypes: [2], states: [2], uids: [ids.k3] })).toEqual([ids.k3]);
    });

    it('treats an empty list as matching nothing', async () => {
      expect(await q({ uids: [] })).toEqual([]);
      expect(await q({ objectTypes: [] })).toEqual([]);
      expect(await q({ states: [] })).toEqual([]);
    });

    it('shows a principal its own objects and those granted to it', async () => {
      expect(await q({ visibleTo: 'alice' })).toEqual([ids.k1, ids.k2, ids.k4]);
      expect(await q({ visibleTo: 'bob' })).toEqual([ids.k3, ids.k4]);
      expect(await q({ visibleTo: 'carol' })).toEqual([]);
      expect(await q({ visibleTo: 'alice', name: 'shared' })).toEqual([ids.k1]);
      await tx((t) => t.setGrant(ids.k4, 'alice', []));
      expect(await q({ visibleTo: 'alice' })).toEqual([ids.k1, ids.k2]);
    });

    it('pages in insertion order with afterSeq and limit', async () => {
      const all = await tx((t) => t.query({}));
      const seqs = all.map((r) => r.seq!);
      expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
      const pages: string[][] = [];
      let after: number | undefined;
      for (;;) {
        const page = await tx((t) => t.query({ afterSeq: after, limit: 3 }));
        if (page.length === 0) break;
        pages.push(page.map((r) => r.uid));
        after = page[page.length - 1].seq;
      }
      expect(pages).toEqual([[ids.k1, ids.k2, ids.k3], [ids.k4]]);
      expect(await q({ limit: 0 })).toEqual([]);
      expect(await q({ visibleTo: 'alice', afterSeq: seqs[0], limit: 1 })).toEqual([ids.k2]);
    });

    it('returns complete records', async () => {
      const [r] = await tx((t) => t.query({ uids: [ids.k1] }));
      expect(r).toMatchObject({ uid: ids.k1, owner: 'alice', names: ['shared', 'k1'], revision: 1, hasMaterial: false });
      const [none] = await tx((t) => t.query({ uids: [ids.k4] }));
      expect(none.names).toEqual([]);
    });
  });

  describe('grants', () => {
    it('sets, replaces and removes a grant, listing principals in order', async () => {
      const r = record();
      await tx((t) => t.insert(r, null));
      await tx(async (t) => {
        await t.setGrant(r.uid, 'zed', [5]);
        await t.setGrant(r.uid, 'bob', [10, 3, 10]);
      });
      expect(await tx((t) => t.grants(r.uid))).toEqual([
        { uid: r.uid, principal: 'bob', operations: [3, 10] },
        { uid: r.uid, principal: 'zed', operations: [5] },
      ]);
      await tx((t) => t.setGrant(r.uid, 'bob', [1]));
      await tx((t) => t.setGrant(r.uid, 'zed', []));
      await tx((t) => t.setGrant(r.uid, 'nobody', []));
      expect(await tx((t) => t.grants(r.uid))).toEqual([{ uid: r.uid, principal: 'bob', operations: [1] }]);
    });
  });

  describe('transactions', () => {
    it('a rejected transaction leaves nothing of what it wrote', async () => {
      const keep = record();
      await tx(async (t) => {
        await t.insert(keep, randomBytes(32));
        await t.setGrant(keep.uid, 'bob', [1]);
      });
      const before = await tx((t) => t.query({}));
      const boom = new Error('boom');
      const fresh = record();
      await expect(
        tx(async (t) => {
          await t.insert(fresh, randomBytes(32));
          await t.update({ ...keep, owner: 'mallory' }, null);
          await t.setGrant(keep.uid, 'bob', []);
          await t.setGrant(keep.uid, 'eve', [2]);
          await tick();
          await t.remove(keep.uid);
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await tx((t) => t.query({}))).toEqual(before);
      expect(await tx((t) => t.get(fresh.uid))).toBeUndefined();
      expect(await tx((t) => t.grants(keep.uid))).toEqual([{ uid: keep.uid, principal: 'bob', operations: [1] }]);
      expect((await tx((t) => t.getMaterial(keep.uid)))?.byteLength).toBe(32);
    });

    it('rolls back a transaction whose function throws synchronously', async () => {
      const r = record();
      await expect(
        tx((t) => {
          void t.insert(r, null);
          throw new Error('sync');
        }),
      ).rejects.toThrow('sync');
      expect(await tx((t) => t.get(r.uid))).toBeUndefined();
    });

    it('a rejected savepoint undoes its own writes and leaves earlier ones', async () => {
      const a = record();
      const b = record();
      const c = record();
      const result = await tx(async (t) => {
        await t.insert(a, null);
        await expect(
          t.savepoint(async () => {
            await t.insert(b, null);
            await t.update({ ...a, state: 9 });
            await tick();
            throw new Error('item failed');
          }),
        ).rejects.toThrow('item failed');
        expect(await t.get(b.uid)).toBeUndefined();
        expect((await t.get(a.uid))!.state).toBe(a.state);
        expect(await t.savepoint(async () => (await t.insert(c, null), 'kept'))).toBe('kept');
        return 'done';
      });
      expect(result).toBe('done');
      expect((await tx((t) => t.query({}))).map((r) => r.uid)).toEqual([a.uid, c.uid]);
    });

    it('nested savepoints roll back only their own part; the outer transaction can still roll back all', async () => {
      const [a, b, c] = [record(), record(), record()];
      await tx(async (t) => {
        await t.savepoint(async () => {
          await t.insert(a, null);
          await t.savepoint(() => t.insert(b, null)).catch(() => undefined);
          await t.savepoint(async () => {
            await t.insert(c, null);
            throw new Error('inner');
          }).catch(() => undefined);
        });
      });
      expect((await tx((t) => t.query({}))).map((r) => r.uid)).toEqual([a.uid, b.uid]);
      const d = record();
      await expect(
        tx(async (t) => {
          await t.savepoint(() => t.insert(d, null));
          throw new Error('outer');
        }),
      ).rejects.toThrow('outer');
      expect(await tx((t) => t.get(d.uid))).toBeUndefined();
    });

    it('concurrent transactions never interleave', async () => {
      const counter = record({ uid: 'counter', state: 0 });
      await tx((t) => t.insert(counter, null));
      let inside = 0;
      let overlaps = 0;
      const N = 40;
      const results = await Promise.all(
        Array.from({ length: N }, (_, i) =>
          tx(async (t) => {
            if (++inside > 1) overlaps++;
            const cur = (await t.get('counter'))!;
            await tick();
            // Read-modify-write across awaits: interleaving would lose increments.
            await t.update({ ...counter, state: cur.state + 1 });
            if (i % 5 === 0) {
              await t.insert(record(), null);
              await tick();
              inside--;
              throw new Error('rolled back');
            }
            await new Promise((r) => setTimeout(r, 1));
            inside--;
            return cur.state;
          }).catch(() => -1),
        ),
      );
      expect(overlaps).toBe(0);
      const committed = results.filter((r) => r >= 0);
      expect(committed).toHaveLength(N - N / 5);
      // Each committed transaction saw the previous committed value: 0, 1, 2, … in order.
      expect(committed).toEqual(committed.map((_, i) => i));
      expect((await tx((t) => t.get('counter')))!.state).toBe(committed.length);
      expect(await tx((t) => t.query({}))).toHaveLength(1);
    });

    it('a transaction handle is dead once its transaction ended', async () => {
      let kept: StoreTx | undefined;
      await tx(async (t) => {
        kept = t;
      });
      await expect(kept!.get('x')).rejects.toMatchObject({ code: 'CLOSED' });
      await expect(kept!.insert(record(), null)).rejects.toMatchObject({ code: 'CLOSED' });
    });

    it('a transaction opened inside another one on the same store fails instead of deadlocking', async () => {
      await expect(tx(() => tx(async () => 1))).rejects.toThrow(/inside a transaction/);
      // The store still works afterwards.
      expect(await tx(async () => 2)).toBe(2);
    });

    it('a transaction that waits past maxWaitMs fails with BUSY, and the queue behind it still moves', async () => {
      (store as unknown as { maxWaitMs: number }).maxWaitMs = 50;
      let finish!: () => void;
      const held = new Promise<void>((r) => (finish = r));
      const first = tx(() => held);
      await expect(tx(async () => 'never')).rejects.toMatchObject({ code: 'BUSY' });
      const third = tx(async () => 3);
      finish();
      await first;
      expect(await third).toBe(3);
    });

    it('refuses to commit around savepoints running side by side', async () => {
      const [a, b] = [record(), record()];
      await expect(
        tx(async (t) => {
          await Promise.all([
            t.savepoint(async () => {
              await t.insert(a, null);
              await tick();
            }),
            t.savepoint(async () => {
              await tick();
              await t.insert(b, null);
              await tick();
            }),
          ]);
        }),
      ).rejects.toThrow(/concurrently/);
      expect(await tx((t) => t.query({}))).toEqual([]);
    });

    it('close waits for queued transactions, then refuses new ones with CLOSED', async () => {
      const r = record();
      const running = tx(async (t) => {
        await tick();
        await t.insert(r, null);
        return 'finished';
      });
      const closing = store.close();
      await expect(running).resolves.toBe('finished');
      await closing;
      await expect(tx(async () => 1)).rejects.toMatchObject({ code: 'CLOSED' });
      await store.close();
    });
  });
});

// Outside the per-store loop: the check is read when the module loads, so this runs in a child process.
it('without the exact check (KMIPKIT_STORE_CHECKS unset in production), a nested transaction fails with BUSY, not a hang', async () => {
  const { spawnSync } = await import('node:child_process');
  const script = `
    import { openStore } from './src/store/index.ts';
    const store = await openStore({ kind: 'memory' });
    store.maxWaitMs = 100;
    try { await store.transaction(() => store.transaction(async () => 1)); console.log('no error'); }
    catch (e) { console.log(e.code); }
    console.log(await store.transaction(async () => 'alive'));
  `;
  const env = { ...process.env };
  delete env.KMIPKIT_STORE_CHECKS;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', env, timeout: 30_000 });
  expect(r.stdout.trim().split('\n')).toEqual(['BUSY', 'alive']);
});
