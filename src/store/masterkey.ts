// The master key that seals key material at rest: a 32-byte file readable by its owner only, created
// on first start, or (for containers that inject secrets) the KMIPKIT_MASTER_KEY environment variable.
import { randomBytes } from 'node:crypto';
import { constants, promises as fs } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { MASTER_KEY_BYTES } from './seal.js';
import { StoreError } from './types.js';

// A key file is 32 raw bytes or at most ~100 characters of text: reading no more than this stops a
// path pointed at a huge file or a device from filling memory.
const MAX_KEY_FILE_BYTES = 4096;
const KEY_FILE_MODE = 0o600;
export const MASTER_KEY_ENV = 'KMIPKIT_MASTER_KEY';

/** 32 bytes from raw bytes, or from 64 hex digits or base64 text (surrounding whitespace ignored).
 *  The error never quotes the input. */
export function parseMasterKey(data: Uint8Array, source: string): Buffer {
  if (data.byteLength === MASTER_KEY_BYTES) return Buffer.from(data);
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1').trim();
  let key: Buffer | undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) key = Buffer.from(text, 'hex');
  else if (/^[A-Za-z0-9+/]{43}=$/.test(text) || /^[A-Za-z0-9_-]{43}$/.test(text)) key = Buffer.from(text, 'base64');
  if (key?.byteLength !== MASTER_KEY_BYTES) {
    throw new StoreError('SEAL', `${source} must hold a ${MASTER_KEY_BYTES}-byte master key: raw, 64 hex digits, or base64`);
  }
  return key;
}

/** The master key from KMIPKIT_MASTER_KEY (hex or base64), or undefined when it is unset or empty.
 *  Environment variables are visible to the process's user (/proc/<pid>/environ) and inherited by
 *  child processes: prefer a key file unless the platform injects secrets this way. */
export function masterKeyFromEnv(env: NodeJS.ProcessEnv = process.env): Buffer | undefined {
  const value = env[MASTER_KEY_ENV];
  if (value === undefined || value === '') return undefined;
  // Text only: 32 raw bytes cannot be typed into an environment variable reliably.
  const data = Buffer.from(value, 'latin1');
  try {
    if (data.byteLength === MASTER_KEY_BYTES) throw new StoreError('SEAL', `${MASTER_KEY_ENV} must be hex or base64`);
    return parseMasterKey(data, MASTER_KEY_ENV);
  } finally {
    data.fill(0);
  }
}

/** Reads the master key at `path`, or creates one there when the file does not exist. The file must
 *  not be accessible to group or others (POSIX). The caller zeroizes the returned key. */
export async function loadOrCreateMasterKey(path: string): Promise<Buffer> {
  for (;;) {
    const key = await readKeyFile(path);
    if (key) return key;
    const created = await createKeyFile(path);
    if (created) return created;
    // Another process created it between our read and our create: read theirs.
  }
}

async function readKeyFile(path: string): Promise<Buffer | undefined> {
  let fh: FileHandle;
  try {
    fh = await fs.open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') {
      throw new StoreError('IO', `master key file ${path} is a symbolic link; point to the file itself`, { cause: e });
    }
    throw new StoreError('IO', `cannot open master key file ${path}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new StoreError('IO', `master key file ${path} is not a regular file`);
    if (process.platform !== 'win32' && (st.mode & 0o077) !== 0) {
      throw new StoreError(
        'IO',
        `master key file ${path} is accessible to group or others (mode ${(st.mode & 0o777).toString(8)}); run chmod 600 on it`,
      );
    }
    const buf = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
    try {
      let n = 0;
      for (;;) {
        const { bytesRead } = await fh.read(buf, n, buf.byteLength - n, null);
        if (bytesRead === 0) break;
        n += bytesRead;
        if (n === buf.byteLength) throw new StoreError('SEAL', `master key file ${path} is too large to be a key`);
      }
      return parseMasterKey(buf.subarray(0, n), `master key file ${path}`);
    } finally {
      buf.fill(0);
    }
  } finally {
    await fh.close();
  }
}

/** Writes a fresh key to a private temporary file, then links it into place: link() fails when the
 *  target exists, so a key is never overwritten, and no reader ever sees a half-written file. */
async function createKeyFile(path: string): Promise<Buffer | undefined> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${randomBytes(8).toString('hex')}.tmp`);
  const key = randomBytes(MASTER_KEY_BYTES);
  try {
    const fh = await fs.open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, KEY_FILE_MODE);
    try {
      await fh.chmod(KEY_FILE_MODE); // the umask may only narrow the mode, but be explicit
      await fh.writeFile(key);
      await fh.sync();
    } finally {
      await fh.close();
    }
    try {
      await fs.link(tmp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        key.fill(0);
        return undefined;
      }
      throw e;
    }
    await syncDir(dir);
    return key;
  } catch (e) {
    key.fill(0);
    if (e instanceof StoreError) throw e;
    throw new StoreError('IO', `cannot create master key file ${path}`, { cause: e });
  } finally {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}

// The new directory entry must be durable before the key seals anything, or a crash could lose it.
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const fh = await fs.open(dir, constants.O_RDONLY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
