// What both stores share: serialized transactions, their lifecycle, and savepoint bookkeeping. The
// subclasses supply begin/commit/rollback and the savepoint primitives.
import { AsyncLocalStorage } from 'node:async_hooks';
import { Mutex } from './mutex.js';
import { StoreError } from './types.js';
import type { Grant, NewObjectRecord, ObjectQuery, ObjectRecord, Store, StoreTx } from './types.js';

// Which transaction the running code belongs to: a transaction opened from inside another one on the
// same store would wait for itself forever, so it fails at once instead. On Node 20 an AsyncLocalStorage
// turns on promise hooks for the whole process, which cost about a tenth of a Get's CPU time, so this
// exact check runs where the code is exercised (KMIPKIT_STORE_CHECKS=1; the test suite sets it). Without
// it, a nested transaction still cannot hang: it waits at most MAX_WAIT_MS, then fails with BUSY.
const current = process.env.KMIPKIT_STORE_CHECKS === '1' ? new AsyncLocalStorage<TxBase>() : undefined;

/** The longest a transaction waits for the ones before it: far longer than any batch takes. */
export const MAX_WAIT_MS = 60_000;

/** Thrown by StoreBase.readCommitted when the run cannot stand without a transaction: one is open, or
 *  the run tried to write. Nothing was written; run the same work with transaction(). */
export class ReadOnlyRetry extends Error {
  constructor() {
    super('this work needs a transaction');
    this.name = 'ReadOnlyRetry';
  }
}

export abstract class TxBase implements StoreTx {
  active = true;
  /** A read-only run (StoreBase.readCommitted): reads see the committed state, and a write fails. */
  readOnly = false;
  /** Set when a read-only run tried to write (whatever the caller then did with the error). */
  violated = false;
  /** Set by every write (insert, update, remove, grant): a transaction that wrote nothing commits at once. */
  wrote = false;
  /** Set when savepoints were misused; the transaction can then only roll back. */
  broken: Error | undefined;
  private readonly savepoints: number[] = [];
  private nextSavepoint = 0;

  constructor(readonly owner: object) {}

  protected live(): void {
    if (!this.active) throw new StoreError('CLOSED', 'the transaction has ended');
    if (this.broken) throw this.broken;
  }

  /** Every write goes through here first: a read-only run is marked and refused. */
  protected writing(): void {
    if (!this.readOnly) return;
    this.violated = true;
    throw new StoreError('MISUSE', 'a write in a read-only run');
  }

  protected abstract beginSavepoint(id: number): void;
  protected abstract releaseSavepoint(id: number): void;
  protected abstract rollbackSavepoint(id: number): void;

  async savepoint<T>(fn: () => Promise<T>): Promise<T> {
    this.live();
    // Nothing to undo in a read-only run (and a SAVEPOINT statement would open a transaction).
    if (this.readOnly) return fn();
    const id = ++this.nextSavepoint;
    this.beginSavepoint(id);
    this.savepoints.push(id);
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      this.end(id, false);
      throw e;
    }
    this.end(id, true);
    return result;
  }

  private end(id: number, keep: boolean): void {
    if (!this.active) return;
    if (this.savepoints[this.savepoints.length - 1] !== id) {
      // Savepoints nest; two running side by side in one transaction cannot be undone separately.
      this.broken ??= new Error('savepoints of one transaction ran concurrently; the transaction is rolled back');
      throw this.broken;
    }
    this.savepoints.pop();
    if (!keep) this.rollbackSavepoint(id);
    this.releaseSavepoint(id);
  }

  /** Throws when committing now would commit half of something. */
  checkCommittable(): void {
    if (this.broken) throw this.broken;
    if (this.savepoints.length > 0) {
      throw new StoreError('MISUSE', 'the transaction function returned while a savepoint was still running');
    }
  }

  abstract get(uid: string): Promise<ObjectRecord | undefined>;
  abstract getMaterial(uid: string): Promise<Uint8Array | undefined>;
  abstract insert(record: NewObjectRecord, material: Uint8Array | null): Promise<void>;
  abstract update(record: NewObjectRecord, material?: Uint8Array | null): Promise<void>;
  abstract remove(uid: string): Promise<void>;
  abstract query(q: ObjectQuery): Promise<ObjectRecord[]>;
  abstract grants(uid: string): Promise<Grant[]>;
  abstract setGrant(uid: string, principal: string, operations: readonly number[]): Promise<void>;
}

/** Write transactions sharing one commit (see StoreBase.groupCommit). */
interface Group {
  /** The transaction that opened it (the store's begin()). */
  readonly opener: TxBase;
  readonly committed: Promise<void>;
  resolve(): void;
  reject(err: unknown): void;
}

export abstract class StoreBase<Tx extends TxBase> implements Store {
  abstract readonly kind: Store['kind'];
  private readonly mutex = new Mutex();
  private closing = false;
  /** How long a transaction waits for its turn before failing with BUSY (tests shorten it). */
  maxWaitMs = MAX_WAIT_MS;
  /**
   * Group commit: a transaction that wrote does not commit at once. Its commit waits for the I/O
   * already ready in this turn of the event loop (setImmediate), and every transaction that starts
   * meanwhile joins it (each in a savepoint of its own: one that fails rolls back alone). Then one
   * commit, one fsync, makes them all durable, and only then does any of them resolve. One writer at
   * a time pays an event-loop turn; many writers share a commit instead of queueing for one each.
   * A transaction that joins a group resolves after the group's commit even if it only read: it may
   * have read what the group wrote. Off unless the store turns it on (SQLite, where a commit syncs).
   */
  protected readonly groupCommit: boolean = false;
  private group: Group | undefined;

  protected abstract begin(): Tx;
  /** A read-only transaction object over the committed state, or undefined when there is none to read
   *  without a transaction (one is open). Stores without it never run readCommitted's fast way. */
  protected snapshot(): Tx | undefined {
    return undefined;
  }
  protected abstract commit(tx: Tx): void;
  protected abstract rollback(tx: Tx): void;
  protected abstract shutdown(): void;
  /** Group commit: a transaction inside the open one, in a savepoint. */
  protected join(): Tx {
    throw new StoreError('MISUSE', 'this store does not group commits');
  }
  /** Group commit: ends join()'s savepoint, keeping its writes or rolling them back. */
  protected leave(_tx: Tx, _keep: boolean): void {
    throw new StoreError('MISUSE', 'this store does not group commits');
  }

  /** The store's turn (transactions and read-only runs are serialized): a release function. */
  private async turn(what: string): Promise<() => void> {
    const outer = current?.getStore();
    if (outer?.active && outer.owner === this) {
      throw new StoreError('MISUSE', `${what}() called inside a transaction of the same store would wait for itself`);
    }
    if (this.closing) throw new StoreError('CLOSED', 'the store is closed');
    const release = await this.mutex.acquire(this.maxWaitMs);
    if (!release) {
      throw new StoreError('BUSY', `waited ${this.maxWaitMs} ms for the transactions before this one (one is stuck, or this one was opened inside another)`);
    }
    return release;
  }

  async transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const release = await this.turn('transaction');
    let result: T;
    let group: Group | undefined;
    try {
      group = this.group;
      const tx = group ? this.join() : this.begin();
      try {
        result = await (current ? current.run(tx, () => fn(tx)) : fn(tx));
        tx.checkCommittable();
      } catch (e) {
        tx.active = false;
        if (group) this.leaveOrAbort(group, tx, false);
        else {
          try {
            this.rollback(tx);
          } catch {
            // The store shut itself down; fn's own error says more about what went wrong.
          }
        }
        throw e;
      }
      tx.active = false;
      if (group) {
        this.leaveOrAbort(group, tx, true);
      } else if (this.groupCommit && tx.wrote) {
        group = this.group = openGroup(tx);
        const g = group;
        setImmediate(() => void this.commitLater(g));
      } else {
        this.commit(tx);
        return result;
      }
    } finally {
      release();
    }
    await group.committed;
    return result;
  }

  /**
   * Runs fn like transaction(), serialized with transactions, but without one: its reads see the state
   * as last committed, and it must not write. Rejects with ReadOnlyRetry when the store cannot do that
   * now (a transaction is open, or this store has no snapshot) or when fn tried to write, whatever fn
   * made of the refusal: the caller then runs the same work with transaction(). For work that usually
   * only reads (a Get, an Encrypt) and may write (a date that moves the key's state, a usage limit):
   * it costs no BEGIN, no COMMIT and, for objects read recently, no query.
   */
  async readCommitted<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T> {
    const release = await this.turn('readCommitted');
    try {
      const tx = this.snapshot();
      if (!tx) throw new ReadOnlyRetry();
      let result: T;
      try {
        result = await (current ? current.run(tx, () => fn(tx)) : fn(tx));
      } catch (e) {
        tx.active = false;
        throw tx.violated ? new ReadOnlyRetry() : e;
      }
      tx.active = false;
      if (tx.violated) throw new ReadOnlyRetry();
      return result;
    } finally {
      release();
    }
  }

  /** Ends a member's savepoint; when even that fails, the whole group rolls back and every member fails. */
  private leaveOrAbort(group: Group, tx: Tx, keep: boolean): void {
    try {
      this.leave(tx, keep);
    } catch (e) {
      this.group = undefined;
      try {
        this.rollback(group.opener as Tx);
      } catch {
        // The store shut itself down.
      }
      group.reject(e);
      throw e;
    }
  }

  /** The group's commit, once the transactions running or queued before it have had their turn. */
  private async commitLater(g: Group): Promise<void> {
    const release = await this.mutex.acquire();
    try {
      this.settle(g);
    } finally {
      release();
    }
  }

  /** Commits the open group `g` (the caller holds the mutex); its members resolve, or all fail. */
  private settle(g: Group): void {
    if (this.group !== g) return;
    this.group = undefined;
    try {
      this.commit(g.opener as Tx);
    } catch (e) {
      g.reject(e);
      return;
    }
    g.resolve();
  }

  /** Lets running and queued transactions finish, then closes; later transactions fail with CLOSED. */
  async close(): Promise<void> {
    this.closing = true;
    const release = await this.mutex.acquire();
    try {
      if (this.group) this.settle(this.group);
      this.shutdown();
    } finally {
      release();
    }
  }
}

function openGroup(opener: TxBase): Group {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const committed = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Every member awaits it; this keeps a rejection with no member left from being reported unhandled.
  committed.catch(() => undefined);
  return { opener, committed, resolve, reject };
}

/** Validates what the store will persist, so bad input fails the same way in every store. */
export function checkRecord(r: NewObjectRecord): void {
  if (typeof r.uid !== 'string' || r.uid.length === 0) throw new TypeError('record uid must be a non-empty string');
  if (typeof r.owner !== 'string') throw new TypeError('record owner must be a string');
  for (const [k, v] of [['objectType', r.objectType], ['state', r.state], ['createdAt', r.createdAt], ['updatedAt', r.updatedAt]] as const) {
    if (!Number.isSafeInteger(v)) throw new TypeError(`record ${k} must be an integer`);
  }
  if (!(r.attributes instanceof Uint8Array)) throw new TypeError('record attributes must be a Uint8Array');
  if (!Array.isArray(r.names) || r.names.some((n) => typeof n !== 'string')) throw new TypeError('record names must be strings');
}

export function normalizeOperations(operations: readonly number[]): number[] {
  for (const op of operations) if (!Number.isSafeInteger(op)) throw new TypeError('grant operations must be integers');
  return [...new Set(operations)].sort((a, b) => a - b);
}

/** Byte-wise UTF-8 order, as SQLite's BINARY collation sorts text. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
