// The master key file: created private and exclusively, read back unchanged, refused when exposed or malformed.
import { randomBytes } from 'node:crypto';
import { chmodSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateMasterKey, masterKeyFromEnv, MASTER_KEY_ENV } from '../../src/store/index.js';
import { tempDir } from './fixtures/stores.js';

const posix = process.platform !== 'win32';
let dir: string;
let cleanup: () => void;
let path: string;
beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  path = join(dir, 'master.key');
});
afterEach(() => cleanup());

describe('loadOrCreateMasterKey', () => {
  it('creates a 32-byte key with mode 0600 and reads the same key back', async () => {
    const key = await loadOrCreateMasterKey(path);
    expect(key.byteLength).toBe(32);
    expect(readFileSync(path).equals(key)).toBe(true);
    if (posix) expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(Buffer.from(await loadOrCreateMasterKey(path))).toEqual(key);
    // No temporary file is left beside it.
    expect(readdirSync(dir)).toEqual(['master.key']);
  });

  it('creates exactly one key when many callers race for an absent file', async () => {
    const keys = await Promise.all(Array.from({ length: 16 }, () => loadOrCreateMasterKey(path)));
    const hex = new Set(keys.map((k) => k.toString('hex')));
    expect(hex.size).toBe(1);
    expect(readFileSync(path).toString('hex')).toBe([...hex][0]);
    expect(readdirSync(dir)).toEqual(['master.key']);
  });

  it('never overwrites an existing key file, even a malformed one', async () => {
    writeFileSync(path, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateMasterKey(path)).rejects.toMatchObject({ code: 'SEAL' });
    expect(readFileSync(path, 'utf8')).toBe('not a key\n');
  });

  it.each([
    ['raw bytes', (k: Buffer) => k],
    ['hex text with a newline', (k: Buffer) => `${k.toString('hex')}\n`],
    ['upper-case hex', (k: Buffer) => k.toString('hex').toUpperCase()],
    ['base64 text', (k: Buffer) => `  ${k.toString('base64')}\n`],
    ['base64url text', (k: Buffer) => k.toString('base64url')],
  ])('reads a key stored as %s', async (_, encode) => {
    const key = randomBytes(32);
    writeFileSync(path, encode(key), { mode: 0o600 });
    expect(Buffer.from(await loadOrCreateMasterKey(path))).toEqual(key);
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['31 raw bytes', randomBytes(31)],
    ['33 raw bytes', randomBytes(33)],
    ['hex of 31 bytes', Buffer.from(randomBytes(31).toString('hex'))],
    ['hex with a stray character', Buffer.from(`${randomBytes(32).toString('hex').slice(0, 63)}g`)],
    ['base64 of 48 bytes', Buffer.from(randomBytes(48).toString('base64'))],
    ['a huge file', Buffer.alloc(1 << 20, 0x41)],
  ])('refuses a file holding %s with SEAL, quoting none of it', async (_, contents) => {
    writeFileSync(path, contents, { mode: 0o600 });
    const err = (await loadOrCreateMasterKey(path).catch((e: unknown) => e)) as Error & { code: string };
    expect(err).toMatchObject({ code: 'SEAL' });
    expect(err.message).toMatch(/32-byte master key|too large/);
    if (contents.byteLength > 8) expect(err.message).not.toContain(contents.subarray(0, 8).toString('latin1'));
  });

  it.runIf(posix).each([0o640, 0o604, 0o620, 0o644, 0o660])('refuses a key file with mode %o', async (mode) => {
    writeFileSync(path, randomBytes(32), { mode: 0o600 });
    chmodSync(path, mode);
    await expect(loadOrCreateMasterKey(path)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/group or others.*chmod 600/) });
  });

  it.runIf(posix)('accepts a read-only key file (0400)', async () => {
    const key = randomBytes(32);
    writeFileSync(path, key, { mode: 0o400 });
    expect(Buffer.from(await loadOrCreateMasterKey(path))).toEqual(key);
  });

  it.runIf(posix)('refuses a symbolic link and a directory', async () => {
    const target = join(dir, 'real.key');
    writeFileSync(target, randomBytes(32), { mode: 0o600 });
    symlinkSync(target, path);
    await expect(loadOrCreateMasterKey(path)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/symbolic link/) });
    await expect(loadOrCreateMasterKey(dir)).rejects.toMatchObject({ code: 'IO', message: expect.stringMatching(/not a regular file/) });
  });

  it('reports a directory that does not exist as IO', async () => {
    await expect(loadOrCreateMasterKey(join(dir, 'missing', 'master.key'))).rejects.toMatchObject({ code: 'IO' });
  });
});

describe('masterKeyFromEnv', () => {
  const key = randomBytes(32);
  it('is undefined when the variable is unset or empty', () => {
    expect(masterKeyFromEnv({})).toBeUndefined();
    expect(masterKeyFromEnv({ [MASTER_KEY_ENV]: '' })).toBeUndefined();
  });
  it('reads hex and base64', () => {
    expect(masterKeyFromEnv({ [MASTER_KEY_ENV]: key.toString('hex') })).toEqual(key);
    expect(masterKeyFromEnv({ [MASTER_KEY_ENV]: key.toString('base64') })).toEqual(key);
  });
  it('refuses anything else without quoting it', () => {
    for (const bad of ['short', 'x'.repeat(32), key.toString('hex').slice(2), randomBytes(40).toString('base64')]) {
      let err: (Error & { code?: string }) | undefined;
      try {
        masterKeyFromEnv({ [MASTER_KEY_ENV]: bad });
      } catch (e) {
        err = e as Error & { code?: string };
      }
      expect(err).toMatchObject({ code: 'SEAL' });
      expect(err!.message).not.toContain(bad);
    }
  });
});
