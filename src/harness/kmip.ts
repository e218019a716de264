// The KMIP side of a run: the objects a mix needs (setup), one operation per call (the runner's
// Driver), and removing what the run made (cleanup).
//
// Setup creates `keys` AES-256 keys with usage Encrypt|Decrypt and names `<prefix>-<run>-k<i>`: Get,
// Locate (by Name), Encrypt and Decrypt pick one at random. With Encrypt or Decrypt in the mix the keys are
// activated and each encrypts a sample once, giving Decrypt a ciphertext to decrypt. Destroy needs objects
// of its own: setup creates a pool of them, and every object the run's Creates make joins the pool. A
// Destroy that finds the pool empty first creates its object (a "refill"), untimed in the closed loop; in
// the open loop the refill's time counts, as the schedule does not wait. Cleanup revokes the activated
// keys and destroys every object the run made and did not destroy (unless `keep`).
import { randomBytes } from 'node:crypto';
import { KmipClient, KmipError, KmipProtocolError, KmipTransportError, type BatchItemResult, type CryptographicParameters } from '../client/index.js';
import type { Driver, OpOutcome } from './runner.js';
import { KMIP_NAME, type MixItem, type OperationName } from './workload.js';

/** Objects per request in setup and cleanup: few round trips without one huge message. */
export const SETUP_BATCH = 50;

export type Cipher = 'aes-cbc' | 'aes-gcm';
export const CIPHERS: readonly Cipher[] = ['aes-cbc', 'aes-gcm'];

const PARAMETERS: Record<Cipher, { params: CryptographicParameters; ivBytes: number }> = {
  'aes-cbc': { params: { cryptographicAlgorithm: 'AES', blockCipherMode: 'CBC', paddingMethod: 'PKCS5' }, ivBytes: 16 },
  // PyKMIP's server wants the tag length for GCM.
  'aes-gcm': { params: { cryptographicAlgorithm: 'AES', blockCipherMode: 'GCM', tagLength: 16 }, ivBytes: 12 },
};

/** A failure of setup or cleanup, with the operation that failed and the client error as `cause`. */
export class BenchSetupError extends Error {
  readonly step: string;
  constructor(step: string, cause: unknown) {
    super(`${step}: ${describe(cause)}`, { cause });
    this.step = step;
    this.name = 'BenchSetupError';
  }
}

function describe(e: unknown): string {
  if (e instanceof KmipError) return `the server refused ${e.operation ?? 'the request'}: ${e.reason ?? e.status}${e.resultMessage ? `: ${e.resultMessage}` : ''}`;
  return (e as Error)?.message ?? String(e);
}

/** The reason an operation failed, as reports count it. */
export function reasonOf(e: unknown): string {
  if (e instanceof KmipError) return e.reason ?? e.status;
  if (e instanceof KmipTransportError) return `transport:${e.code}`;
  if (e instanceof KmipProtocolError) return 'protocol:InvalidResponse';
  if (e instanceof TypeError || e instanceof RangeError) return `client:${e.name}`;
  return `error:${(e as Error)?.name ?? 'Error'}`;
}

/** What each reason means and what to do about it, for reports. */
export function hintFor(reason: string, operation?: string): string | undefined {
  // A mix name ('get', 'create-batch:100') or a KMIP name as it is ('Activate').
  const op = operation ? (KMIP_NAME[operation.replace(/-batch:\d+$/, '') as OperationName] ?? operation) : 'the operation';
  if (reason === 'OperationNotSupported') return `the server does not implement ${op}: drop it from --mix (or keep it to record the refusal)`;
  if (reason === 'PermissionDenied') return `the server's policy refuses ${op} to this client certificate: check its access rules`;
  if (reason === 'WrongKeyLifecycleState') return `the key is in a state ${op} does not allow (e.g. not Active for Encrypt)`;
  if (reason === 'InvalidField' || reason === 'InvalidMessage') return `the server did not accept the request's fields: try another --cipher or --kmip-version`;
  if (reason === 'CryptographicFailure') return 'the server could not do the cryptography asked: try another --cipher';
  if (reason === 'transport:TIMEOUT') return 'no answer in time: the server is overloaded or stuck; raise --timeout or lower the load';
  if (reason === 'transport:CLOSED') return 'the server closed the connection: check its connection limits and logs';
  if (reason === 'transport:CONNECT') return 'could not (re)connect: the server went away or refuses more connections';
  if (reason.startsWith('check:')) return 'the answer was not the one expected: the server answered with the wrong object or data';
  if (reason.startsWith('refill:')) return 'a Destroy had no object and creating one failed: see the Create errors';
  return undefined;
}

export interface KmipDriverOptions {
  clients: readonly KmipClient[];
  /** Workers per client (requests in flight per connection). */
  concurrency: number;
  mix: readonly MixItem[];
  keys: number;
  namePrefix: string;
  cipher: Cipher;
  dataSize: number;
  random: () => number;
  /** Setup progress and findings, one line each. */
  note(line: string): void;
}

interface Key {
  id: string;
  name: string;
  /** A ciphertext of the sample made in setup, for Decrypt. */
  sealed?: { data: Uint8Array; iv: Uint8Array; tag?: Uint8Array };
}

const keyAttributes = (name: string) => ({ cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'], name });

type Prepared = { ids: string[] } | { error: string } | undefined;

export class KmipWorkload implements Driver<Prepared> {
  readonly runId = randomBytes(4).toString('hex');
  private readonly keyList: Key[] = [];
  /** Objects Destroy may take. */
  private readonly disposable: string[] = [];
  /** Every object this run made and has not destroyed. */
  readonly live = new Set<string>();
  private readonly active = new Set<string>();
  private seq = 0;
  private readonly sample: Uint8Array;
  private readonly crypto: boolean;
  refills = 0;
  setupMs = 0;
  readonly notes: string[] = [];

  constructor(private readonly o: KmipDriverOptions) {
    // A fixed pattern: the sample is not secret and looks like nothing real.
    this.sample = Uint8Array.from({ length: o.dataSize }, (_, i) => (i * 31 + 7) & 0xff);
    this.crypto = o.mix.some((m) => m.operation === 'encrypt' || m.operation === 'decrypt');
  }

  get keys(): readonly Key[] {
    return this.keyList;
  }

  private clientOf(worker: number): KmipClient {
    return this.o.clients[Math.floor(worker / this.o.concurrency) % this.o.clients.length];
  }

  private name(kind: string): string {
    return `${this.o.namePrefix}-${this.runId}-${kind}${this.seq++}`;
  }

  private note(line: string): void {
    this.notes.push(line);
    this.o.note(line);
  }

  /** Runs `fn` over chunks of `items`, one chunk per client at a time. */
  private async chunked<T, R>(items: readonly T[], fn: (client: KmipClient, chunk: T[]) => Promise<R[]>): Promise<R[]> {
    const chunks: T[][] = [];
    for (let i = 0; i < items.length; i += SETUP_BATCH) chunks.push(items.slice(i, i + SETUP_BATCH));
    const out: R[][] = new Array(chunks.length);
    let next = 0;
    let failed = false;
    // After a failure no chunk is started, and every started one is waited for: nothing is still being
    // made on the server when the caller moves on to cleanup.
    const settled = await Promise.allSettled(
      this.o.clients.map(async (client) => {
        while (next < chunks.length && !failed) {
          const i = next++;
          try {
            out[i] = await fn(client, chunks[i]);
          } catch (e) {
            failed = true;
            throw e;
          }
        }
      }),
    );
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected) throw rejected.reason;
    return out.flat();
  }

  /** Creates one AES key per name, in batches; rejects with the first refusal. */
  private async createMany(names: readonly string[]): Promise<string[]> {
    return this.chunked(names, async (client, chunk) => {
      const b = client.batch();
      for (const n of chunk) b.create(keyAttributes(n));
      const results = await b.send();
      const ids: string[] = [];
      let failure: unknown;
      for (const r of results) {
        if (r.status === 'success') {
          const id = (r.value as { uniqueIdentifier: string }).uniqueIdentifier;
          ids.push(id);
          this.live.add(id);
        } else failure ??= r.status === 'failed' ? r.error : new KmipProtocolError('the server skipped a Create of the batch');
      }
      if (failure) throw failure;
      return ids;
    });
  }

  /** Makes the objects the mix needs; rejects with BenchSetupError when the server refuses Create. */
  async setup(destroyPool: number): Promise<void> {
    const t0 = performance.now();
    const uses = new Set(this.o.mix.map((m) => m.operation));
    const needKeys = uses.has('get') || uses.has('locate') || this.crypto;
    if (needKeys) {
      const names = Array.from({ length: this.o.keys }, () => this.name('k'));
      let ids: string[];
      try {
        ids = await this.createMany(names);
      } catch (e) {
        throw new BenchSetupError(`setup: creating ${this.o.keys} AES keys for ${[...uses].filter((u) => u !== 'create' && u !== 'destroy').map((u) => KMIP_NAME[u]).join(', ')}`, e);
      }
      ids.forEach((id, i) => this.keyList.push({ id, name: names[i] }));
    }
    if (destroyPool > 0) {
      try {
        this.disposable.push(...(await this.createMany(Array.from({ length: destroyPool }, () => this.name('d')))));
      } catch (e) {
        throw new BenchSetupError(`setup: creating ${destroyPool} objects for Destroy`, e);
      }
    }
    // Checks that the server does what each operation is timed doing, before timing it.
    const probe = async (what: string, fn: () => Promise<void>): Promise<void> => {
      try {
        await fn();
      } catch (e) {
        const reason = reasonOf(e);
        const hint = hintFor(reason, what.split(' ')[0]);
        this.note(`${what} failed in setup (${describe(e)}); its requests will count as errors${hint ? `: ${hint}` : ''}`);
      }
    };
    const client = this.o.clients[0];
    if (uses.has('get')) {
      await probe('Get', async () => {
        const k = this.keyList[0];
        const got = await client.get(k.id);
        if (got.uniqueIdentifier !== k.id) throw new Error(`Get ${k.id} answered for ${got.uniqueIdentifier}`);
      });
    }
    if (uses.has('locate')) {
      await probe('Locate by Name', async () => {
        const k = this.keyList[0];
        const found = await client.locate({ name: k.name });
        if (!found.uniqueIdentifiers.includes(k.id)) throw new Error(`Locate by Name ${k.name} did not find ${k.id} (found ${found.uniqueIdentifiers.length})`);
      });
    }
    if (this.crypto) {
      let activated = true;
      await probe('Activate', async () => {
        try {
          await this.chunked(this.keyList, async (c, chunk) => {
            const b = c.batch();
            for (const k of chunk) b.activate(k.id);
            const results = await b.send();
            results.forEach((r, i) => r.status === 'success' && this.active.add(chunk[i].id));
            const failed = results.find((r): r is Extract<BatchItemResult, { status: 'failed' }> => r.status === 'failed');
            if (failed) throw failed.error;
            return [];
          });
        } catch (e) {
          activated = false;
          throw e;
        }
      });
      if (activated) {
        await probe('Encrypt', async () => {
          await this.chunked(this.keyList, async (c, chunk) => {
            for (const k of chunk) {
              const iv = this.iv();
              const r = await c.encrypt(k.id, this.sample, { cryptographicParameters: PARAMETERS[this.o.cipher].params, ivCounterNonce: iv });
              if (r.data.length === 0) throw new Error('Encrypt answered with no data');
              k.sealed = { data: r.data, iv: r.ivCounterNonce ?? iv, ...(r.authenticatedEncryptionTag ? { tag: r.authenticatedEncryptionTag } : {}) };
            }
            return [];
          });
        });
      }
      if (uses.has('decrypt') && this.keyList[0]?.sealed) {
        await probe('Decrypt', async () => {
          const k = this.keyList[0];
          const r = await client.decrypt(k.id, k.sealed!.data, this.decryptOptions(k));
          if (!Buffer.from(r.data).equals(Buffer.from(this.sample))) throw new Error('Decrypt did not give back the sample');
        });
      }
    }
    this.setupMs = performance.now() - t0;
  }

  private iv(): Uint8Array {
    return new Uint8Array(randomBytes(PARAMETERS[this.o.cipher].ivBytes));
  }

  private decryptOptions(k: Key) {
    const s = k.sealed;
    return {
      cryptographicParameters: PARAMETERS[this.o.cipher].params,
      ivCounterNonce: s?.iv ?? this.iv(),
      ...(s?.tag ? { authenticatedEncryptionTag: s.tag } : {}),
    };
  }

  private pickKey(): Key {
    return this.keyList[Math.floor(this.o.random() * this.keyList.length)];
  }

  /** Destroy takes its objects here, outside the timed call; everything else needs nothing. */
  async prepare(mixIndex: number, worker: number): Promise<Prepared> {
    const item = this.o.mix[mixIndex];
    if (item.operation !== 'destroy') return undefined;
    const ids = this.disposable.splice(Math.max(0, this.disposable.length - item.batch));
    const missing = item.batch - ids.length;
    if (missing > 0) {
      this.refills += missing;
      try {
        const names = Array.from({ length: missing }, () => this.name('d'));
        const client = this.clientOf(worker);
        if (missing === 1) {
          const { uniqueIdentifier } = await client.create(keyAttributes(names[0]));
          this.live.add(uniqueIdentifier);
          ids.push(uniqueIdentifier);
        } else {
          const b = client.batch();
          for (const n of names) b.create(keyAttributes(n));
          for (const r of await b.send()) {
            if (r.status === 'failed') throw r.error;
            if (r.status === 'success') {
              const id = (r.value as { uniqueIdentifier: string }).uniqueIdentifier;
              this.live.add(id);
              ids.push(id);
            }
          }
        }
      } catch (e) {
        this.disposable.push(...ids);
        return { error: `refill:${reasonOf(e)}` };
      }
    }
    return { ids };
  }

  async run(mixIndex: number, worker: number, prepared: Prepared): Promise<OpOutcome> {
    const item = this.o.mix[mixIndex];
    const client = this.clientOf(worker);
    if (prepared && 'error' in prepared) return { ok: false, reason: prepared.error, items: 0 };
    try {
      return item.batch === 1 ? await this.single(item.operation, client, prepared) : await this.batch(item, client, prepared);
    } catch (e) {
      return { ok: false, reason: reasonOf(e), items: 0 };
    }
  }

  private async single(op: OperationName, client: KmipClient, prepared: Prepared): Promise<OpOutcome> {
    const fail = (reason: string): OpOutcome => ({ ok: false, reason, items: 0 });
    switch (op) {
      case 'create': {
        const { uniqueIdentifier } = await client.create(keyAttributes(this.name('c')));
        this.live.add(uniqueIdentifier);
        this.disposable.push(uniqueIdentifier);
        break;
      }
      case 'get': {
        const k = this.pickKey();
        const got = await client.get(k.id);
        if (got.uniqueIdentifier !== k.id) return fail('check:WrongObject');
        break;
      }
      case 'locate': {
        const k = this.pickKey();
        const found = await client.locate({ name: k.name });
        if (!found.uniqueIdentifiers.includes(k.id)) return fail('check:NotFound');
        break;
      }
      case 'encrypt': {
        const k = this.pickKey();
        const r = await client.encrypt(k.id, this.sample, { cryptographicParameters: PARAMETERS[this.o.cipher].params, ivCounterNonce: this.iv() });
        if (r.data.length === 0) return fail('check:NoData');
        break;
      }
      case 'decrypt': {
        const k = this.pickKey();
        const r = await client.decrypt(k.id, k.sealed?.data ?? this.sample, this.decryptOptions(k));
        if (!Buffer.from(r.data).equals(Buffer.from(this.sample))) return fail('check:WrongPlaintext');
        break;
      }
      case 'destroy': {
        const id = (prepared as { ids: string[] }).ids[0];
        await client.destroy(id);
        this.live.delete(id);
        break;
      }
    }
    return { ok: true, items: 1 };
  }

  private async batch(item: MixItem, client: KmipClient, prepared: Prepared): Promise<OpOutcome> {
    const b = client.batch();
    const picked: Key[] = [];
    const destroying = item.operation === 'destroy' ? (prepared as { ids: string[] }).ids : [];
    for (let i = 0; i < item.batch; i++) {
      switch (item.operation) {
        case 'create':
          b.create(keyAttributes(this.name('c')));
          break;
        case 'destroy':
          b.destroy(destroying[i]);
          break;
        default: {
          const k = this.pickKey();
          picked.push(k);
          if (item.operation === 'get') b.get(k.id);
          else if (item.operation === 'locate') b.locate({ name: k.name });
          else if (item.operation === 'encrypt') b.encrypt(k.id, this.sample, { cryptographicParameters: PARAMETERS[this.o.cipher].params, ivCounterNonce: this.iv() });
          else b.decrypt(k.id, k.sealed?.data ?? this.sample, this.decryptOptions(k));
        }
      }
    }
    const results = await b.send();
    let reason: string | undefined;
    results.forEach((r, i) => {
      if (r.status !== 'success') {
        reason ??= r.status === 'failed' ? reasonOf(r.error) : 'skipped';
        return;
      }
      const v = r.value as { uniqueIdentifier?: string; uniqueIdentifiers?: string[]; data?: Uint8Array };
      if (item.operation === 'create') {
        this.live.add(v.uniqueIdentifier!);
        this.disposable.push(v.uniqueIdentifier!);
      } else if (item.operation === 'destroy') this.live.delete(destroying[i]);
      else if (item.operation === 'get' && v.uniqueIdentifier !== picked[i].id) reason ??= 'check:WrongObject';
      else if (item.operation === 'locate' && !v.uniqueIdentifiers?.includes(picked[i].id)) reason ??= 'check:NotFound';
      else if (item.operation === 'decrypt' && !Buffer.from(v.data ?? []).equals(Buffer.from(this.sample))) reason ??= 'check:WrongPlaintext';
    });
    if (results.length !== item.batch) reason ??= 'protocol:WrongItemCount';
    return reason ? { ok: false, reason, items: 0 } : { ok: true, items: item.batch };
  }

  /** Revokes the keys it activated and destroys every object it made that is still there. */
  async cleanup(): Promise<{ destroyed: number; failed: number; reasons: Record<string, number> }> {
    const reasons: Record<string, number> = {};
    const count = (r: string, n = 1) => (reasons[r] = (reasons[r] ?? 0) + n);
    let dead = false;
    const each = async (ids: string[], add: (b: ReturnType<KmipClient['batch']>, id: string) => void): Promise<string[]> => {
      const done: string[] = [];
      await this.chunked(ids, async (client, chunk) => {
        if (dead) {
          count('not tried: the server stopped answering', chunk.length);
          return [];
        }
        try {
          const b = client.batch({ errorContinuation: 'Continue' });
          for (const id of chunk) add(b, id);
          const results = await b.send();
          results.forEach((r, i) => (r.status === 'success' ? done.push(chunk[i]) : count(r.status === 'failed' ? reasonOf(r.error) : 'skipped')));
        } catch (e) {
          if (e instanceof KmipTransportError) dead = true;
          count(reasonOf(e), chunk.length);
        }
        return [];
      });
      return done;
    };
    const activeLive = [...this.active].filter((id) => this.live.has(id));
    if (activeLive.length) {
      // A key whose Revoke failed is still Active and cannot be destroyed: the Revoke failure is its reason.
      for (const id of await each(activeLive, (b, id) => b.revoke(id, 'CessationOfOperation'))) this.active.delete(id);
    }
    const targets = [...this.live].filter((id) => !this.active.has(id));
    const destroyed = await each(targets, (b, id) => b.destroy(id));
    for (const id of destroyed) this.live.delete(id);
    this.disposable.length = 0;
    return { destroyed: destroyed.length, failed: this.live.size, reasons };
  }
}
