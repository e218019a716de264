// Random programs of transactions, savepoints and failures run on both stores must observe the same
// things, down to seq numbers after rollbacks (the tables in store.test.ts check the meaning).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NewObjectRecord, ObjectQuery, Store, StoreTx } from '../../src/store/index.js';
import { factories } from './fixtures/stores.js';

const uid = fc.constantFrom('u1', 'u2', 'u3', 'u4', 'u5');
const principal = fc.constantFrom('alice', 'bob', 'carol');
const rec = fc.record({
  uid,
  objectType: fc.integer({ min: 1, max: 3 }),
  state: fc.integer({ min: 1, max: 3 }),
  owner: principal,
  attributes: fc.uint8Array({ maxLength: 8 }),
  names: fc.array(fc.constantFrom('n1', 'n2', 'n3'), { maxLength: 3 }),
  createdAt: fc.nat(),
  updatedAt: fc.nat(),
});
const material = fc.option(fc.uint8Array({ minLength: 1, maxLength: 40 }), { nil: null });
const query: fc.Arbitrary<ObjectQuery> = fc.record(
  {
    visibleTo: principal,
    objectTypes: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    states: fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }),
    name: fc.constantFrom('n1', 'n2', 'n3'),
    uids: fc.array(uid, { maxLength: 3 }),
    afterSeq: fc.integer({ min: 0, max: 10 }),
    limit: fc.integer({ min: 0, max: 4 }),
  },
  { requiredKeys: [] },
);

type Op =
  | { op: 'insert'; r: NewObjectRecord; m: Uint8Array | null }
  | { op: 'update'; r: NewObjectRecord; m: Uint8Array | null | undefined }
  | { op: 'remove'; uid: string }
  | { op: 'grant'; uid: string; p: string; ops: number[] }
  | { op: 'read'; uid: string }
  | { op: 'query'; q: ObjectQuery }
  | { op: 'savepoint'; body: Op[]; fail: boolean };

const leaf: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), r: rec, m: material }),
  fc.record({ op: fc.constant('update' as const), r: rec, m: fc.option(material, { nil: undefined }) }),
  fc.record({ op: fc.constant('remove' as const), uid }),
  fc.record({ op: fc.constant('grant' as const), uid, p: principal, ops: fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 3 }) }),
  fc.record({ op: fc.constant('read' as const), uid }),
  fc.record({ op: fc.constant('query' as const), q: query }),
);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: leaf },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('savepoint' as const), body: fc.array(leaf, { maxLength: 4 }), fail: fc.boolean() }) },
);
type Program = { ops: Op[]; fail: boolean }[];
const program: fc.Arbitrary<Program> = fc.array(fc.record({ ops: fc.array(op, { maxLength: 6 }), fail: fc.boolean() }), { minLength: 1, maxLength: 6 });

async function step(tx: StoreTx, o: Op, seen: unknown[]): Promise<void> {
  const note = async (f: () => Promise<unknown>) => {
    try {
      seen.push(await f());
    } catch (e) {
      seen.push({ error: (e as { code?: string }).code ?? (e as Error).message });
    }
  };
  switch (o.op) {
    case 'insert':
      return note(() => tx.insert(o.r, o.m));
    case 'update':
      return note(() => tx.update(o.r, o.m));
    case 'remove':
      return note(() => tx.remove(o.uid));
    case 'grant':
      return note(() => tx.setGrant(o.uid, o.p, o.ops));
    case 'read':
      await note(() => tx.get(o.uid));
      await note(async () => {
        const m = await tx.getMaterial(o.uid);
        return m && Array.from(m);
      });
      return note(() => tx.grants(o.uid));
    case 'query':
      return note(() => tx.query(o.q));
    case 'savepoint':
      return note(() =>
        tx.savepoint(async () => {
          for (const inner of o.body) await step(tx, inner, seen);
          if (o.fail) throw new Error('savepoint fails');
        }),
      );
  }
}

async function run(store: Store, prog: Program): Promise<unknown[]> {
  const seen: unknown[] = [];
  for (const t of prog) {
    try {
      await store.transaction(async (tx) => {
        for (const o of t.ops) await step(tx, o, seen);
        if (t.fail) throw new Error('transaction fails');
      });
      seen.push('committed');
    } catch (e) {
      seen.push((e as Error).message);
    }
  }
  seen.push(await store.transaction((tx) => tx.query({})));
  return seen;
}

describe('memory and sqlite stores', () => {
  it('observe the same results for random programs', async () => {
    await fc.assert(
      fc.asyncProperty(program, async (prog) => {
        const results: unknown[][] = [];
        for (const f of factories) {
          const { store, cleanup } = await f.open();
          try {
            results.push(await run(store, prog));
          } finally {
            await cleanup();
          }
        }
        expect(results[1]).toEqual(results[0]);
      }),
      { numRuns: 100 },
    );
  });
});
