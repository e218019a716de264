// Cryptographic primitives: the Rust addon when it loaded, node:crypto otherwise (same API, same bytes).
export { AesGcm, GCM_NONCE_BYTES, type AesGcmOptions } from './aes.js';
export { AesKeyWrap, type AesKeyWrapOptions } from './keywrap.js';
export { MlDsa, type MlDsaLevel } from './mldsa.js';
export { MlKem, type MlKemLevel } from './mlkem.js';
export { rsaPkcs1Decrypt, rsaPkcs1KeyHash, rsaPkcs1Unpad, type RsaPkcs1Options } from './rsa-pkcs1.js';
export { SlhDsa, SLH_DSA_PARAMS, type SlhDsaParam, type SlhDsaSignOptions, type SlhDsaVerifyOptions } from './slhdsa.js';
export { defaultCryptoBackend, type CryptoBackend } from './backend.js';
