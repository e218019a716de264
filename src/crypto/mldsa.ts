// ML-DSA (FIPS 204) at 44, 65 and 87: pure ML-DSA, empty context, hedged signing. Native backend:
// AWS-LC in the addon; fallback: @noble/post-quantum (a devDependency: the fallback needs it
// installed). Keys are the FIPS 204 encodings (publicKey = pk, secretKey = expanded sk), and
// keygen(seed) with the 32-byte seed ξ gives the same keys in both backends.
import { createRequire } from 'node:module';
import { nativeCrypto, pickBackend, type CryptoBackend } from './backend.js';

export type MlDsaLevel = 44 | 65 | 87;

const SIZES: Record<MlDsaLevel, { publicKey: number; secretKey: number; signature: number }> = {
  44: { publicKey: 1312, secretKey: 2560, signature: 2420 },
  65: { publicKey: 1952, secretKey: 4032, signature: 3309 },
  87: { publicKey: 2592, secretKey: 4896, signature: 4627 },
};

interface NobleDsa {
  keygen(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  sign(msg: Uint8Array, secretKey: Uint8Array): Uint8Array;
  verify(sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array): boolean;
}

let noble: Record<string, NobleDsa> | undefined;
function nobleDsa(level: MlDsaLevel): NobleDsa {
  noble ??= createRequire(import.meta.url)('@noble/post-quantum/ml-dsa.js') as Record<string, NobleDsa>;
  return noble[`ml_dsa${level}`];
}

const EMPTY = new Uint8Array(0);

export class MlDsa {
  readonly level: MlDsaLevel;
  readonly backend: CryptoBackend;
  readonly sizes: { readonly publicKey: number; readonly secretKey: number; readonly signature: number };

  constructor(level: MlDsaLevel, options: { backend?: CryptoBackend } = {}) {
    if (!(level in SIZES)) throw new RangeError('kmipkit: ML-DSA parameter set must be 44, 65 or 87');
    this.level = level;
    this.backend = pickBackend(options.backend);
    this.sizes = Object.freeze({ ...SIZES[level] });
  }

  /** A key pair: from the 32-byte `seed` (FIPS 204 ξ) when given, else random. */
  keygen(seed?: Uint8Array): { publicKey: Buffer; secretKey: Buffer } {
    if (seed !== undefined && seed.length !== 32) throw new RangeError('kmipkit: ML-DSA key generation seed must be 32 bytes');
    if (this.backend === 'native') {
      const publicKey = Buffer.alloc(this.sizes.publicKey);
      const secretKey = Buffer.alloc(this.sizes.secretKey);
      nativeCrypto!.mlDsaKeygenInto(this.level, seed ?? EMPTY, publicKey, secretKey);
      return { publicKey, secretKey };
    }
    const k = nobleDsa(this.level).keygen(seed);
    const secretKey = Buffer.from(k.secretKey);
    k.secretKey.fill(0);
    return { publicKey: Buffer.from(k.publicKey), secretKey };
  }

  /** A signature of `msg` (hedged: two signatures of one message differ). */
  sign(msg: Uint8Array, secretKey: Uint8Array): Buffer {
    if (secretKey.length !== this.sizes.secretKey) throw new RangeError('kmipkit: ML-DSA key has the wrong length for its parameter set');
    if (this.backend === 'native') {
      const sig = Buffer.alloc(this.sizes.signature);
      nativeCrypto!.mlDsaSignInto(this.level, secretKey, msg, sig);
      return sig;
    }
    return Buffer.from(nobleDsa(this.level).sign(msg, secretKey));
  }

  /** Whether `sig` is a valid signature of `msg` under `publicKey`. */
  verify(sig: Uint8Array, msg: Uint8Array, publicKey: Uint8Array): boolean {
    if (publicKey.length !== this.sizes.publicKey) throw new RangeError('kmipkit: ML-DSA key has the wrong length for its parameter set');
    if (this.backend === 'native') return nativeCrypto!.mlDsaVerify(this.level, publicKey, msg, sig);
    if (sig.length !== this.sizes.signature) return false;
    return nobleDsa(this.level).verify(sig, msg, publicKey);
  }
}
