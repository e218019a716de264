// The in-memory store: the SQLite store's semantics without a file. Every write records its inverse in
// an undo journal, which a rejected savepoint or transaction replays backwards; material is sealed
// under a per-process key so that reads go through the same open-and-authenticate path.
import { Sealer } from './seal.js';
import { checkRecord, compareUtf8, normalizeOperations, StoreBase, TxBase } from './txbase.js';
import { StoreError } from './types.js';
import type { Grant, NewObjectRecord, ObjectQuery, ObjectRecord } from './types.js';

let processSealer: Sealer | undefined;

interface Entry {
  readonly record: NewObjectRecord;
  readonly seq: number;
  readonly revision: number;
}

// Values in these maps are never mutated, only replaced, so the journal can hold the old value itself.
class State {
  readonly objects = new Map<string, Entry>();
  readonly material = new Map<string, Buffer>();
  readonly grants = new Map<string, ReadonlyMap<string, readonly number[]>>();
  lastSeq = 0;
}

function copyRecord(r: NewObjectRecord): NewObjectRecord {
  return {
    uid: r.uid,
    objectType: r.objectType,
    state: r.state,
    owner: r.owner,
    attributes: new Uint8Array(r.attributes),
    names: [...r.names],
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

class MemoryTx extends TxBase {
  /** Undo steps, oldest first. */
  readonly journal: (() => void)[] = [];
  private readonly marks = new Map<number, number>();

  constructor(
    owner: object,
    private readonly st: State,
    private readonly sealer: Sealer,
  ) {
    super(owner);
  }

  private run<T>(f: () => T): Promise<T> {
    try {
      this.live();
      return Promise.resolve(f());
    } catch (e) {
      return Promise.reject(e);
    }
  }

  private set<V>(map: Map<string, V>, key: string, value: V | undefined): void {
    const had = map.has(key);
    const old = map.get(key);
    this.journal.push(() => (had ? map.set(key, old as V) : map.delete(key)));
    if (value === undefined) map.delete(key);
    else map.set(key, value);
  }

  undoTo(mark: number): void {
    while (this.journal.length > mark) this.journal.pop()!();
  }

  // copyRecord's fields again rather than a spread of it: this runs for every load, and one literal of
  // the final shape measured cheaper than copying and then spreading.
  private toRecord(e: Entry): ObjectRecord {
    const r = e.record;
    return {
      uid: r.uid,
      objectType: r.objectType,
      state: r.state,
      owner: r.owner,
      attributes: new Uint8Array(r.attributes),
      names: [...r.names],
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      seq: e.seq,
      revision: e.revision,
      hasMaterial: this.st.material.has(r.uid),
    };
  }

  get(uid: string): Promise<ObjectRecord | undefined> {
    return this.run(() => {
      const e = this.st.objects.get(uid);
      return e && this.toRecord(e);
    });
  }

  getMaterial(uid: string): Promise<Uint8Array | undefined> {
    return this.run(() => {
      const sealed = this.st.material.get(uid);
      if (sealed === undefined) return undefined;
      const plain = this.sealer.open(uid, sealed);
      return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
    });
  }

  insert(record: NewObjectRecord, material: Uint8Array | null): Promise<void> {
    return this.run(() => {
      this.writing();
      checkRecord(record);
      if (this.st.objects.has(record.uid)) throw new StoreError('EXISTS', `object ${record.uid} already exists`);
      const lastSeq = this.st.lastSeq;
      this.journal.push(() => (this.st.lastSeq = lastSeq));
      this.set(this.st.objects, record.uid, { record: copyRecord(record), seq: ++this.st.lastSeq, revision: 1 });
      if (material) this.set(this.st.material, record.uid, this.sealer.seal(record.uid, material));
    });
  }

  update(record: NewObjectRecord, material?: Uint8Array | null): Promise<void> {
    return this.run(() => {
      this.writing();
      checkRecord(record);
      const old = this.st.objects.get(record.uid);
      if (!old) throw new StoreError('NOT_FOUND', `object ${record.uid} does not exist`);
      this.set(this.st.objects, record.uid, { record: copyRecord(record), seq: old.seq, revision: old.revision + 1 });
      if (material === null) this.set(this.st.material, record.uid, undefined);
      else if (material) this.set(this.st.material, record.uid, this.sealer.seal(record.uid, material));
    });
  }

  remove(uid: string): Promise<void> {
    return this.run(() => {
      this.writing();
      if (!this.st.objects.has(uid)) return;
      this.set(this.st.objects, uid, undefined);
      this.set(this.st.material, uid, undefined);
      this.set(this.st.grants, uid, undefined);
    });
  }

  query(q: ObjectQuery): Promise<ObjectRecord[]> {
    return this.run(() => {
      const types = q.objectTypes && new Set(q.objectTypes);
      const states = q.states && new Set(q.states);
      const uids = q.uids && new Set(q.uids);
      const limit = q.limit === undefined ? Infinity : Math.max(0, Math.floor(q.limit));
      const hits = [...this.st.objects.values()]
        .filter((e) => {
          const r = e.record;
          if (q.visibleTo !== undefined && r.owner !== q.visibleTo && !this.st.grants.get(r.uid)?.has(q.visibleTo)) return false;
          if (types && !types.has(r.objectType)) return false;
          if (states && !states.has(r.state)) return false;
          if (q.name !== undefined && !r.names.includes(q.name)) return false;
          if (uids && !uids.has(r.uid)) return false;
          return q.afterSeq === undefined || e.seq > q.afterSeq;
        })
        .sort((a, b) => a.seq - b.seq);
      return hits.slice(0, limit).map((e) => this.toRecord(e));
    });
  }

  grants(uid: string): Promise<Grant[]> {
    return this.run(() =>
      [...(this.st.grants.get(uid) ?? new Map<string, readonly number[]>())]
        .sort(([a], [b]) => compareUtf8(a, b))
        .map(([principal, ops]) => ({ uid, principal, operations: [...ops] })),
    );
  }

  setGrant(uid: string, principal: string, operations: readonly number[]): Promise<void> {
    return this.run(() => {
      this.writing();
      const ops = normalizeOperations(operations);
      if (!this.st.objects.has(uid)) throw new StoreError('NOT_FOUND', `object ${uid} does not exist`);
      const next = new Map(this.st.grants.get(uid));
      if (ops.length === 0) next.delete(principal);
      else next.set(principal, ops);
      this.set(this.st.grants, uid, next.size ? next : undefined);
    });
  }

  protected beginSavepoint(id: number): void {
    this.marks.set(id, this.journal.length);
  }
  protected releaseSavepoint(id: number): void {
    this.marks.delete(id);
  }
  protected rollbackSavepoint(id: number): void {
    this.undoTo(this.marks.get(id)!);
  }
}

export class MemoryStore extends StoreBase<MemoryTx> {
  readonly kind = 'memory' as const;
  private readonly state = new State();
  private readonly sealer = (processSealer ??= Sealer.ephemeral());
  private closed = false;

  protected begin(): MemoryTx {
    if (this.closed) throw new StoreError('CLOSED', 'the store is closed');
    return new MemoryTx(this, this.state, this.sealer);
  }

  /** A read-only run: with the store's turn held and no transaction running, the state is committed. */
  protected override snapshot(): MemoryTx | undefined {
    if (this.closed) return undefined;
    const tx = new MemoryTx(this, this.state, this.sealer);
    tx.readOnly = true;
    return tx;
  }

  protected commit(): void {}

  protected rollback(tx: MemoryTx): void {
    tx.undoTo(0);
  }

  protected shutdown(): void {
    this.closed = true;
    this.state.objects.clear();
    for (const sealed of this.state.material.values()) sealed.fill(0);
    this.state.material.clear();
    this.state.grants.clear();
  }
}

export function openMemoryStore(): Promise<MemoryStore> {
  return Promise.resolve(new MemoryStore());
}
