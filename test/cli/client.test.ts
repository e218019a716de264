// The client subcommands as a user runs them: `kmipkit <command>` child processes against a real server
// (mutual TLS, a real port, a SQLite file) whose data directory holds the certificates --data-dir reads.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, generateDevCertificates, type KmipServer } from '../../src/server/index.js';
import { freePort, runKmipkit, type CliRun } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-client-cli-'));
const DATA = join(tmp, 'data');
let server: KmipServer;
let SERVER: string;

beforeAll(async () => {
  server = await createServer({ port: 0, dataDir: DATA, masterKey: new Uint8Array(32).fill(3) });
  SERVER = `127.0.0.1:${server.address.port}`;
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Run = CliRun;
const kmipkit = runKmipkit;

/** With the shared connection flags pointing at the test server. */
const cli = (args: string[], o: Parameters<typeof kmipkit>[1] = {}) => kmipkit([...args, '--server', SERVER, '--data-dir', DATA], o);
const json = (r: Run): Record<string, unknown> => {
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.out) as Record<string, unknown>;
};
const mode = (path: string) => statSync(path).mode & 0o777;


describe('kmipkit client commands', () => {
  it('create -> locate -> get --out -> attributes -> activate -> revoke -> destroy -> get fails with exit 3', async () => {
    const created = json(await cli(['create', '--name', 'cli-k1', '--usage', 'encrypt,decrypt', '--attr', 'x-Owner=alice', '--json']));
    expect(Object.keys(created).sort()).toEqual(['objectType', 'uniqueIdentifier']);
    expect(created.objectType).toBe('SymmetricKey');
    const id = created.uniqueIdentifier as string;

    const out = join(tmp, 'k1.key');
    // Independent reads, side by side.
    const [located, shown, gotRun, printed, attrsRun] = await Promise.all([
      cli(['locate', '--name', 'cli-k1']),
      cli(['get', id]),
      cli(['get', id, '--out', out, '--json']),
      cli(['get', id, '--print', 'hex']),
      cli(['attributes', 'get', id, '--json']),
    ]);
    expect(located.code).toBe(0);
    expect(located.out).toBe(`${id}\n`);

    // By default no material on stdout: only metadata and where to get it.
    expect(shown.code).toBe(0);
    expect(shown.out).toMatch(/^bytes:\s+32$/m);
    expect(shown.out).toMatch(/not shown/);
    const got = json(gotRun);
    expect(got).toMatchObject({ uniqueIdentifier: id, objectType: 'SymmetricKey', cryptographicAlgorithm: 'AES', cryptographicLength: 256, keyFormatType: 'Raw', bytes: 32, out });
    expect(got).not.toHaveProperty('material');
    const key = readFileSync(out);
    expect(key.length).toBe(32);
    expect(mode(out)).toBe(0o600);
    expect(shown.out + shown.err).not.toContain(key.toString('hex'));
    expect(printed.out).toBe(`${key.toString('hex')}\n`);

    const attrs = json(attrsRun);
    expect(attrs.uniqueIdentifier).toBe(id);
    expect(attrs.attributes).toMatchObject({ name: ['cli-k1'], cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'], state: 'PreActive', 'x-Owner': ['alice'] });

    expect((await cli(['attributes', 'add', id, 'x-Env=prod'])).code).toBe(0);
    expect((await cli(['attributes', 'modify', id, 'x-Env=dev', '--current', 'prod'])).code).toBe(0);
    expect(json(await cli(['attributes', 'get', id, 'x-Env', '--json'])).attributes).toEqual({ 'x-Env': ['dev'] });
    expect(json(await cli(['attributes', 'delete', id, 'x-Env', '--json']))).toEqual({ uniqueIdentifier: id, attribute: 'x-Env' });
    const list = json(await cli(['attributes', 'list', id, '--json']));
    expect(list.uniqueIdentifier).toBe(id);
    expect(list.names).toEqual(expect.arrayContaining(['name', 'x-Owner', 'state', 'cryptographicAlgorithm']));
    expect(list.names).not.toContain('x-Env');

    expect(json(await cli(['activate', id, '--json']))).toEqual({ uniqueIdentifier: id });
    expect((await cli(['attributes', 'get', id, 'state'])).out).toMatch(/^state:\s+Active$/m);
    const revoked = await cli(['revoke', id, '--reason', 'key-compromise', '--message', 'laptop lost']);
    expect(revoked).toMatchObject({ code: 0, out: `revoked ${id}\n` });
    expect(json(await cli(['attributes', 'get', id, 'state', '--json'])).attributes).toEqual({ state: 'Compromised' });
    expect((await cli(['destroy', id])).code).toBe(0);

    const [gone, missing, missing14] = await Promise.all([
      cli(['get', id, '--out', join(tmp, 'gone.key')]),
      cli(['get', 'no-such-uid', '--json']),
      // KMIP 1.x names the same failure Item Not Found.
      cli(['activate', 'no-such-uid', '--kmip-version', '1.4']),
    ]);
    expect(gone.code).toBe(3);
    expect(gone.err).toMatch(/the server refused Get: ObjectDestroyed/);
    expect(gone.out).toBe('');
    expect(() => statSync(join(tmp, 'gone.key'))).toThrow();

    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.err)).toEqual({
      error: { exitCode: 3, kind: 'kmip', reason: 'ObjectNotFound', message: expect.stringMatching(/ObjectNotFound.*no object with unique identifier no-such-uid/) },
    });
    expect(missing14.code).toBe(3);
    expect(missing14.err).toMatch(/ItemNotFound.*no object with unique identifier no-such-uid/);
  });

  it('register from a file (raw and PEM) and get it back byte for byte; --json shapes of locate, rekey, query, versions, rng', async () => {
    const material = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 7 + 1) & 0xff));
    const inFile = join(tmp, 'in.key');
    writeFileSync(inFile, material, { mode: 0o600 });
    // Standard input, at KMIP 1.4, as secret data; a PEM certificate is stored as DER.
    const certs = await generateDevCertificates();
    const certFile = join(tmp, 'c.pem');
    writeFileSync(certFile, certs.caPem);
    const [regRun, secretRun, certRun] = await Promise.all([
      cli(['register', '--type', 'symmetric-key', '--in', inFile, '--name', 'cli-reg', '--group', 'cli-group', '--json']),
      cli(['register', '--type', 'secret-data', '--name', 'cli-secret', '--kmip-version', '1.4', '--json'], { input: Buffer.from('not-a-real-password') }),
      cli(['register', '--type', 'certificate', '--in', certFile, '--json']),
    ]);
    const reg = json(regRun);
    const secret = json(secretRun);
    const cert = json(certRun);
    expect(reg.objectType).toBe('SymmetricKey');
    expect(secret.objectType).toBe('SecretData');
    expect(cert.objectType).toBe('Certificate');
    const id = reg.uniqueIdentifier as string;
    const out = join(tmp, 'back.key');
    const der = join(tmp, 'c.der');
    const [keyBack, secretBack, certBack, regAttrs] = await Promise.all([
      cli(['get', id, '--out', out]),
      cli(['get', secret.uniqueIdentifier as string, '--print', 'base64']),
      cli(['get', cert.uniqueIdentifier as string, '--out', der]),
      cli(['attributes', 'get', id, 'cryptographicLength', 'objectGroup', '--json']),
    ]);
    expect(keyBack.code).toBe(0);
    expect(readFileSync(out).equals(material)).toBe(true);
    expect(mode(out)).toBe(0o600);
    expect(Buffer.from(secretBack.out.trim(), 'base64').toString()).toBe('not-a-real-password');
    expect(certBack.code).toBe(0);
    expect(readFileSync(der).toString('base64')).toBe(certs.caPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''));
    expect(json(regAttrs).attributes).toEqual({ cryptographicLength: 256, objectGroup: ['cli-group'] });

    const [byGroupRun, allRun, activated] = await Promise.all([
      cli(['locate', '--group', 'cli-group', '--type', 'symmetric-key', '--json']),
      cli(['locate', '--all', '--max', '1', '--json']),
      cli(['activate', id]),
    ]);
    expect(json(byGroupRun).uniqueIdentifiers).toEqual([id]);
    const all = json(allRun);
    expect(all.uniqueIdentifiers).toEqual(expect.arrayContaining([id, secret.uniqueIdentifier, cert.uniqueIdentifier]));

    expect(activated.code).toBe(0);
    const rekeyed = json(await cli(['rekey', id, '--offset', '0', '--json']));
    expect(Object.keys(rekeyed).sort()).toEqual(['replaced', 'uniqueIdentifier']);
    expect(rekeyed.replaced).toBe(id);
    expect(rekeyed.uniqueIdentifier).not.toBe(id);

    const [qRun, versionsRun, rngRun] = await Promise.all([cli(['query', '--json']), cli(['versions', '--json']), cli(['rng', '--length', '24', '--json'])]);
    const q = json(qRun);
    expect(q).toMatchObject({ version: '2.1', vendorIdentification: 'kmipkit' });
    expect(q.operations).toEqual(expect.arrayContaining(['Create', 'Get', 'Locate', 'DiscoverVersions']));
    expect(q.objectTypes).toEqual(expect.arrayContaining(['SymmetricKey', 'Certificate']));
    expect(json(versionsRun)).toEqual({ versions: ['2.1', '2.0', '1.4', '1.3', '1.2', '1.1', '1.0'] });
    const rng = json(rngRun);
    expect(rng).toMatchObject({ length: 24, encoding: 'hex' });
    expect(rng.data).toMatch(/^[0-9a-f]{48}$/);
  });

  it('connection refused exits 2 with the hint; a CA that did not issue the server certificate exits 2 with the TLS hint', async () => {
    const port = await freePort();
    const refused = await kmipkit(['versions', '--server', `127.0.0.1:${port}`, '--data-dir', DATA, '--timeout', '3000']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/ECONNREFUSED/);
    expect(refused.err).toMatch(/Is `kmipkit serve` running\? Pass --server/);

    const other = await generateDevCertificates({ dir: join(tmp, 'other', 'certs') });
    expect(other.caPem).not.toBe(server.certificates.caPem);
    const tls = await kmipkit(['versions', '--server', SERVER, '--data-dir', join(tmp, 'other')]);
    expect(tls.code).toBe(2);
    expect(tls.err).toMatch(/TLS failure.*Check --ca\/--cert\/--key/);
  });

  it('bad flags and missing certificates exit 1 without contacting anything', async () => {
    const runs = await Promise.all([
      kmipkit(['versions', '--bogus']),
      kmipkit(['create', '--algorithm', 'NOPE', '--data-dir', DATA, '--server', SERVER]),
      kmipkit(['revoke', 'x', '--reason', 'because', '--data-dir', DATA, '--server', SERVER]),
      kmipkit(['versions', '--server', 'no-port', '--data-dir', DATA]),
      kmipkit(['versions', '--data-dir', join(tmp, 'empty')]),
      kmipkit(['get', 'x', '--print', 'binary', '--data-dir', DATA, '--server', SERVER]),
    ]);
    for (const r of runs) expect(r.code, r.err).toBe(1);
    expect(runs[0].err).toMatch(/unknown option '--bogus'/);
    expect(runs[1].err).toMatch(/--algorithm NOPE: not a CryptographicAlgorithm/);
    expect(runs[2].err).toMatch(/--reason because/);
    expect(runs[3].err).toMatch(/"no-port" is not HOST:PORT/);
    expect(runs[4].err).toMatch(/cannot read the CA certificate .*empty\/certs\/ca\.crt.*kmipkit serve/);
    expect(runs[5].err).toMatch(/--print binary/);
  });

  it('settings: flags over KMIPKIT_* environment over --config; defaults are ./kmipkit-data and 127.0.0.1:5696', async () => {
    const dead = `127.0.0.1:${await freePort()}`;
    const config = join(tmp, 'client.json');
    writeFileSync(config, JSON.stringify({ servers: [SERVER], dataDir: DATA }));
    const nowhere = join(tmp, 'nowhere');
    const [fromFile, envOverFile, flagOverEnv, envDirOverFile, flagDirOverEnv, envOnly, failover, defaults] = await Promise.all([
      kmipkit(['versions', '--config', config]),
      kmipkit(['versions', '--config', config, '--timeout', '3000'], { env: { KMIPKIT_SERVER: dead } }),
      kmipkit(['versions', '--config', config, '--server', SERVER], { env: { KMIPKIT_SERVER: dead } }),
      kmipkit(['versions', '--config', config], { env: { KMIPKIT_DATA_DIR: nowhere } }),
      kmipkit(['versions', '--config', config, '--data-dir', DATA], { env: { KMIPKIT_DATA_DIR: nowhere } }),
      kmipkit(['versions'], { env: { KMIPKIT_SERVER: SERVER, KMIPKIT_CA: join(DATA, 'certs', 'ca.crt'), KMIPKIT_CERT: join(DATA, 'certs', 'client.crt'), KMIPKIT_KEY: join(DATA, 'certs', 'client.key') } }),
      kmipkit(['versions', '--server', dead, '--server', SERVER, '--data-dir', DATA]),
      kmipkit(['versions'], { cwd: tmp, env: {} }),
    ]);
    expect(fromFile.code, fromFile.err).toBe(0);
    expect(fromFile.out).toMatch(/^2\.1\n/);
    expect(envOverFile.code).toBe(2);
    expect(envOverFile.err).toContain(dead);
    expect(flagOverEnv.code, flagOverEnv.err).toBe(0);
    expect(envDirOverFile.code).toBe(1);
    expect(envDirOverFile.err).toContain(join(nowhere, 'certs', 'ca.crt'));
    expect(flagDirOverEnv.code, flagDirOverEnv.err).toBe(0);
    expect(envOnly.code, envOnly.err).toBe(0);
    expect(failover.code, failover.err).toBe(0);
    expect(failover.out).toMatch(/^2\.1\n/);
    // Run where there is no kmipkit-data: the default directory is the one looked in.
    expect(defaults.code).toBe(1);
    expect(defaults.err).toContain(join('kmipkit-data', 'certs', 'ca.crt'));
    // Certificates found, no --server: 127.0.0.1:5696 is the one tried (whatever listens there, if anything, did not issue them).
    const defaultServer = await kmipkit(['versions', '--data-dir', DATA, '--timeout', '3000']);
    expect(defaultServer.code).toBe(2);
    expect(defaultServer.err).toContain('127.0.0.1:5696');

    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ server: SERVER }));
    const badConfig = await kmipkit(['versions', '--config', bad]);
    expect(badConfig.code).toBe(1);
    expect(badConfig.err).toMatch(/unknown key "server"/);
  });
});

describe('kmipkit key wrapping from the command line', () => {
  // RFC 3394's default IV: node:crypto's id-aes256-wrap, the independent implementation the bytes are checked with.
  const IV = Buffer.from('A6A6A6A6A6A6A6A6', 'hex');
  const kwWrap = (kek: Buffer, key: Buffer) => {
    const c = createCipheriv('id-aes256-wrap', kek, IV);
    return Buffer.concat([c.update(key), c.final()]);
  };
  const kwUnwrap = (kek: Buffer, wrapped: Buffer) => {
    const d = createDecipheriv('id-aes256-wrap', kek, IV);
    return Buffer.concat([d.update(wrapped), d.final()]);
  };

  it('get --wrap-with writes the wrapped key; register --wrapped-by has the server unwrap a key wrapped elsewhere; --keep-wrapped stores it as given', async () => {
    const kek = randomBytes(32);
    const kekFile = join(tmp, 'kek.bin');
    writeFileSync(kekFile, kek, { mode: 0o600 });
    const kekId = json(await cli(['register', '--type', 'symmetric-key', '--in', kekFile, '--usage', 'wrap-key,unwrap-key', '--json'])).uniqueIdentifier as string;
    expect((await cli(['activate', kekId])).code).toBe(0);

    // Out: the server wraps (RFC 3394, No Encoding) and node:crypto unwraps to the key a plain get writes.
    const id = json(await cli(['create', '--usage', 'encrypt,decrypt', '--json'])).uniqueIdentifier as string;
    const plainFile = join(tmp, 'plain.key');
    const wrappedFile = join(tmp, 'wrapped.key');
    expect((await cli(['get', id, '--out', plainFile])).code).toBe(0);
    const got = json(await cli(['get', id, '--wrap-with', kekId, '--out', wrappedFile, '--json']));
    expect(got).toMatchObject({ uniqueIdentifier: id, bytes: 40, wrappedBy: kekId, wrapMode: 'aes-kw' });
    expect(mode(wrappedFile)).toBe(0o600);
    expect(kwUnwrap(kek, readFileSync(wrappedFile))).toEqual(readFileSync(plainFile));

    // In (bring your own key): wrapped by node:crypto, unwrapped by the server, read back in the clear.
    const mine = randomBytes(32);
    const mineFile = join(tmp, 'mine.wrapped');
    writeFileSync(mineFile, kwWrap(kek, mine), { mode: 0o600 });
    const imported = json(await cli(['register', '--type', 'symmetric-key', '--in', mineFile, '--wrapped-by', kekId, '--json']));
    expect(imported).toMatchObject({ objectType: 'SymmetricKey', wrapped: false });
    const back = json(await cli(['get', imported.uniqueIdentifier as string, '--print', 'hex', '--json']));
    expect(back).toMatchObject({ cryptographicLength: 256, bytes: 32, material: mine.toString('hex') });

    // --keep-wrapped: Register stores the wrapped bytes as given.
    const kept = json(await cli(['register', '--type', 'symmetric-key', '--in', mineFile, '--wrapped-by', kekId, '--keep-wrapped', '--json']));
    expect(kept.wrapped).toBe(true);
    const keptBack = json(await cli(['get', kept.uniqueIdentifier as string, '--print', 'hex', '--json']));
    expect(keptBack.material).toBe(readFileSync(mineFile).toString('hex'));

    // Usage errors (exit 1) before anything is sent.
    const bad = await cli(['get', id, '--wrap-mode', 'aes-kw']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/--wrap-mode goes with --wrap-with/);
    const badMode = await cli(['get', id, '--wrap-with', kekId, '--wrap-mode', 'rot13']);
    expect(badMode.code).toBe(1);
    expect(badMode.err).toMatch(/expected aes-kw, aes-kwp, rsa-oaep, rsa-oaep-sha256/);
  });
});
