// Username and Password as a second factor: scrypt hashes, the verifier, the configuration file, the
// CLI that makes hashes, and a real server over mutual TLS that refuses requests without them.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CredentialType, Tag } from '../../src/dict/index.js';
import { ConfigError, loadConfig } from '../../src/server/config.js';
import { CredentialError, credentialVerifier, hashPassword, parsePasswordHash } from '../../src/server/credentials.js';
import { createClientAndServer, enm, struct, text } from '../../src/testing/index.js';

// Cheap parameters for tests: the verifier reads N, r and p from the hash itself.
const CHEAP = { N: 1024, r: 8, p: 1 };
const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-credentials-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const authentication = (username: string, password: string) =>
  struct(Tag.Authentication, [
    struct(Tag.Credential, [
      enm(Tag.CredentialType, CredentialType.UsernameAndPassword),
      struct(Tag.CredentialValue, [text(Tag.Username, username), text(Tag.Password, password)]),
    ]),
  ]);

describe('credentialVerifier', () => {
  it('accepts the right password only, for hashed and plain entries, and the same answer twice', async () => {
    const check = credentialVerifier([
      { username: 'ops', passwordHash: hashPassword('correct horse', CHEAP) },
      { username: 'ci', password: 'plain-secret' },
    ]);
    expect(await check('ops', 'correct horse')).toBe(true);
    expect(await check('ops', 'correct horse')).toBe(true); // from the memo
    expect(await check('ops', 'correct horsE')).toBe(false);
    expect(await check('ops', '')).toBe(false);
    expect(await check('ci', 'plain-secret')).toBe(true);
    expect(await check('ci', 'plain-secret ')).toBe(false);
    expect(await check('nobody', 'correct horse')).toBe(false);
  });

  it('refuses malformed entries and hashes with a typed error', () => {
    expect(() => credentialVerifier([{ username: '', password: 'x' }])).toThrow(CredentialError);
    expect(() => credentialVerifier([{ username: 'a', password: 'x', passwordHash: hashPassword('x', CHEAP) }])).toThrow(/exactly one/);
    expect(() => credentialVerifier([{ username: 'a', password: 'x' }, { username: 'a', password: 'y' }])).toThrow(/twice/);
    expect(() => parsePasswordHash('sha256$abc')).toThrow(/scrypt\$N\$r\$p\$salt\$hash/);
    // N not a power of two; memory over the cap (a hash from a hostile file must not allocate gigabytes).
    expect(() => parsePasswordHash('scrypt$1000$8$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==')).toThrow(/out of range/);
    expect(() => parsePasswordHash('scrypt$1048576$32$1$c2FsdHNhbHQ=$aGFzaGhhc2hoYXNoaGFzaA==')).toThrow(/out of range/);
  });
});

describe('configuration file', () => {
  const write = (name: string, body: unknown) => {
    const path = join(tmp, name);
    writeFileSync(path, JSON.stringify(body));
    return path;
  };
  const load = (file: string) => loadConfig({ config: file }, { env: {}, cwd: tmp });

  it('takes username and passwordHash entries', () => {
    const hash = hashPassword('s3cret', CHEAP);
    expect(load(write('ok.json', { credentials: [{ username: 'ops', passwordHash: hash }] })).credentials).toEqual([{ username: 'ops', passwordHash: hash }]);
    expect(load(write('none.json', {})).credentials).toEqual([]);
  });

  it('refuses plain passwords, bad hashes and duplicates, naming the entry', () => {
    const bad = (body: unknown, message: RegExp) => {
      let err: unknown;
      try {
        load(write('bad.json', body));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(message);
    };
    bad({ credentials: [{ username: 'ops', password: 'plain' }] }, /unknown key "credentials\[0\]\.password"/);
    bad({ credentials: [{ username: 'ops', passwordHash: 'nope' }] }, /credentials\[0\]\.passwordHash: a password hash looks like/);
    bad({ credentials: { username: 'ops' } }, /credentials must be an array/);
    const h = hashPassword('x', CHEAP);
    bad({ credentials: [{ username: 'a', passwordHash: h }, { username: 'a', passwordHash: h }] }, /listed twice/);
  });
});

describe('kmipkit credentials hash', () => {
  it('prints a hash the verifier accepts for the password given on standard input', async () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'credentials', 'hash'], { input: 'from-stdin\n', encoding: 'utf8' });
    expect(r.status).toBe(0);
    const hash = r.stdout.trim();
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    const check = credentialVerifier([{ username: 'u', passwordHash: hash }]);
    expect(await check('u', 'from-stdin')).toBe(true);
    expect(await check('u', 'from-stdin\n')).toBe(false);
    const empty = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'credentials', 'hash'], { input: '', encoding: 'utf8' });
    expect(empty.status).toBe(1);
    expect(empty.stderr).toMatch(/no password on standard input/);
  }, 30_000);
});

describe('a server with credentials, over mutual TLS', () => {
  it('serves requests carrying a right Username and Password and refuses the rest', async () => {
    const kmip = await createClientAndServer({ credentials: [{ username: 'ops', passwordHash: hashPassword('pw-1', CHEAP) }] });
    try {
      const query = [{ operation: 'DiscoverVersions' }];
      const none = await kmip.client.batch(query);
      expect(none[0]).toMatchObject({ status: 'OperationFailed', reason: 'AuthenticationNotSuccessful' });
      const wrong = await kmip.client.batch(query, { header: [authentication('ops', 'pw-2')] });
      expect(wrong[0]).toMatchObject({ status: 'OperationFailed', reason: 'AuthenticationNotSuccessful' });
      const unknown = await kmip.client.batch(query, { header: [authentication('root', 'pw-1')] });
      expect(unknown[0].reason).toBe('AuthenticationNotSuccessful');
      const right = await kmip.client.batch(query, { header: [authentication('ops', 'pw-1')] });
      expect(right[0].status).toBe('Success');
      // The refusal says nothing of which part was wrong.
      expect(wrong[0].message).toBe(unknown[0].message);
    } finally {
      await kmip.close();
    }
  });

  it('refuses to start with a malformed credential entry', async () => {
    await expect(createClientAndServer({ credentials: [{ username: 'ops', passwordHash: 'not-a-hash' }] })).rejects.toThrow(CredentialError);
  });
});
