// The SQLite store: one better-sqlite3 connection in WAL mode with synchronous=FULL, so a transaction's
// promise resolves only after its commit is durable; key material is sealed before it is written.
import { closeSync, constants, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { migrate, MIGRATIONS } from './migrations.js';
import type { Migration } from './migrations.js';
import { Sealer } from './seal.js';
import { mapSqliteError, toStoreError } from './sqlerrors.js';
import { checkRecord, normalizeOperations, StoreBase, TxBase } from './txbase.js';
import { StoreError } from './types.js';
import type { CommittedObject, Grant, NewObjectRecord, ObjectQuery, ObjectRecord } from './types.js';

export interface SqliteStoreOptions {
  readonly path: string;
  /** 32 bytes. The store derives its keys from it and keeps no copy; the caller may zeroize it. */
  readonly masterKey: Uint8Array;
  /** How long to wait for another process's write lock before failing with IO. */
  readonly busyTimeoutMs?: number;
  /** Default true: write transactions that arrive together share one commit (one fsync); see
   *  StoreBase.groupCommit. False commits each on its own. Either way none resolves before its commit. */
  readonly groupCommit?: boolean;
}

/** Test-only knobs, kept out of the public options. */
export interface SqliteInternalOptions {
  readonly migrations?: readonly Migration[];
}

const DEFAULT_BUSY_TIMEOUT_MS = 5_000;
/** What the committed-object cache keeps (sealed material and attributes, by their bytes): the oldest
 *  entries go first past either bound, and an object larger than COMMITTED_MAX_ENTRY_BYTES is read
 *  each time instead (a 1 MiB Opaque Object must not push out hundreds of keys). */
const COMMITTED_MAX = 4096;
const COMMITTED_MAX_BYTES = 16 * 1024 * 1024;
const COMMITTED_MAX_ENTRY_BYTES = 256 * 1024;
const KCV_KEY = 'key_check_value';

const SELECT_RECORD = `SELECT o.seq, o.uid, o.object_type, o.state, o.owner, o.attributes, o.created_at,
  o.updated_at, o.revision,
  (SELECT json_group_array(n.name ORDER BY n.pos) FROM object_names n WHERE n.uid = o.uid) AS names,
  EXISTS (SELECT 1 FROM material m WHERE m.uid = o.uid) AS has_material
FROM objects o`;

interface Row {
  seq: number;
  uid: string;
  object_type: number;
  state: number;
  owner: string;
  attributes: Buffer;
  created_at: number;
  updated_at: number;
  revision: number;
  names: string;
  has_material: number;
}

function toRecord(r: Row): ObjectRecord {
  return {
    uid: r.uid,
    objectType: r.object_type,
    state: r.state,
    owner: r.owner,
    // A fresh Uint8Array, not better-sqlite3's Buffer, so both stores hand out the same type.
    attributes: new Uint8Array(r.attributes),
    names: JSON.parse(r.names) as string[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    seq: r.seq,
    revision: r.revision,
    hasMaterial: r.has_material === 1,
  };
}

type Stmt = Database.Statement;

// One object by uid, the hot path of every operation on an object: its columns in raw (array) mode and
// its names from a second statement, which together cost about half the json_group_array form above.
// The sealed material comes along (a LEFT JOIN on material's primary key), so that an operation that
// loads an object and then reads its material (Get) costs one query: the transaction keeps the blob of
// the object it read last until its next write. The names statement runs only for objects that have
// names (most keys have none; the EXISTS costs less than that statement).
const GET_COLUMNS = `SELECT o.seq, o.uid, o.object_type, o.state, o.owner, o.attributes, o.created_at,
  o.updated_at, o.revision, m.sealed, EXISTS (SELECT 1 FROM object_names n WHERE n.uid = o.uid) AS has_names
FROM objects o LEFT JOIN material m ON m.uid = o.uid WHERE o.uid = ?`;
type RawRow = [number, string, number, number, string, Buffer, number, number, number, Buffer | null, number];

function toRecordRaw(r: RawRow, names: string[]): ObjectRecord {
  return {
    uid: r[1],
    objectType: r[2],
    state: r[3],
    owner: r[4],
    attributes: new Uint8Array(r[5]),
    names,
    createdAt: r[6],
    updatedAt: r[7],
    seq: r[0],
    revision: r[8],
    hasMaterial: r[9] !== null,
  };
}

class Statements {
  readonly get: Stmt;
  readonly names: Stmt;
  readonly exists: Stmt;
  readonly insert: Stmt;
  readonly update: Stmt;
  readonly remove: Stmt;
  readonly insertName: Stmt;
  readonly deleteNames: Stmt;
  readonly getMaterial: Stmt;
  readonly putMaterial: Stmt;
  readonly deleteMaterial: Stmt;
  readonly grants: Stmt;
  readonly putGrant: Stmt;
  readonly deleteGrant: Stmt;
  readonly dataVersion: Stmt;
  private readonly queries = new Map<string, Stmt>();
  // BEGIN, COMMIT and savepoints as prepared statements: db.exec() parses its SQL on every call.
  private readonly controls = new Map<string, Stmt>();

  control(sql: string): Stmt {
    let stmt = this.controls.get(sql);
    if (!stmt) this.controls.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  constructor(private readonly db: Database.Database) {
    this.get = db.prepare(GET_COLUMNS).raw();
    this.names = db.prepare('SELECT name FROM object_names WHERE uid = ? ORDER BY pos').pluck();
    this.exists = db.prepare('SELECT 1 FROM objects WHERE uid = ?').pluck();
    this.insert = db.prepare(`INSERT INTO objects (uid, object_type, state, owner, attributes, created_at, updated_at, revision)
      VALUES (@uid, @objectType, @state, @owner, @attributes, @createdAt, @updatedAt, 1)`);
    this.update = db.prepare(`UPDATE objects SET object_type = @objectType, state = @state, owner = @owner,
      attributes = @attributes, created_at = @createdAt, updated_at = @updatedAt, revision = revision + 1 WHERE uid = @uid`);
    this.remove = db.prepare('DELETE FROM objects WHERE uid = ?');
    this.insertName = db.prepare('INSERT INTO object_names (uid, pos, name) VALUES (?, ?, ?)');
    this.deleteNames = db.prepare('DELETE FROM object_names WHERE uid = ?');
    this.getMaterial = db.prepare('SELECT sealed FROM material WHERE uid = ?').pluck();
    this.putMaterial = db.prepare('INSERT INTO material (uid, sealed) VALUES (?, ?) ON CONFLICT (uid) DO UPDATE SET sealed = excluded.sealed');
    this.deleteMaterial = db.prepare('DELETE FROM material WHERE uid = ?');
    this.grants = db.prepare('SELECT principal, operations FROM grants WHERE uid = ? ORDER BY principal');
    this.putGrant = db.prepare('INSERT INTO grants (uid, principal, operations) VALUES (?, ?, ?) ON CONFLICT (uid, principal) DO UPDATE SET operations = excluded.operations');
    this.deleteGrant = db.prepare('DELETE FROM grants WHERE uid = ? AND principal = ?');
    this.dataVersion = db.prepare('PRAGMA data_version').pluck();
  }

  /** One prepared statement per combination of query fields (at most 2^6), built on first use. */
  query(q: ObjectQuery): { stmt: Stmt; params: Record<string, unknown> } {
    const where: string[] = [];
    const params: Record<string, unknown> = {};
    if (q.visibleTo !== undefined) {
      where.push('(o.owner = @visibleTo OR EXISTS (SELECT 1 FROM grants g WHERE g.uid = o.uid AND g.principal = @visibleTo))');
      params.visibleTo = q.visibleTo;
    }
    // Lists travel as one JSON parameter: no limit on their length from SQLite's variable count.
    if (q.objectTypes !== undefined) {
      where.push('o.object_type IN (SELECT value FROM json_each(@objectTypes))');
      params.objectTypes = JSON.stringify(integers(q.objectTypes, 'objectTypes'));
    }
    if (q.states !== undefined) {
      where.push('o.state IN (SELECT value FROM json_each(@states))');
      params.states = JSON.stringify(integers(q.states, 'states'));
    }
    if (q.name !== undefined) {
      where.push('o.uid IN (SELECT n.uid FROM object_names n WHERE n.name = @name)');
      params.name = q.name;
    }
    if (q.uids !== undefined) {
      where.push('o.uid IN (SELECT value FROM json_each(@uids))');
      params.uids = JSON.stringify(q.uids);
    }
    if (q.afterSeq !== undefined) {
      where.push('o.seq > @afterSeq');
      params.afterSeq = q.afterSeq;
    }
    let sql = `${SELECT_RECORD}${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY o.seq`;
    if (q.limit !== undefined) {
      sql += ' LIMIT @limit';
      params.limit = Math.max(0, Math.floor(q.limit));
    }
    let stmt = this.queries.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.queries.set(sql, stmt);
    }
    return { stmt, params };
  }
}

function integers(values: readonly number[], what: string): readonly number[] {
  for (const v of values) if (!Number.isSafeInteger(v)) throw new TypeError(`query ${what} must be integers`);
  return values;
}

function bytes(u: Uint8Array): Buffer {
  return Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

class SqliteTx extends TxBase {
  /** The sealed material get() read along with the object, valid until this transaction next writes
   *  (every write, and every savepoint rollback, clears it). Sealed, never plaintext. */
  private lastSealed: { readonly uid: string; readonly sealed: Buffer | undefined } | undefined;

  constructor(
    owner: object,
    private readonly db: Database.Database,
    private readonly s: Statements,
    private readonly sealer: Sealer,
    /** Drops an object from the store's committed-object cache: called at every write to it. */
    private readonly forget: (uid: string) => void,
    /** A read-only run's reads of one object: the store's committed-object cache. */
    private readonly committed?: (uid: string) => CommittedObject | undefined,
  ) {
    super(owner);
    if (committed) this.readOnly = true;
  }
  /** A read-only run's last object read, whose material getMaterial opens without another lookup. */
  private lastCommitted: CommittedObject | undefined;

  // Every call runs synchronously and wholly, so calls started side by side cannot interleave.
  private run<T>(f: () => T): Promise<T> {
    try {
      this.live();
      return Promise.resolve(f());
    } catch (e) {
      return Promise.reject(toStoreError(e));
    }
  }

  get(uid: string): Promise<ObjectRecord | undefined> {
    if (this.committed) {
      return this.run(() => {
        const c = (this.lastCommitted = this.committed!(uid));
        return c && { ...c.record, names: [...c.record.names] };
      });
    }
    return this.run(() => {
      const row = this.s.get.get(uid) as RawRow | undefined;
      this.lastSealed = row && { uid, sealed: row[9] ?? undefined };
      return row && toRecordRaw(row, row[10] === 1 ? (this.s.names.all(uid) as string[]) : []);
    });
  }

  getMaterial(uid: string): Promise<Uint8Array | undefined> {
    if (this.committed) {
      return this.run(() => {
        const c = this.lastCommitted?.record.uid === uid ? this.lastCommitted : this.committed!(uid);
        return c?.open();
      });
    }
    return this.run(() => {
      const memo = this.lastSealed;
      const sealed = memo?.uid === uid ? memo.sealed : (this.s.getMaterial.get(uid) as Buffer | undefined);
      if (sealed === undefined) return undefined;
      const plain = this.sealer.open(uid, sealed);
      // A view, not a copy: the caller's fill(0) then reaches the only plaintext we made.
      return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
    });
  }

  insert(record: NewObjectRecord, material: Uint8Array | null): Promise<void> {
    return this.run(() => {
      this.writing();
      this.lastSealed = undefined;
      this.wrote = true;
      this.forget(record.uid);
      checkRecord(record);
      if (this.s.exists.get(record.uid)) throw new StoreError('EXISTS', `object ${record.uid} already exists`);
      this.s.insert.run(params(record));
      this.putNames(record);
      if (material) this.s.putMaterial.run(record.uid, this.sealer.seal(record.uid, material));
    });
  }

  update(record: NewObjectRecord, material?: Uint8Array | null): Promise<void> {
    return this.run(() => {
      this.writing();
      this.lastSealed = undefined;
      this.wrote = true;
      this.forget(record.uid);
      checkRecord(record);
      if (this.s.update.run(params(record)).changes === 0) throw new StoreError('NOT_FOUND', `object ${record.uid} does not exist`);
      this.s.deleteNames.run(record.uid);
      this.putNames(record);
      if (material === null) this.s.deleteMaterial.run(record.uid);
      else if (material) this.s.putMaterial.run(record.uid, this.sealer.seal(record.uid, material));
    });
  }

  private putNames(record: NewObjectRecord): void {
    record.names.forEach((name, pos) => this.s.insertName.run(record.uid, pos, name));
  }

  remove(uid: string): Promise<void> {
    // Names, material and grants go with it (ON DELETE CASCADE).
    return this.run(() => {
      this.writing();
      this.lastSealed = undefined;
      this.wrote = true;
      this.forget(uid);
      this.s.remove.run(uid);
    });
  }

  query(q: ObjectQuery): Promise<ObjectRecord[]> {
    return this.run(() => {
      const { stmt, params } = this.s.query(q);
      return (stmt.all(params) as Row[]).map(toRecord);
    });
  }

  grants(uid: string): Promise<Grant[]> {
    return this.run(() =>
      (this.s.grants.all(uid) as { principal: string; operations: string }[]).map((g) => ({
        uid,
        principal: g.principal,
        operations: JSON.parse(g.operations) as number[],
      })),
    );
  }

  setGrant(uid: string, principal: string, operations: readonly number[]): Promise<void> {
    return this.run(() => {
      this.writing();
      this.lastSealed = undefined;
      this.wrote = true;
      this.forget(uid);
      const ops = normalizeOperations(operations);
      if (!this.s.exists.get(uid)) throw new StoreError('NOT_FOUND', `object ${uid} does not exist`);
      if (ops.length === 0) this.s.deleteGrant.run(uid, principal);
      else this.s.putGrant.run(uid, principal, JSON.stringify(ops));
    });
  }

  protected beginSavepoint(id: number): void {
    this.s.control(`SAVEPOINT sp${id}`).run();
  }
  protected releaseSavepoint(id: number): void {
    this.s.control(`RELEASE sp${id}`).run();
  }
  protected rollbackSavepoint(id: number): void {
    this.lastSealed = undefined;
    this.s.control(`ROLLBACK TO sp${id}`).run();
  }
}

function params(r: NewObjectRecord): Record<string, unknown> {
  return {
    uid: r.uid,
    objectType: r.objectType,
    state: r.state,
    owner: r.owner,
    attributes: bytes(r.attributes),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

export class SqliteStore extends StoreBase<SqliteTx> {
  readonly kind = 'sqlite' as const;
  private readonly statements: Statements;

  protected override readonly groupCommit: boolean;

  constructor(
    private readonly db: Database.Database,
    private readonly sealer: Sealer,
    groupCommit = true,
  ) {
    super();
    this.statements = new Statements(db);
    this.groupCommit = groupCommit;
  }

  protected begin(): SqliteTx {
    // IMMEDIATE takes the write lock now, so a transaction never fails midway on another writer.
    return this.txAfter('BEGIN IMMEDIATE');
  }

  /** A transaction object, once `sql` (BEGIN, or a group member's SAVEPOINT) has run. */
  private txAfter(sql: string): SqliteTx {
    if (!this.db.open) throw new StoreError('CLOSED', 'the store is closed');
    try {
      this.statements.control(sql).run();
    } catch (e) {
      throw toStoreError(e);
    }
    return new SqliteTx(this, this.db, this.statements, this.sealer, this.forget);
  }

  /** Objects as last committed, sealed (see peekCommitted); every write drops its object at once. */
  private readonly committed = new Map<string, { readonly entry: CommittedObject; readonly size: number }>();
  /** PRAGMA data_version when the cache was last checked: it changes when another connection commits. */
  private dataVersion: unknown;
  /** The bytes the cache holds (attributes and sealed material). */
  private committedBytes = 0;
  private readonly forget = (uid: string): void => {
    const c = this.committed.get(uid);
    if (!c) return;
    this.committed.delete(uid);
    this.committedBytes -= c.size;
  };
  private forgetAll(): void {
    this.committed.clear();
    this.committedBytes = 0;
  }

  /**
   * The object as last committed, from a cache of recently read objects (their sealed material, never
   * plaintext), outside transactions only. This connection's writes drop what they touch as they are
   * made; another connection's or process's commits change PRAGMA data_version, which empties the
   * cache. Null while a transaction is open (including a group waiting for its commit), or on any error:
   * the caller then goes through transaction().
   */
  peekCommitted(uid: string): CommittedObject | undefined | null {
    try {
      return this.checkedCache() ? this.cached(uid) : null;
    } catch {
      return null;
    }
  }

  /** A read-only run over the committed state (StoreBase.readCommitted), or undefined while a
   *  transaction (a group waiting for its commit) is open. */
  protected override snapshot(): SqliteTx | undefined {
    try {
      if (!this.checkedCache()) return undefined;
    } catch {
      return undefined; // the transaction the caller falls back to reports what is wrong
    }
    return new SqliteTx(this, this.db, this.statements, this.sealer, this.forget, this.cachedOrThrow);
  }

  /** Whether the connection reads committed state now (no transaction open); empties the cache when
   *  another connection committed since it was last checked. */
  private checkedCache(): boolean {
    if (!this.db.open || this.db.inTransaction) return false;
    const version = this.statements.dataVersion.get();
    if (version !== this.dataVersion) {
      this.forgetAll();
      this.dataVersion = version;
    }
    return true;
  }

  private readonly cachedOrThrow = (uid: string): CommittedObject | undefined => {
    // Checked again on every read of a read-only run: nothing may have opened a transaction since.
    if (this.db.inTransaction) throw new StoreError('MISUSE', 'a transaction opened during a read-only run');
    return this.cached(uid);
  };

  /** The cached committed object, read into the cache when missing (the caller checked that no
   *  transaction is open, so the row read is committed). The names come from a second statement, which
   *  another process's commit could fall between; nothing above the store reads a record's names (the
   *  Name attributes are in its attributes), and that commit empties the cache at the next check. */
  private cached(uid: string): CommittedObject | undefined {
    const hit = this.committed.get(uid);
    if (hit) return hit.entry;
    const row = this.statements.get.get(uid) as RawRow | undefined;
    if (!row) return undefined;
    const record = toRecordRaw(row, row[10] === 1 ? (this.statements.names.all(uid) as string[]) : []);
    const sealed = row[9] ?? undefined;
    const sealer = this.sealer;
    const entry: CommittedObject = {
      record,
      open() {
        if (sealed === undefined) return undefined;
        const plain = sealer.open(uid, sealed);
        return new Uint8Array(plain.buffer, plain.byteOffset, plain.byteLength);
      },
    };
    const size = record.attributes.byteLength + (sealed?.byteLength ?? 0);
    if (size > COMMITTED_MAX_ENTRY_BYTES) return entry;
    while (this.committed.size > 0 && (this.committed.size >= COMMITTED_MAX || this.committedBytes + size > COMMITTED_MAX_BYTES)) {
      this.forget(this.committed.keys().next().value as string);
    }
    this.committed.set(uid, { entry, size });
    this.committedBytes += size;
    return entry;
  }

  protected override join(): SqliteTx {
    return this.txAfter('SAVEPOINT grp');
  }

  protected override leave(_tx: SqliteTx, keep: boolean): void {
    try {
      if (!keep) this.statements.control('ROLLBACK TO grp').run();
      this.statements.control('RELEASE grp').run();
    } catch (e) {
      throw toStoreError(e);
    }
  }

  protected commit(): void {
    try {
      this.statements.control('COMMIT').run();
    } catch (e) {
      const err = toStoreError(e);
      this.rollback();
      throw err;
    }
  }

  protected rollback(): void {
    // SQLite may already have rolled back by itself (after SQLITE_FULL, for one).
    if (!this.db.inTransaction) return;
    try {
      this.db.exec('ROLLBACK');
    } catch (e) {
      // A connection stuck mid-transaction must not take more writes: closing it discards the
      // transaction, and later calls fail with CLOSED.
      this.db.close();
      throw toStoreError(e);
    }
  }

  protected shutdown(): void {
    this.forgetAll();
    if (this.db.open) this.db.close();
  }
}

export async function openSqliteStore(options: SqliteStoreOptions, internal: SqliteInternalOptions = {}): Promise<SqliteStore> {
  const sealer = new Sealer(options.masterKey);
  createPrivate(options.path);
  let db: Database.Database;
  try {
    db = new Database(options.path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  } catch (e) {
    throw mapSqliteError(e) ?? new StoreError('IO', `cannot open database ${options.path}`, { cause: e });
  }
  try {
    db.pragma('journal_mode = WAL');
    // FULL: in WAL mode the log is synced at every commit, so an acknowledged write survives a crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // Freed pages (a destroyed key's sealed blob) are overwritten with zeros, not left in the file.
    db.pragma('secure_delete = ON');
    // Savepoint sub-journals (one per batch item) in memory rather than a temporary file: a 1,000-item
    // batch otherwise spends more time journaling savepoints than inserting. The WAL is unaffected.
    db.pragma('temp_store = MEMORY');
    if (db.pragma('journal_mode', { simple: true }) !== 'wal') {
      throw new StoreError('IO', `database ${options.path} cannot use WAL mode (is it on a network file system?)`);
    }
    migrate(db, internal.migrations ?? MIGRATIONS);
    checkMasterKey(db, sealer);
  } catch (e) {
    db.close();
    throw mapSqliteError(e) ?? e;
  }
  return new SqliteStore(db, sealer, options.groupCommit ?? true);
}

// Names, owners and attributes are not sealed: the file is the owner's alone. SQLite gives its -wal and
// -shm files the database file's mode, so they follow.
function createPrivate(path: string): void {
  if (path === '' || path === ':memory:') return;
  try {
    closeSync(openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new StoreError('IO', `cannot create database ${path}`, { cause: e });
  }
}

// A wrong master key would otherwise surface only at the first Get of some key, possibly much later.
function checkMasterKey(db: Database.Database, sealer: Sealer): void {
  db.exec('BEGIN IMMEDIATE');
  try {
    const stored = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get(KCV_KEY) as Buffer | undefined;
    if (stored === undefined) {
      db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run(KCV_KEY, sealer.keyCheckValue);
    } else if (!sealer.matchesCheckValue(stored)) {
      throw new StoreError('SEAL', 'master key does not match this database');
    }
    db.exec('COMMIT');
  } catch (e) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw e;
  }
}
