// Picks the native scanner when one loads, and says so. KMIPKIT_NATIVE=off|auto|require forces it.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type NativeMode = 'off' | 'auto' | 'require';

export interface NativeBinding {
  /** Registers the index `scanRegistered` writes to: resolving a typed array costs as much as a small scan. */
  setIndex(index: Uint32Array): void;
  /** Limits go in `index[0..2]` (maxDepth, maxSize, flags): number arguments cost more than the scan. */
  scanRegistered(buf: Uint8Array): number;
  /** Encodes an item tree with the checks of src/ttlv/encode.ts (throws an Error with `code`
   *  ERR_TTLV_INVALID_VALUE or ERR_TTLV_ENCODE_TOO_DEEP). Absent from addons built before it. */
  encodeTree?(item: object, maxDepth: number): Buffer;
  version(): string;
  napiLevel(): number;
  /** AES-256-GCM under one key, held (and zeroized) in Rust. Absent from addons built before it. */
  SealKey?: new (key: Uint8Array) => NativeSealKey;
}

/** Blobs are `header byte | 12-byte nonce | ciphertext | 16-byte tag`; outputs go into caller buffers. */
export interface NativeSealKey {
  /** Seals into `blob` (1 + 12 + plaintext.length + 16 bytes), whose nonce the caller filled. */
  sealInto(aad: Uint8Array, plaintext: Uint8Array, blob: Uint8Array): void;
  /** Opens into `out` (blob.length - 29 bytes); false, with `out` zeroed, when it does not authenticate. */
  openInto(aad: Uint8Array, blob: Uint8Array, out: Uint8Array): boolean;
}

export interface CodecInfo {
  /** True when the Rust scanner is in use. */
  readonly native: boolean;
  readonly mode: NativeMode;
  /** Where the addon was loaded from, or why it was not. */
  readonly detail: string;
}

/** The napi-rs platform triple, used for both the per-platform package and the local build. */
export function platformTriple(): string {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const report = process.report?.getReport?.() as { header?: { glibcVersionRuntime?: string } } | undefined;
    return `linux-${arch}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

function readMode(): NativeMode {
  const raw = (process.env.KMIPKIT_NATIVE ?? 'auto').trim().toLowerCase();
  if (raw === 'off' || raw === '0' || raw === 'false') return 'off';
  if (raw === 'require' || raw === 'required') return 'require';
  if (raw === 'auto' || raw === '' || raw === '1' || raw === 'true') return 'auto';
  throw new Error(`KMIPKIT_NATIVE must be off, auto or require (got ${JSON.stringify(raw)})`);
}

function packageRoot(): string {
  // src/ttlv/native.ts and dist/ttlv/native.js both sit two folders below the package root.
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..');
}

function load(): { binding?: NativeBinding; detail: string } {
  const require = createRequire(import.meta.url);
  const triple = platformTriple();
  const local = join(packageRoot(), 'native', `kmipkit.${triple}.node`);
  const tried: string[] = [];
  for (const candidate of [local, `@kmipkit/${triple}`]) {
    if (candidate === local && !existsSync(local)) {
      tried.push(`${local}: not built`);
      continue;
    }
    try {
      const binding = require(candidate) as NativeBinding;
      if (typeof binding.scanRegistered !== 'function') throw new Error('stale addon: no scanRegistered export (rebuild it)');
      return { binding, detail: candidate };
    } catch (err) {
      tried.push(`${candidate}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return { detail: tried.join('; ') };
}

const mode = readMode();
const loaded = mode === 'off' ? { detail: 'disabled by KMIPKIT_NATIVE=off' } : load();
if (mode === 'require' && !loaded.binding) {
  throw new Error(`KMIPKIT_NATIVE=require but the native addon did not load: ${loaded.detail}`);
}

export const nativeBinding: NativeBinding | undefined = loaded.binding;
export const codecInfo: CodecInfo = Object.freeze({ native: !!loaded.binding, mode, detail: loaded.detail });

export function isNativeAccelerationEnabled(): boolean {
  return codecInfo.native;
}
