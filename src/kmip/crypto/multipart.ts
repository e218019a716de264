// Multi-part (streaming) cryptographic operations, KMIP 1.3+ (2.1 §6.1 "Multi-part cryptographic
// operations"): the first request carries Init Indicator True and gets back a Correlation Value; later
// requests carry that value; the one with Final Indicator True ends the stream. The open streams live
// here, per engine and per principal: a principal only ever finds its own streams (another one's
// Correlation Value is as unknown as a made-up one). Limits: open streams per principal and in all,
// bytes through one stream, and idle time; a stream that ends, fails, expires or is evicted is closed
// and its OpenSSL context (which holds the key schedule) finalized and dropped.
import { randomBytes } from 'node:crypto';

export interface MultipartLimits {
  /** Open streams one principal may have (default 16). */
  maxPerPrincipal: number;
  /** Open streams in all (default 1024). */
  maxTotal: number;
  /** Bytes of Data one stream may take in all its parts (default 1 GiB). */
  maxBytes: number;
  /** A stream not used for this long is closed (milliseconds, default 5 minutes). */
  idleMs: number;
}

export const MULTIPART_DEFAULTS: Readonly<MultipartLimits> = Object.freeze({
  maxPerPrincipal: 16,
  maxTotal: 1024,
  maxBytes: 2 ** 30,
  idleMs: 5 * 60_000,
});

/** What an operation keeps between parts; `close` must release everything (it may be called more than once). */
export interface StreamState {
  /** Encrypt, Decrypt, MAC or MAC Verify: a stream continues with the operation that opened it only. */
  readonly op: number;
  /** The key's Unique Identifier: a part naming another key is refused. */
  readonly uid: string;
  close(): void;
}

interface Entry<S extends StreamState> {
  state: S;
  principal: string;
  bytes: number;
  lastUsed: number;
}

export type MultipartRefusal = 'too-many' | 'unknown' | 'too-large';

export class MultipartError extends Error {
  constructor(readonly kind: MultipartRefusal, message: string) {
    super(message);
    this.name = 'MultipartError';
  }
}

export class MultipartStore<S extends StreamState = StreamState> {
  readonly limits: MultipartLimits;
  readonly #now: () => number;
  /** principal -> correlation (hex) -> stream */
  readonly #streams = new Map<string, Map<string, Entry<S>>>();
  #count = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(limits: Partial<MultipartLimits> = {}, now: () => number = Date.now) {
    this.limits = { ...MULTIPART_DEFAULTS, ...limits };
    this.#now = now;
  }

  /** Open streams (all principals, or one). */
  size(principal?: string): number {
    return principal === undefined ? this.#count : (this.#streams.get(principal)?.size ?? 0);
  }

  /** Registers a new stream and returns its Correlation Value; closes `state` and throws when a limit is reached. */
  open(principal: string, state: S, firstBytes: number): Uint8Array {
    this.sweep();
    const mine = this.#streams.get(principal);
    const refuse = (msg: string, kind: MultipartRefusal) => {
      state.close();
      return new MultipartError(kind, msg);
    };
    if ((mine?.size ?? 0) >= this.limits.maxPerPrincipal) throw refuse(`at most ${this.limits.maxPerPrincipal} multi-part operations may be open at once: finish or abandon one`, 'too-many');
    if (this.#count >= this.limits.maxTotal) throw refuse('the server has too many multi-part operations open', 'too-many');
    if (firstBytes > this.limits.maxBytes) throw refuse(`a multi-part operation takes at most ${this.limits.maxBytes} bytes`, 'too-large');
    const correlation = randomBytes(16);
    const map = mine ?? new Map<string, Entry<S>>();
    if (!mine) this.#streams.set(principal, map);
    map.set(correlation.toString('hex'), { state, principal, bytes: firstBytes, lastUsed: this.#now() });
    this.#count++;
    this.#arm();
    return correlation;
  }

  /**
   * The principal's stream for `correlation` (of operation `op`, when given), charged `moreBytes`;
   * MultipartError 'unknown' when there is none (never opened, another principal's or operation's,
   * finished or expired), 'too-large' past maxBytes (the stream is then closed).
   */
  use(principal: string, correlation: Uint8Array, moreBytes: number, op?: number): S {
    this.sweep();
    const id = Buffer.from(correlation.buffer, correlation.byteOffset, correlation.length).toString('hex');
    const e = this.#streams.get(principal)?.get(id);
    if (!e) throw new MultipartError('unknown', 'no open multi-part operation has that Correlation Value');
    // Another operation's stream is left alone: the request is refused as if the value were unknown.
    if (op !== undefined && e.state.op !== op) throw new MultipartError('unknown', 'that Correlation Value belongs to another operation');
    if (e.bytes + moreBytes > this.limits.maxBytes) {
      this.#drop(principal, id);
      throw new MultipartError('too-large', `a multi-part operation takes at most ${this.limits.maxBytes} bytes: the operation is abandoned`);
    }
    e.bytes += moreBytes;
    e.lastUsed = this.#now();
    return e.state;
  }

  /** The principal's stream for `correlation` (of operation `op`, when given), without charging it;
   *  MultipartError 'unknown' when there is none. */
  peek(principal: string, correlation: Uint8Array, op?: number): S {
    this.sweep();
    const e = this.#streams.get(principal)?.get(Buffer.from(correlation.buffer, correlation.byteOffset, correlation.length).toString('hex'));
    if (!e) throw new MultipartError('unknown', 'no open multi-part operation has that Correlation Value');
    if (op !== undefined && e.state.op !== op) throw new MultipartError('unknown', 'that Correlation Value belongs to another operation');
    return e.state;
  }

  /** Ends a stream (after its Final part, or on an error that spoils it) and closes its state. */
  end(principal: string, correlation: Uint8Array): void {
    this.#drop(principal, Buffer.from(correlation.buffer, correlation.byteOffset, correlation.length).toString('hex'));
  }

  /** Closes streams idle for longer than limits.idleMs. */
  sweep(): void {
    if (this.#count === 0) return;
    const cutoff = this.#now() - this.limits.idleMs;
    for (const [principal, map] of this.#streams) {
      for (const [id, e] of map) if (e.lastUsed <= cutoff) this.#drop(principal, id);
    }
  }

  /** Closes every stream (engine shutdown). */
  closeAll(): void {
    for (const [principal, map] of this.#streams) for (const id of [...map.keys()]) this.#drop(principal, id);
  }

  #drop(principal: string, id: string): void {
    const map = this.#streams.get(principal);
    const e = map?.get(id);
    if (!map || !e) return;
    map.delete(id);
    if (map.size === 0) this.#streams.delete(principal);
    this.#count--;
    e.state.close();
    if (this.#count === 0 && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }

  /** While streams are open, a timer (which does not keep the process alive) closes the idle ones. */
  #arm(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.sweep(), Math.max(1000, Math.min(this.limits.idleMs, 60_000)));
    this.#timer.unref?.();
  }
}

/** One store per engine (keyed by its ServerState object), so that engines never see each other's streams. */
const stores = new WeakMap<object, MultipartStore>();

export function storeFor(server: object): MultipartStore {
  let s = stores.get(server);
  if (!s) {
    s = new MultipartStore();
    stores.set(server, s);
  }
  return s;
}
