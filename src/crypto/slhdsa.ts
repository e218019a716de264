// SLH-DSA (FIPS 205), the twelve parameter sets: pure SLH-DSA through the external interface, an
// optional context string (empty by default), hedged signing by default. Native backend: the
// RustCrypto slh-dsa crate in the addon (crate/core/src/slhdsa.rs); fallback: @noble/post-quantum
// (a devDependency: the fallback needs it installed, and is some 30x slower to sign). Keys are the
// FIPS 205 encodings (publicKey = PK.seed || PK.root, secretKey = SK.seed || SK.prf || PK.seed ||
// PK.root), and keygen(seed) with the 3n-byte seed SK.seed || SK.prf || PK.seed gives the same keys
// in both backends.
import { createRequire } from 'node:module';
import { nativeCrypto, pickBackend, type CryptoBackend } from './backend.js';

export type SlhDsaParam =
  | 'SHA2-128s'
  | 'SHA2-128f'
  | 'SHA2-192s'
  | 'SHA2-192f'
  | 'SHA2-256s'
  | 'SHA2-256f'
  | 'SHAKE-128s'
  | 'SHAKE-128f'
  | 'SHAKE-192s'
  | 'SHAKE-192f'
  | 'SHAKE-256s'
  | 'SHAKE-256f';

/** FIPS 205 Table 2: n and the signature length; keys are 2n and 4n bytes. */
const TABLE: Record<SlhDsaParam, { n: number; signature: number }> = {
  'SHA2-128s': { n: 16, signature: 7856 },
  'SHA2-128f': { n: 16, signature: 17088 },
  'SHA2-192s': { n: 24, signature: 16224 },
  'SHA2-192f': { n: 24, signature: 35664 },
  'SHA2-256s': { n: 32, signature: 29792 },
  'SHA2-256f': { n: 32, signature: 49856 },
  'SHAKE-128s': { n: 16, signature: 7856 },
  'SHAKE-128f': { n: 16, signature: 17088 },
  'SHAKE-192s': { n: 24, signature: 16224 },
  'SHAKE-192f': { n: 24, signature: 35664 },
  'SHAKE-256s': { n: 32, signature: 29792 },
  'SHAKE-256f': { n: 32, signature: 49856 },
};

/** Every parameter set name, SHA2 first. */
export const SLH_DSA_PARAMS: readonly SlhDsaParam[] = Object.freeze(Object.keys(TABLE) as SlhDsaParam[]);

/** Longest context string FIPS 205 allows. */
const MAX_CONTEXT = 255;

export interface SlhDsaSignOptions {
  /** FIPS 205 context string, at most 255 bytes (default empty). */
  context?: Uint8Array;
  /** The deterministic variant (opt_rand = PK.seed): the same message always gets the same signature. */
  deterministic?: boolean;
}

export interface SlhDsaVerifyOptions {
  /** The context string the signature was made with (default empty). */
  context?: Uint8Array;
}

interface NobleSlh {
  keygen(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  sign(msg: Uint8Array, secretKey: Uint8Array, opts?: { context?: Uint8Array; extraEntropy?: Uint8Array | false }): Uint8Array;
  verify(sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array, opts?: { context?: Uint8Array }): boolean;
}

let noble: Record<string, NobleSlh> | undefined;
function nobleSlh(param: SlhDsaParam): NobleSlh {
  // Loaded on first use, so the addon path never needs the package.
  noble ??= createRequire(import.meta.url)('@noble/post-quantum/slh-dsa.js') as Record<string, NobleSlh>;
  return noble[`slh_dsa_${param.toLowerCase().replace('-', '_')}`];
}

const EMPTY = new Uint8Array(0);

function isParam(param: unknown): param is SlhDsaParam {
  return typeof param === 'string' && Object.prototype.hasOwnProperty.call(TABLE, param);
}

export class SlhDsa {
  readonly param: SlhDsaParam;
  readonly backend: CryptoBackend;
  readonly sizes: { readonly n: number; readonly seed: number; readonly publicKey: number; readonly secretKey: number; readonly signature: number };

  constructor(param: SlhDsaParam, options: { backend?: CryptoBackend } = {}) {
    if (!isParam(param)) throw new RangeError(`kmipkit: SLH-DSA parameter set must be one of ${SLH_DSA_PARAMS.join(', ')}`);
    this.param = param;
    this.backend = pickBackend(options.backend);
    if (this.backend === 'native' && typeof nativeCrypto!.slhDsaVerify !== 'function') {
      throw new Error('kmipkit: the native addon was built before SLH-DSA (rebuild it: node scripts/build-native.mjs --force)');
    }
    const { n, signature } = TABLE[param];
    this.sizes = Object.freeze({ n, seed: 3 * n, publicKey: 2 * n, secretKey: 4 * n, signature });
  }

  /** A key pair: from the 3n-byte `seed` (SK.seed || SK.prf || PK.seed) when given, else random. */
  keygen(seed?: Uint8Array): { publicKey: Buffer; secretKey: Buffer } {
    if (seed !== undefined && seed.length !== this.sizes.seed) {
      throw new RangeError(`kmipkit: SLH-DSA-${this.param} key generation seed must be ${this.sizes.seed} bytes`);
    }
    if (this.backend === 'native') {
      const publicKey = Buffer.alloc(this.sizes.publicKey);
      const secretKey = Buffer.alloc(this.sizes.secretKey);
      nativeCrypto!.slhDsaKeygenInto(this.param, seed ?? EMPTY, publicKey, secretKey);
      return { publicKey, secretKey };
    }
    const k = nobleSlh(this.param).keygen(seed);
    const secretKey = Buffer.from(k.secretKey);
    k.secretKey.fill(0);
    return { publicKey: Buffer.from(k.publicKey), secretKey };
  }

  /**
   * {@link SlhDsa.keygen} off the event loop: the native backend works on the libuv pool (key
   * generation takes 0.2-1.2 s for the 's' sets); the fallback runs synchronously. A bad seed length
   * rejects with a RangeError.
   */
  async keygenAsync(seed?: Uint8Array): Promise<{ publicKey: Buffer; secretKey: Buffer }> {
    if (seed !== undefined && seed.length !== this.sizes.seed) {
      throw new RangeError(`kmipkit: SLH-DSA-${this.param} key generation seed must be ${this.sizes.seed} bytes`);
    }
    if (this.backend !== 'native') return this.keygen(seed);
    const secretKey = await nativeCrypto!.slhDsaKeygen(this.param, seed ?? EMPTY);
    if (secretKey.length !== this.sizes.secretKey) throw new Error('kmipkit: SLH-DSA key generation returned a key of the wrong length');
    return { publicKey: Buffer.from(secretKey.subarray(2 * this.sizes.n)), secretKey };
  }

  /** A signature of `msg` (hedged unless `deterministic`: two signatures of one message differ). */
  sign(msg: Uint8Array, secretKey: Uint8Array, options: SlhDsaSignOptions = {}): Buffer {
    this.checkSecretKey(secretKey);
    const context = this.checkContext(options.context);
    // The deterministic variant's opt_rand is PK.seed, bytes 2n..3n of the secret key.
    const optRand = options.deterministic === true ? secretKey.subarray(2 * this.sizes.n, 3 * this.sizes.n) : undefined;
    return this.signWith(msg, secretKey, context, optRand);
  }

  /**
   * {@link SlhDsa.sign} off the event loop: the native backend signs on the libuv pool (a signature
   * takes 10 ms to seconds, 6-10 s for the SHAKE 's' sets); the fallback signs synchronously. Bad
   * lengths throw synchronously, before a promise exists.
   */
  signAsync(msg: Uint8Array, secretKey: Uint8Array, options: SlhDsaSignOptions = {}): Promise<Buffer> {
    this.checkSecretKey(secretKey);
    const context = this.checkContext(options.context);
    const optRand = options.deterministic === true ? secretKey.subarray(2 * this.sizes.n, 3 * this.sizes.n) : undefined;
    if (this.backend === 'native') return nativeCrypto!.slhDsaSign(this.param, secretKey, msg, context, optRand ?? EMPTY);
    return Promise.resolve(this.signWith(msg, secretKey, context, optRand));
  }

  /**
   * Known-answer tests only: signs with a caller-chosen n-byte opt_rand (FIPS 205 Algorithm 19),
   * as the NIST ACVP "non-deterministic" vectors require. A fixed opt_rand makes signing
   * deterministic; real signatures use {@link SlhDsa.sign}.
   */
  signWithOptRandForTesting(msg: Uint8Array, secretKey: Uint8Array, optRand: Uint8Array, context?: Uint8Array): Buffer {
    this.checkSecretKey(secretKey);
    const ctx = this.checkContext(context);
    if (optRand.length !== this.sizes.n) throw new RangeError(`kmipkit: SLH-DSA-${this.param} opt_rand must be ${this.sizes.n} bytes`);
    return this.signWith(msg, secretKey, ctx, optRand);
  }

  /** Whether `sig` is a valid signature of `msg` under `publicKey` (and the same context string). */
  verify(sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array, options: SlhDsaVerifyOptions = {}): boolean {
    if (publicKey.length !== this.sizes.publicKey) throw new RangeError(`kmipkit: SLH-DSA-${this.param} public key must be ${this.sizes.publicKey} bytes`);
    const context = this.checkContext(options.context);
    if (this.backend === 'native') return nativeCrypto!.slhDsaVerify(this.param, publicKey, msg, context, sig);
    if (sig.length !== this.sizes.signature) return false;
    return nobleSlh(this.param).verify(sig, msg, publicKey, context.length > 0 ? { context } : {});
  }

  private signWith(msg: Uint8Array, secretKey: Uint8Array, context: Uint8Array, optRand: Uint8Array | undefined): Buffer {
    if (this.backend === 'native') {
      const sig = Buffer.alloc(this.sizes.signature);
      nativeCrypto!.slhDsaSignInto(this.param, secretKey, msg, context, optRand ?? EMPTY, sig);
      return sig;
    }
    const opts: { context?: Uint8Array; extraEntropy?: Uint8Array } = {};
    if (context.length > 0) opts.context = context;
    if (optRand !== undefined) opts.extraEntropy = optRand;
    return Buffer.from(nobleSlh(this.param).sign(msg, secretKey, opts));
  }

  private checkSecretKey(secretKey: Uint8Array): void {
    if (secretKey.length !== this.sizes.secretKey) throw new RangeError(`kmipkit: SLH-DSA-${this.param} secret key must be ${this.sizes.secretKey} bytes`);
  }

  private checkContext(context: Uint8Array | undefined): Uint8Array {
    if (context === undefined) return EMPTY;
    if (context.length > MAX_CONTEXT) throw new RangeError('kmipkit: SLH-DSA context string must be at most 255 bytes');
    return context;
  }
}
