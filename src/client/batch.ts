// client.batch(): several operations in one request message. An item given no Unique Identifier uses
// the ID Placeholder, i.e. the identifier the previous item produced, so `create` then `activate()`
// then `get()` chain without a round trip. Results come back per item: success, failed or skipped
// (not processed after a failure under error continuation Stop).
import type { KmipError } from './errors.js';
import type { ErrorContinuation, HeaderOptions } from './messages.js';
import type { ObjectInput } from './objects.js';
import * as ops from './ops.js';
import * as crypto from './crypto.js';
import type { Attributes } from './values.js';
import type { CallOptions } from './client.js';

export type BatchItemResult<T = unknown> =
  | { operation: string; status: 'success'; value: T }
  | { operation: string; status: 'failed'; error: KmipError }
  | { operation: string; status: 'skipped' };

export interface BatchOptions {
  /** What the server does after a failed item: 'Stop' (the spec's default), 'Continue' or 'Undo'. */
  errorContinuation?: ErrorContinuation;
}

type Exec = (specs: readonly ops.OpSpec<unknown>[], header: HeaderOptions, options?: CallOptions) => Promise<BatchItemResult[]>;

/** Maximum items in one batch: a bigger one is a mistake (or a job for several batches). */
export const MAX_BATCH_ITEMS = 10_000;

export class KmipBatch {
  private readonly specs: ops.OpSpec<unknown>[] = [];
  constructor(private readonly exec: Exec, private readonly options: BatchOptions) {}

  get length(): number {
    return this.specs.length;
  }

  private add(spec: ops.OpSpec<unknown>): this {
    if (this.specs.length >= MAX_BATCH_ITEMS) throw new RangeError(`a batch holds at most ${MAX_BATCH_ITEMS} items`);
    this.specs.push(spec);
    return this;
  }

  create(attributes: Attributes, options: { objectType?: string } = {}): this {
    return this.add(ops.create(options.objectType ?? 'SymmetricKey', attributes));
  }
  register(object: ObjectInput, attributes?: Attributes): this {
    return this.add(ops.register(object, attributes));
  }
  reKey(uniqueIdentifier?: string, options: { offset?: number; attributes?: Attributes } = {}): this {
    return this.add(ops.reKey(uniqueIdentifier, options));
  }
  locate(attributes?: Attributes, filter: ops.LocateFilter = {}): this {
    return this.add(ops.locate(attributes, filter));
  }
  check(uniqueIdentifier?: string, options: ops.CheckOptions = {}): this {
    return this.add(ops.check(uniqueIdentifier, options));
  }
  get(uniqueIdentifier?: string, options: ops.GetOptions = {}): this {
    return this.add(ops.get(uniqueIdentifier, options));
  }
  getAttributes(uniqueIdentifier?: string, names?: readonly string[]): this {
    return this.add(ops.getAttributes(uniqueIdentifier, names));
  }
  getAttributeList(uniqueIdentifier?: string): this {
    return this.add(ops.getAttributeList(uniqueIdentifier));
  }
  addAttribute(uniqueIdentifier: string | undefined, name: string, value: unknown): this {
    return this.add(ops.addAttribute(uniqueIdentifier, name, value));
  }
  setAttribute(uniqueIdentifier: string | undefined, name: string, value: unknown): this {
    return this.add(ops.setAttribute(uniqueIdentifier, name, value));
  }
  modifyAttribute(uniqueIdentifier: string | undefined, name: string, value: unknown, options: ops.InstanceOptions = {}): this {
    return this.add(ops.modifyAttribute(uniqueIdentifier, name, value, options));
  }
  deleteAttribute(uniqueIdentifier: string | undefined, name: string, options: ops.InstanceOptions = {}): this {
    return this.add(ops.deleteAttribute(uniqueIdentifier, name, options));
  }
  activate(uniqueIdentifier?: string): this {
    return this.add(ops.simple('Activate', uniqueIdentifier));
  }
  revoke(uniqueIdentifier: string | undefined, reason: string, options: ops.RevokeOptions = {}): this {
    return this.add(ops.revoke(uniqueIdentifier, reason, options));
  }
  destroy(uniqueIdentifier?: string): this {
    return this.add(ops.simple('Destroy', uniqueIdentifier));
  }
  archive(uniqueIdentifier?: string): this {
    return this.add(ops.simple('Archive', uniqueIdentifier));
  }
  recover(uniqueIdentifier?: string): this {
    return this.add(ops.simple('Recover', uniqueIdentifier));
  }
  query(functions: readonly string[] = ops.DEFAULT_QUERY): this {
    return this.add(ops.query(functions));
  }
  rngRetrieve(length: number): this {
    return this.add(ops.rngRetrieve(length));
  }
  // Cryptographic operations: a missing unique identifier uses the ID Placeholder (e.g. the key a
  // createKeyPair, create or deriveKey earlier in the batch made: Create Key Pair sets it to the private key).
  createKeyPair(attributes: crypto.KeyPairAttributes): this {
    return this.add(crypto.createKeyPair(attributes));
  }
  reKeyKeyPair(privateKeyUniqueIdentifier?: string, options: crypto.ReKeyKeyPairOptions = {}): this {
    return this.add(crypto.reKeyKeyPair(privateKeyUniqueIdentifier, options));
  }
  deriveKey(uniqueIdentifiers: string | readonly string[] | undefined, options: crypto.DeriveKeyOptions): this {
    return this.add(crypto.deriveKey(uniqueIdentifiers, options));
  }
  encrypt(uniqueIdentifier: string | undefined, data: Uint8Array, options: crypto.EncryptOptions = {}): this {
    return this.add(crypto.encrypt(uniqueIdentifier, data, options));
  }
  decrypt(uniqueIdentifier: string | undefined, data: Uint8Array, options: crypto.DecryptOptions = {}): this {
    return this.add(crypto.decrypt(uniqueIdentifier, data, options));
  }
  sign(uniqueIdentifier: string | undefined, data: Uint8Array, options: crypto.SignOptions = {}): this {
    return this.add(crypto.sign(uniqueIdentifier, data, options));
  }
  signatureVerify(uniqueIdentifier: string | undefined, data: Uint8Array, signature: Uint8Array, options: crypto.SignOptions = {}): this {
    return this.add(crypto.signatureVerify(uniqueIdentifier, data, signature, options));
  }
  mac(uniqueIdentifier: string | undefined, data: Uint8Array, options: crypto.StreamOptions = {}): this {
    return this.add(crypto.mac(uniqueIdentifier, data, options));
  }
  macVerify(uniqueIdentifier: string | undefined, data: Uint8Array, macData: Uint8Array, options: crypto.StreamOptions = {}): this {
    return this.add(crypto.macVerify(uniqueIdentifier, data, macData, options));
  }
  hash(data: Uint8Array, options: crypto.StreamOptions): this {
    return this.add(crypto.hash(data, options));
  }

  /** Sends every item in one message. Retried after a transport failure only when every item is idempotent. */
  send(options?: CallOptions): Promise<BatchItemResult[]> {
    if (this.specs.length === 0) return Promise.reject(new RangeError('the batch is empty'));
    return this.exec([...this.specs], { errorContinuation: this.options.errorContinuation }, options);
  }
}
