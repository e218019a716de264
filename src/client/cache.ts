// The client's optional local cache of key material: successful Get answers, held encrypted in memory
// (AES-256-GCM under a random key of this cache, a fresh nonce per entry), bounded by age, entry count
// and bytes (least recently used out first), and dropped when this client changes the object, fails on
// it or cannot tell which object a batch item changed. It answers a Get without a round trip only when
// asked ('prefer'); otherwise only when no server can be reached, so applications ride out a short
// outage. See docs/client.md, "Local key cache".
import { createCipheriv, createDecipheriv, randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Tag } from '../dict/index.js';
import { child, struct } from '../kmip/items.js';
import { decode, encode } from '../ttlv/index.js';
import { ItemType, type TtlvItem } from '../ttlv/types.js';
import { KmipTransportError } from './connection.js';
import type { ResponseItem, VersionNumber } from './messages.js';
import type { OpSpec } from './ops.js';

/**
 * How a Get uses the cache. 'fallback' (the default): the server is asked; a cached answer is given only
 * when no server can be reached. 'prefer': a fresh entry (younger than `ttlMs`) answers without a round
 * trip; otherwise as 'fallback'. 'bypass': the server is asked and its failure is thrown (the answer
 * still refreshes the cache).
 */
export type CacheMode = 'prefer' | 'fallback' | 'bypass';

export interface KeyCacheOptions {
  /** How long an entry is fresh, from the Get answer that stored it (milliseconds). */
  ttlMs: number;
  /** How much longer than `ttlMs` an entry may still answer while no server is reachable (default 0). */
  serveStaleOnOutageMs?: number;
  /** Most entries kept (default 1,000); the least recently used goes first. */
  maxEntries?: number;
  /** Most bytes kept, encrypted entries and their keys counted (default 16 MiB). */
  maxBytes?: number;
  /** The mode of a Get that names none (default 'fallback'). */
  mode?: CacheMode;
}

export interface KeyCacheStats {
  entries: number;
  bytes: number;
  /** Gets answered from a fresh entry without asking the server ('prefer'). */
  hits: number;
  /** Lookups ('prefer', or during an outage) that found no entry to answer with. */
  misses: number;
  /** Gets answered from the cache because no server could be reached. */
  outageHits: number;
  /** Of those, answers from an entry past `ttlMs` (within `serveStaleOnOutageMs`). */
  staleHits: number;
  /** Entries pushed out by `maxEntries` or `maxBytes`. */
  evictions: number;
  /** Entries dropped for age. */
  expirations: number;
  /** Entries dropped because the client changed the object, the server refused it, or `clear()`. */
  invalidations: number;
}

/** What `client.cache` offers. */
export interface KeyCacheView {
  stats(): KeyCacheStats;
  /** Drops every entry. */
  clear(): void;
  /** Drops the entries of this object (for changes made elsewhere: another client, `send()`). */
  invalidate(uniqueIdentifier: string): void;
}

export const DEFAULT_CACHE_MAX_ENTRIES = 1_000;
export const DEFAULT_CACHE_MAX_BYTES = 16 * 1024 * 1024;
/** Key material is kept no longer than this (`ttlMs` + `serveStaleOnOutageMs`): a cache is not a key store. */
export const MAX_CACHE_AGE_MS = 24 * 60 * 60 * 1000;
/** Invalidation marks kept for requests in flight; past this they are forgotten at once and every answer
 *  in flight is refused, so a client that writes to many objects cannot grow the cache's memory. */
export const MAX_INVALIDATION_MARKS = 10_000;

/** Operations that change no object (or only usage counters): they invalidate nothing. Any other
 *  operation, known or not, invalidates the objects it names. */
const READ_ONLY = new Set([
  'Get', 'GetAttributes', 'GetAttributeList', 'Locate', 'Check', 'Query', 'DiscoverVersions', 'RNGRetrieve', 'RNGSeed',
  'Validate', 'Encrypt', 'Decrypt', 'Sign', 'SignatureVerify', 'MAC', 'MACVerify', 'Hash', 'Export', 'Poll', 'Cancel',
  'Ping', 'Interop', 'Log', 'Login', 'Logout', 'QueryAsynchronousRequests', 'GetConstraints', 'ObtainLease',
]);
/** Operations that make new objects and need no identifier: without one they address no existing object. */
const CREATORS = new Set(['Create', 'CreateKeyPair', 'Register', 'CreateSplitKey']);
/** Operations whose answers are kept. */
const CACHEABLE = new Set(['Get']);
const ID_TAGS = new Set<number>([Tag.UniqueIdentifier, Tag.PrivateKeyUniqueIdentifier, Tag.PublicKeyUniqueIdentifier]);
/** Cache keys are built from the request as sent at this version (a Get's payload is the same at every one). */
const KEY_VERSION: VersionNumber = 21;
/** Transport failures that mean no server answered: the caller's own abort, or a reply that does not
 *  frame (a server that answers, badly), are not outages. */
const OUTAGE_CODES = new Set(['CONNECT', 'TIMEOUT', 'CLOSED']);
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/** The text identifiers named anywhere in these items; `placeholder` when one is not text (a 2.x
 *  enumeration or index standing for another item's object). */
export function identifiersIn(items: readonly TtlvItem[] | TtlvItem | undefined): { uids: string[]; placeholder: boolean } {
  const out = { uids: [] as string[], placeholder: false };
  const walk = (it: TtlvItem): void => {
    if (ID_TAGS.has(it.tag)) {
      if (it.type === ItemType.TextString) out.uids.push(it.value);
      else out.placeholder = true;
    } else if (it.type === ItemType.Structure) it.value.forEach(walk);
  };
  if (items === undefined) return out;
  if (Array.isArray(items)) (items as readonly TtlvItem[]).forEach(walk);
  else walk(items as TtlvItem);
  return out;
}

function requestPayload(spec: OpSpec<unknown>): TtlvItem[] | undefined {
  for (const v of [KEY_VERSION, 20, 14, 12, 10]) {
    try {
      return spec.payload(v);
    } catch {
      // Not valid at this version: try the next.
    }
  }
  return undefined;
}

/** A cacheable request: its cache key and the object it names. */
export interface CacheRef {
  key: string;
  uid: string;
}

interface Entry {
  uid: string;
  nonce: Buffer;
  sealed: Buffer;
  tag: Buffer;
  version: VersionNumber;
  storedAt: number;
  size: number;
}

/** What one message does to the cache: see `KeyCache.watch`. */
export interface CacheWatch {
  /** The server answered: invalidate what was changed or refused, keep the Get answers. */
  answered(items: readonly (ResponseItem | undefined)[], version: VersionNumber): void;
  /** No usable answer (transport, protocol or message error): the writes may or may not have happened. */
  lost(): void;
}

function positiveInteger(name: string, v: number | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new RangeError(`cache.${name} must be an integer of at least ${min} (got ${String(v)})`);
  return v;
}

export class KeyCache implements KeyCacheView {
  readonly mode: CacheMode;
  private readonly ttlMs: number;
  private readonly maxAgeMs: number;
  private readonly maxEntries: number;
  private readonly maxBytes: number;
  /** The AES-256 key: never leaves this instance; zeroized by close(). */
  #key: Buffer | undefined;
  /** In least recently used order. */
  private readonly entries = new Map<string, Entry>();
  private readonly byUid = new Map<string, Set<string>>();
  private bytes = 0;
  // Answers to requests sent before their object was invalidated are not kept: a request takes the
  // epoch as its token; an invalidation marks its object with a new epoch; clear() raises the floor.
  private epoch = 0;
  private floor = 0;
  private readonly marks = new Map<string, number>();
  private readonly counts = { hits: 0, misses: 0, outageHits: 0, staleHits: 0, evictions: 0, expirations: 0, invalidations: 0 };
  private sweeper: NodeJS.Timeout | undefined;
  private readonly now = () => performance.now();

  constructor(options: KeyCacheOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('cache must be an options object');
    this.ttlMs = positiveInteger('ttlMs', options.ttlMs, NaN);
    const stale = positiveInteger('serveStaleOnOutageMs', options.serveStaleOnOutageMs, 0, 0);
    this.maxAgeMs = this.ttlMs + stale;
    if (this.maxAgeMs > MAX_CACHE_AGE_MS) throw new RangeError(`cache.ttlMs + cache.serveStaleOnOutageMs must be at most ${MAX_CACHE_AGE_MS} ms`);
    this.maxEntries = positiveInteger('maxEntries', options.maxEntries, DEFAULT_CACHE_MAX_ENTRIES);
    this.maxBytes = positiveInteger('maxBytes', options.maxBytes, DEFAULT_CACHE_MAX_BYTES);
    const mode = options.mode ?? 'fallback';
    if (mode !== 'prefer' && mode !== 'fallback' && mode !== 'bypass') throw new TypeError(`cache.mode must be 'prefer', 'fallback' or 'bypass' (got ${String(mode)})`);
    this.mode = mode;
    // Allocated, not from Buffer's shared pool, so zeroizing it wipes no one else's bytes and nothing else holds it.
    this.#key = randomFillSync(Buffer.alloc(32));
  }

  stats(): KeyCacheStats {
    return { entries: this.entries.size, bytes: this.bytes, ...this.counts };
  }

  clear(): void {
    this.counts.invalidations += this.entries.size;
    this.dropAll();
  }

  invalidate(uniqueIdentifier: string): void {
    this.mark(uniqueIdentifier);
    const keys = this.byUid.get(uniqueIdentifier);
    if (!keys) return;
    this.counts.invalidations += keys.size;
    for (const k of [...keys]) this.drop(k);
  }

  /** Zeroizes the key and drops everything; the cache neither keeps nor answers anything after this. */
  close(): void {
    this.dropAll();
    this.#key?.fill(0);
    this.#key = undefined;
  }

  /** The cache key of a request whose answer is kept (a Get naming its object), else undefined. */
  refOf(spec: OpSpec<unknown>): CacheRef | undefined {
    if (!CACHEABLE.has(spec.operation)) return undefined;
    const payload = requestPayload(spec);
    const uid = payload?.find((i) => i.tag === Tag.UniqueIdentifier);
    if (!payload || uid?.type !== ItemType.TextString) return undefined;
    // Everything the request asks for (Key Format Type, wrapping, compression) is in the key, so one
    // form of an object never answers for another.
    const key = `${spec.operation}:${encode(struct(Tag.RequestPayload, payload)).toString('base64')}`;
    return { key, uid: uid.value };
  }

  /** 'prefer': a fresh entry's Response Payload, or undefined (a miss). */
  fresh(ref: CacheRef): { payload: TtlvItem; version: VersionNumber } | undefined {
    const e = this.lookup(ref);
    if (!e || this.now() - e.storedAt > this.ttlMs) {
      this.counts.misses++;
      return undefined;
    }
    const out = this.open(ref.key, e);
    if (out) this.counts.hits++;
    else this.counts.misses++;
    return out;
  }

  /** After a failed Get: an entry to answer with when the failure is an outage, else undefined. */
  outage(ref: CacheRef, err: unknown): { payload: TtlvItem; version: VersionNumber } | undefined {
    if (!(err instanceof KmipTransportError) || !OUTAGE_CODES.has(err.code) || !this.#key) return undefined;
    const e = this.lookup(ref);
    const out = e && this.open(ref.key, e);
    if (!e || !out) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.outageHits++;
    if (this.now() - e.storedAt > this.ttlMs) this.counts.staleHits++;
    return out;
  }

  /**
   * Called before a message is sent with its items: drops the objects its writes name at once (the
   * intent counts, answered or not), and returns what to do with the answer. A write addressed by ID
   * Placeholder in a batch drops every object the batch names, in requests and answers; when no answer
   * comes, the whole cache.
   */
  watch(specs: readonly OpSpec<unknown>[]): CacheWatch {
    const requests = specs.map(requestPayload);
    const named = requests.map((r) => identifiersIn(r));
    const writes: string[] = [];
    let placeholderWrite = false;
    // A write whose request cannot be read here: what it changes is unknown.
    let unknownWrite = false;
    specs.forEach((s, i) => {
      if (READ_ONLY.has(s.operation)) return;
      if (requests[i] === undefined && !CREATORS.has(s.operation)) unknownWrite = true;
      writes.push(...named[i].uids);
      if (named[i].placeholder || (named[i].uids.length === 0 && !CREATORS.has(s.operation))) placeholderWrite = true;
    });
    // A single item has no earlier item to take its placeholder from.
    const placeholder = placeholderWrite && specs.length > 1;
    const everyNamed = placeholder ? named.flatMap((n) => n.uids) : [];
    for (const uid of [...writes, ...everyNamed]) this.invalidate(uid);
    if (unknownWrite) this.clear();
    const token = this.epoch;
    const refs = specs.map((s) => this.refOf(s));
    return {
      answered: (items, version) => {
        for (const uid of [...writes, ...everyNamed]) this.invalidate(uid);
        if (unknownWrite) this.clear();
        items.forEach((it, i) => {
          if (!it) return;
          // Any refusal (not found, permission denied, wrong state, ...) drops what is kept of the object.
          if (it.error) return named[i].uids.forEach((uid) => this.invalidate(uid));
          if (placeholder || !READ_ONLY.has(specs[i].operation)) identifiersIn(it.payload).uids.forEach((uid) => this.invalidate(uid));
        });
        items.forEach((it, i) => {
          const ref = refs[i];
          if (it && !it.error && ref) this.store(ref, it.payload, version, token);
        });
      },
      lost: () => {
        for (const uid of [...writes, ...everyNamed]) this.invalidate(uid);
        if (placeholder || unknownWrite) this.clear();
      },
    };
  }

  // ---------------------------------------------------------------------------------------- internals

  private mark(uid: string): void {
    this.epoch++;
    if (this.marks.size >= MAX_INVALIDATION_MARKS) {
      this.marks.clear();
      this.floor = this.epoch;
    }
    this.marks.set(uid, this.epoch);
  }

  /** Keeps a Get answer, unless its object was invalidated since the request was sent. */
  private store(ref: CacheRef, payload: TtlvItem | undefined, version: VersionNumber, token: number): void {
    const key = this.#key;
    if (!key || !payload || token < this.floor || (this.marks.get(ref.uid) ?? 0) > token) return;
    // The answer must be about the object asked for.
    const uid = child(payload, Tag.UniqueIdentifier);
    if (uid?.type !== ItemType.TextString || uid.value !== ref.uid) return;
    const plain = encode(payload);
    try {
      const nonce = randomFillSync(Buffer.alloc(NONCE_BYTES));
      const cipher = createCipheriv('aes-256-gcm', key, nonce);
      // The cache key as associated data: an entry cannot be made to answer for another request.
      cipher.setAAD(Buffer.from(ref.key));
      const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
      const entry: Entry = { uid: ref.uid, nonce, sealed, tag: cipher.getAuthTag(), version, storedAt: this.now(), size: 0 };
      entry.size = sealed.length + NONCE_BYTES + TAG_BYTES + 2 * ref.key.length + 2 * ref.uid.length;
      this.drop(ref.key);
      if (entry.size > this.maxBytes) return;
      this.entries.set(ref.key, entry);
      this.bytes += entry.size;
      let keys = this.byUid.get(ref.uid);
      if (!keys) this.byUid.set(ref.uid, (keys = new Set()));
      keys.add(ref.key);
      for (const [k] of this.entries) {
        if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
        this.drop(k);
        this.counts.evictions++;
      }
      this.startSweeper();
    } finally {
      plain.fill(0);
    }
  }

  /** The entry, moved to the most recently used end; an entry too old is dropped. */
  private lookup(ref: CacheRef): Entry | undefined {
    const e = this.entries.get(ref.key);
    if (!e) return undefined;
    if (this.now() - e.storedAt > this.maxAgeMs) {
      this.drop(ref.key);
      this.counts.expirations++;
      return undefined;
    }
    this.entries.delete(ref.key);
    this.entries.set(ref.key, e);
    return e;
  }

  /** Decrypts an entry back to its Response Payload; the plaintext bytes are zeroized once decoded (the
   *  decoded tree holds its own copies: they go to the caller). */
  private open(cacheKey: string, e: Entry): { payload: TtlvItem; version: VersionNumber } | undefined {
    const key = this.#key;
    if (!key) return undefined;
    const plaintexts: Buffer[] = [];
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, e.nonce);
      decipher.setAAD(Buffer.from(cacheKey));
      decipher.setAuthTag(e.tag);
      const body = decipher.update(e.sealed);
      plaintexts.push(body);
      const tail = decipher.final(); // empty for GCM, and the tag checked
      plaintexts.push(tail);
      const plain = tail.length ? Buffer.concat([body, tail]) : body;
      plaintexts.push(plain);
      return { payload: decode(plain), version: e.version };
    } catch {
      // Cannot happen short of memory corruption: the entry is unusable, so it goes.
      this.drop(cacheKey);
      return undefined;
    } finally {
      for (const b of plaintexts) b.fill(0);
    }
  }

  private drop(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    this.bytes -= e.size;
    e.sealed.fill(0);
    const keys = this.byUid.get(e.uid);
    keys?.delete(key);
    if (keys?.size === 0) this.byUid.delete(e.uid);
    if (this.entries.size === 0) this.stopSweeper();
  }

  private dropAll(): void {
    for (const e of this.entries.values()) e.sealed.fill(0);
    this.entries.clear();
    this.byUid.clear();
    this.bytes = 0;
    this.epoch++;
    this.floor = this.epoch;
    this.marks.clear();
    this.stopSweeper();
  }

  /** Drops entries past their age even when nothing asks for them, so key material does not linger. */
  private startSweeper(): void {
    if (this.sweeper) return;
    const every = Math.min(Math.max(Math.ceil(this.maxAgeMs / 2), 1_000), 60_000);
    this.sweeper = setInterval(() => {
      const now = this.now();
      for (const [k, e] of [...this.entries]) {
        if (now - e.storedAt > this.maxAgeMs) {
          this.drop(k);
          this.counts.expirations++;
        }
      }
    }, every);
    this.sweeper.unref();
  }

  private stopSweeper(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
  }
}
