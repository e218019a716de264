// Opening a store. The engine sees only the Store interface; which implementation sits behind it is
// the operator's choice.
import { openMemoryStore } from './memory.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

export type StoreOptions =
  | { readonly kind: 'memory' }
  | {
      readonly kind: 'sqlite';
      readonly path: string;
      /** 32 bytes; the store keeps only keys derived from it, so the caller may zeroize it after. */
      readonly masterKey: Uint8Array;
      readonly busyTimeoutMs?: number;
      /** Default true: write transactions that arrive together share one commit (see SqliteStoreOptions). */
      readonly groupCommit?: boolean;
    };

/** Opens (creating and migrating as needed) a store. A SQLite database sealed under another master
 *  key fails here with StoreError('SEAL'); one written by a newer kmipkit with StoreError('SCHEMA'). */
export function openStore(options: StoreOptions): Promise<Store> {
  switch (options.kind) {
    case 'memory':
      return openMemoryStore();
    case 'sqlite':
      return openSqliteStore(options);
    default:
      return Promise.reject(new TypeError(`unknown store kind ${(options as { kind: unknown }).kind}`));
  }
}

export * from './types.js';
export { ReadOnlyRetry } from './txbase.js';
export { loadOrCreateMasterKey, masterKeyFromEnv, MASTER_KEY_ENV } from './masterkey.js';
