// SQLite failures as StoreErrors. SQLite's messages never contain bound values, so passing them on
// cannot leak key material.
import { StoreError } from './types.js';

/** The StoreError for an environmental SQLite failure, or undefined for anything else. */
export function mapSqliteError(e: unknown): StoreError | undefined {
  if (e instanceof StoreError) return e;
  const code = (e as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const msg = (e as Error).message;
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new StoreError('CORRUPT', `database is corrupt or not a kmipkit database: ${msg}`, { cause: e });
  }
  return new StoreError('IO', `database error (${code}): ${msg}`, { cause: e });
}

export function toStoreError(e: unknown): unknown {
  return mapSqliteError(e) ?? e;
}
