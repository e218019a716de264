// The KMIP engine: request message in, response message out, over a Store. (Being written; the
// signature is final so that the transport and the CLI can be built against it.)
import type { MessageHandler } from '../server/types.js';
import type { Store } from '../store/types.js';

export interface EngineOptions {
  store: Store;
  /** Milliseconds since the epoch; tests move time with it. */
  clock?: () => number;
  /** Structured events (no key material ever): operation, principal, result, duration. */
  log?: (event: Record<string, unknown>) => void;
}

export function createEngine(options: EngineOptions): MessageHandler {
  void options;
  return {
    async handle() {
      throw new Error('engine not built yet');
    },
  };
}
