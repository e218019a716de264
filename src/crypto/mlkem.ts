// ML-KEM (FIPS 203) at 512, 768 and 1024. Native backend: AWS-LC in the addon; fallback:
// @noble/post-quantum (a devDependency: the fallback needs it installed). Keys are the FIPS 203
// encodings (publicKey = ek, secretKey = expanded dk), so the two backends take each other's keys.
import { createRequire } from 'node:module';
import { nativeCrypto, pickBackend, type CryptoBackend } from './backend.js';

export type MlKemLevel = 512 | 768 | 1024;

const SIZES: Record<MlKemLevel, { publicKey: number; secretKey: number; cipherText: number }> = {
  512: { publicKey: 800, secretKey: 1632, cipherText: 768 },
  768: { publicKey: 1184, secretKey: 2400, cipherText: 1088 },
  1024: { publicKey: 1568, secretKey: 3168, cipherText: 1568 },
};

interface NobleKem {
  keygen(seed?: Uint8Array): { publicKey: Uint8Array; secretKey: Uint8Array };
  encapsulate(publicKey: Uint8Array, msg?: Uint8Array): { cipherText: Uint8Array; sharedSecret: Uint8Array };
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Uint8Array;
}

let noble: Record<string, NobleKem> | undefined;
function nobleKem(level: MlKemLevel): NobleKem {
  // Loaded on first use, so the addon path never needs the package.
  noble ??= createRequire(import.meta.url)('@noble/post-quantum/ml-kem.js') as Record<string, NobleKem>;
  return noble[`ml_kem${level}`];
}

export class MlKem {
  readonly level: MlKemLevel;
  readonly backend: CryptoBackend;
  readonly sizes: { readonly publicKey: number; readonly secretKey: number; readonly cipherText: number; readonly sharedSecret: 32 };

  constructor(level: MlKemLevel, options: { backend?: CryptoBackend } = {}) {
    if (!(level in SIZES)) throw new RangeError('kmipkit: ML-KEM parameter set must be 512, 768 or 1024');
    this.level = level;
    this.backend = pickBackend(options.backend);
    this.sizes = Object.freeze({ ...SIZES[level], sharedSecret: 32 as const });
  }

  /** A fresh key pair: publicKey (ek) and secretKey (expanded dk); with `seed` (the 64 bytes d || z of
   *  FIPS 203 ML-KEM.KeyGen_internal), the key pair that seed determines. */
  keygen(seed?: Uint8Array): { publicKey: Buffer; secretKey: Buffer } {
    if (seed !== undefined) return this.keygenFromSeed(seed);
    if (this.backend === 'native') {
      const publicKey = Buffer.alloc(this.sizes.publicKey);
      const secretKey = Buffer.alloc(this.sizes.secretKey);
      nativeCrypto!.mlKemKeygenInto(this.level, publicKey, secretKey);
      return { publicKey, secretKey };
    }
    const k = nobleKem(this.level).keygen();
    return { publicKey: Buffer.from(k.publicKey), secretKey: toBufferWiping(k.secretKey) };
  }

  private keygenFromSeed(seed: Uint8Array): { publicKey: Buffer; secretKey: Buffer } {
    if (!(seed instanceof Uint8Array) || seed.length !== 64) throw new RangeError('kmipkit: an ML-KEM key generation seed is 64 bytes (d || z)');
    if (this.backend === 'native') {
      if (!nativeCrypto!.mlKemKeygenFromSeedInto) throw new Error('kmipkit: this native addon predates seeded ML-KEM key generation (rebuild it: node scripts/build-native.mjs --force)');
      const publicKey = Buffer.alloc(this.sizes.publicKey);
      const secretKey = Buffer.alloc(this.sizes.secretKey);
      nativeCrypto!.mlKemKeygenFromSeedInto(this.level, seed, publicKey, secretKey);
      return { publicKey, secretKey };
    }
    const k = nobleKem(this.level).keygen(seed);
    return { publicKey: Buffer.from(k.publicKey), secretKey: toBufferWiping(k.secretKey) };
  }

  /** A ciphertext for `publicKey` and the 32-byte shared secret it carries. */
  encapsulate(publicKey: Uint8Array): { cipherText: Buffer; sharedSecret: Buffer } {
    if (publicKey.length !== this.sizes.publicKey) throw new RangeError('kmipkit: ML-KEM key has the wrong length for its parameter set');
    if (this.backend === 'native') {
      const cipherText = Buffer.alloc(this.sizes.cipherText);
      const sharedSecret = Buffer.alloc(32);
      nativeCrypto!.mlKemEncapsulateInto(this.level, publicKey, cipherText, sharedSecret);
      return { cipherText, sharedSecret };
    }
    let r: { cipherText: Uint8Array; sharedSecret: Uint8Array };
    try {
      r = nobleKem(this.level).encapsulate(publicKey);
    } catch (err) {
      throw new RangeError(`kmipkit: ML-KEM public key refused (${(err as Error).message})`);
    }
    return { cipherText: Buffer.from(r.cipherText), sharedSecret: toBufferWiping(r.sharedSecret) };
  }

  /** The 32-byte shared secret of `cipherText` (a tampered ciphertext gives an unrelated secret,
   *  FIPS 203 implicit rejection, not an error). */
  decapsulate(cipherText: Uint8Array, secretKey: Uint8Array): Buffer {
    if (secretKey.length !== this.sizes.secretKey) throw new RangeError('kmipkit: ML-KEM key has the wrong length for its parameter set');
    if (cipherText.length !== this.sizes.cipherText)
      throw new RangeError('kmipkit: ML-KEM ciphertext has the wrong length for its parameter set');
    if (this.backend === 'native') {
      const sharedSecret = Buffer.alloc(32);
      nativeCrypto!.mlKemDecapsulateInto(this.level, secretKey, cipherText, sharedSecret);
      return sharedSecret;
    }
    return toBufferWiping(nobleKem(this.level).decapsulate(cipherText, secretKey));
  }
}

function toBufferWiping(u: Uint8Array): Buffer {
  const b = Buffer.from(u);
  u.fill(0);
  return b;
}
