// kmipkit/client: a KMIP client for Node.js. See docs/client.md.
export { KmipClient, connect, DEFAULT_TIMEOUT_MS, type KmipClientOptions, type CallOptions } from './client.js';
export { KmipBatch, MAX_BATCH_ITEMS, type BatchItemResult, type BatchOptions } from './batch.js';
export * from './errors.js';
export type { ServerAddress, ServerStatus } from './pool.js';
export type { ErrorContinuation } from './messages.js';
export type { ObjectInput, KeyObjectInput, CertificateInput, OpaqueObjectInput, RawObjectInput, ManagedObject, KeyWrappingData } from './objects.js';
export type {
  CreateResult, LocateFilter, LocateResult, CheckOptions, GetResult, GetAttributesResult, InstanceOptions, RevokeOptions, QueryResult,
  GetOptions, KeyWrappingSpecification, ExportResult, ImportOptions,
} from './ops.js';
export type { Attributes, FriendlyValue, FriendlyStruct } from './values.js';
export type {
  CryptographicParameters, StreamOptions, KeyPairAttributes, KeyPairResult, ReKeyKeyPairOptions, DeriveKeyOptions, EncryptOptions, EncryptResult,
  DecryptOptions, DecryptResult, SignOptions, SignResult, VerifyResult, MacResult,
} from './crypto.js';
export {
  DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_ENTRIES, MAX_CACHE_AGE_MS, type CacheMode, type KeyCacheOptions, type KeyCacheStats, type KeyCacheView,
} from './cache.js';
