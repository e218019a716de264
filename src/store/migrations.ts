// Schema versions in PRAGMA user_version; each migration runs in its own transaction, so a failed one
// leaves the database at the version before it.
import type Database from 'better-sqlite3';
import { mapSqliteError } from './sqlerrors.js';
import { StoreError } from './types.js';

export interface Migration {
  /** The user_version the database has after this migration; migrations are numbered 1, 2, 3… */
  readonly version: number;
  readonly up: (db: Database.Database) => void;
}

// seq is the integer primary key because AUTOINCREMENT needs one, and AUTOINCREMENT never reuses a
// value, so a Locate page cursor (afterSeq) never skips an object inserted after a removal.
const SCHEMA_V1 = `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value BLOB NOT NULL
) STRICT;
CREATE TABLE objects (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  uid TEXT NOT NULL UNIQUE,
  object_type INTEGER NOT NULL,
  state INTEGER NOT NULL,
  owner TEXT NOT NULL,
  attributes BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  revision INTEGER NOT NULL
) STRICT;
CREATE INDEX objects_owner ON objects(owner);
CREATE INDEX objects_object_type ON objects(object_type);
CREATE INDEX objects_state ON objects(state);
CREATE TABLE object_names (
  uid TEXT NOT NULL REFERENCES objects(uid) ON DELETE CASCADE,
  pos INTEGER NOT NULL,
  name TEXT NOT NULL,
  PRIMARY KEY (uid, pos)
) STRICT, WITHOUT ROWID;
CREATE INDEX object_names_name ON object_names(name);
CREATE TABLE material (
  uid TEXT PRIMARY KEY REFERENCES objects(uid) ON DELETE CASCADE,
  sealed BLOB NOT NULL
) STRICT;
CREATE TABLE grants (
  uid TEXT NOT NULL REFERENCES objects(uid) ON DELETE CASCADE,
  principal TEXT NOT NULL,
  operations TEXT NOT NULL,
  PRIMARY KEY (uid, principal)
) STRICT, WITHOUT ROWID;
CREATE INDEX grants_principal ON grants(principal);
`;

export const MIGRATIONS: readonly Migration[] = [{ version: 1, up: (db) => db.exec(SCHEMA_V1) }];

export function schemaVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** Brings the database up to the last migration; refuses a database newer than the code. */
export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${i} has version ${m.version}, expected ${i + 1}`);
  });
  const target = migrations.length;
  for (;;) {
    // Read the version inside the write lock: another process may have migrated since we looked.
    let version = 0;
    try {
      db.exec('BEGIN IMMEDIATE');
      const current = schemaVersion(db);
      if (current > target) {
        throw new StoreError('SCHEMA', `database schema version ${current} is newer than this kmipkit supports (${target})`);
      }
      if (current === target) {
        db.exec('COMMIT');
        return target;
      }
      version = current + 1;
      migrations[current].up(db);
      db.pragma(`user_version = ${version}`);
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      if (e instanceof StoreError || version === 0) throw mapSqliteError(e) ?? e;
      throw new StoreError('SCHEMA', `migration to schema version ${version} failed`, { cause: e });
    }
  }
}
