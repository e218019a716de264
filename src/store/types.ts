// The storage seam. The engine owns the meaning of objects (attributes are an opaque TTLV blob to the
// store); the store owns durability, sealing of key material at rest, and access grants. SQLite is the
// first implementation, an in-memory one serves tests and `createServer({ store: 'memory' })`, and a
// PostgreSQL store will implement the same interface, hence every method is async.

/** One managed object's metadata, as the store keeps it. Key material is held apart (`getMaterial`). */
export interface ObjectRecord {
  /** Unique Identifier, chosen by the engine. */
  readonly uid: string;
  /** ObjectType enumeration value. */
  readonly objectType: number;
  /** State enumeration value (for objects without a state, e.g. Opaque Objects in 1.x, still kept). */
  readonly state: number;
  /** Principal that owns the object. */
  readonly owner: string;
  /** The engine's encoding of every attribute (TTLV bytes). Opaque to the store. */
  readonly attributes: Uint8Array;
  /** Values of the object's Name attributes, kept in a column so that Locate by name is an index lookup. */
  readonly names: readonly string[];
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Set by the store: insertion order (Locate answers in it) and a counter bumped on each update. */
  readonly seq?: number;
  readonly revision?: number;
  /** Set by the store: whether key material is held (false after Destroy erased it). */
  readonly hasMaterial?: boolean;
}

export type NewObjectRecord = Omit<ObjectRecord, 'seq' | 'revision' | 'hasMaterial'>;

export interface ObjectQuery {
  /** Only objects these principals own, or that are granted to `visibleTo`. Omitted: any owner. */
  readonly visibleTo?: string;
  readonly objectTypes?: readonly number[];
  readonly states?: readonly number[];
  /** Exact match on one of the object's names. */
  readonly name?: string;
  readonly uids?: readonly string[];
  /** Paging in insertion order: objects with seq > afterSeq, at most `limit`. */
  readonly afterSeq?: number;
  readonly limit?: number;
}

export interface Grant {
  readonly uid: string;
  readonly principal: string;
  /** Operation enumeration values the grantee may perform. */
  readonly operations: readonly number[];
}

export interface StoreTx {
  get(uid: string): Promise<ObjectRecord | undefined>;
  /** Plaintext material (the TTLV encoding of the object's Key Block or body). The caller zeroizes it
   *  when done. Undefined when the object does not exist or holds none. */
  getMaterial(uid: string): Promise<Uint8Array | undefined>;
  /** Throws StoreError('EXISTS') when the uid is taken. `material` null: the object holds none. */
  insert(record: NewObjectRecord, material: Uint8Array | null): Promise<void>;
  /** Replaces the metadata. `material` undefined leaves it as it is; null erases it (Destroy). Throws
   *  StoreError('NOT_FOUND'). */
  update(record: NewObjectRecord, material?: Uint8Array | null): Promise<void>;
  /** Removes the object, its material and its grants entirely (not used by Destroy, which keeps metadata). */
  remove(uid: string): Promise<void>;
  /** Records in insertion order (seq ascending). */
  query(q: ObjectQuery): Promise<ObjectRecord[]>;
  grants(uid: string): Promise<Grant[]>;
  /** Sets (operations non-empty) or removes (empty) a principal's grant on an object. */
  setGrant(uid: string, principal: string, operations: readonly number[]): Promise<void>;
  /** Runs fn; if it rejects, everything it wrote is rolled back and the rejection passes through
   *  (one batch item that fails writes nothing, while earlier items stand). */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
}

/** An object as last committed, from `Store.peekCommitted`. */
export interface CommittedObject {
  readonly record: ObjectRecord;
  /** Unseals the material (undefined when there is none): a fresh plaintext the caller zeroes. */
  open(): Uint8Array | undefined;
}

export interface Store {
  readonly kind: 'sqlite' | 'memory' | 'postgres';
  /** Runs fn in one transaction. Transactions are serialized. The promise resolves only once the
   *  commit is durable (SQLite: WAL with synchronous=FULL); if fn rejects, nothing it wrote remains. */
  transaction<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  /**
   * Optional, synchronous, outside transactions only: the object as last committed (undefined when
   * there is no such object), or null when it cannot say without a transaction (one is open: what the
   * connection reads now may not be committed). For reads that write nothing (the engine's Get fast
   * path); anything else goes through transaction().
   */
  peekCommitted?(uid: string): CommittedObject | undefined | null;
  /** Optional: fn without a transaction, reading the committed state, refused any write; rejects with
   *  ReadOnlyRetry (src/store/txbase.ts) when the work needs transaction() instead. */
  readCommitted?<T>(fn: (tx: StoreTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export type StoreErrorCode = 'EXISTS' | 'NOT_FOUND' | 'CLOSED' | 'CORRUPT' | 'SEAL' | 'SCHEMA' | 'IO' | 'MISUSE' | 'BUSY';

export class StoreError extends Error {
  readonly code: StoreErrorCode;
  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}
