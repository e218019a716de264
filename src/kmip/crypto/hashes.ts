// KMIP's names for hashes, mapped to the digests src/kmip/crypto/symmetric.ts computes: one table each for
// Encrypt/MAC/Hash (src/kmip/ops/crypto.ts) and Derive Key (src/kmip/ops/derive.ts).
import { CryptographicAlgorithm as Alg, HashingAlgorithm as Hash } from '../../dict/index.js';
import type { HashName } from './symmetric.js';

/** Hashing Algorithm values (MD5 included: the Hash operation offers it; callers that must not, refuse it). */
export const HASHING_ALGORITHMS: Readonly<Partial<Record<number, HashName>>> = {
  [Hash.MD5]: 'md5', [Hash.SHA_1]: 'sha1', [Hash.SHA_224]: 'sha224', [Hash.SHA_256]: 'sha256', [Hash.SHA_384]: 'sha384', [Hash.SHA_512]: 'sha512',
  [Hash.SHA_512_224]: 'sha512-224', [Hash.SHA_512_256]: 'sha512-256',
  [Hash.SHA3_224]: 'sha3-224', [Hash.SHA3_256]: 'sha3-256', [Hash.SHA3_384]: 'sha3-384', [Hash.SHA3_512]: 'sha3-512',
};

/** The HMAC Cryptographic Algorithm values and the hash each uses. */
export const HMAC_HASHES: Readonly<Partial<Record<number, HashName>>> = {
  [Alg.HMAC_SHA1]: 'sha1', [Alg.HMAC_SHA224]: 'sha224', [Alg.HMAC_SHA256]: 'sha256', [Alg.HMAC_SHA384]: 'sha384', [Alg.HMAC_SHA512]: 'sha512',
  [Alg.HMAC_SHA3_224]: 'sha3-224', [Alg.HMAC_SHA3_256]: 'sha3-256', [Alg.HMAC_SHA3_384]: 'sha3-384', [Alg.HMAC_SHA3_512]: 'sha3-512',
};

/** Output bytes of each digest. */
export const HASH_BYTES: Readonly<Record<HashName, number>> = {
  md5: 16, sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64, 'sha512-224': 28, 'sha512-256': 32,
  'sha3-224': 28, 'sha3-256': 32, 'sha3-384': 48, 'sha3-512': 64,
};
