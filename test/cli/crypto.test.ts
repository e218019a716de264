// The cryptographic subcommands as a user runs them (`kmipkit create-key-pair|encrypt|decrypt|sign|verify|mac`
// child processes) against PyKMIP's server (a real process, mutual TLS) at 2.0 and 1.4 and against our own
// server (a real port, a SQLite file) at 2.1, results checked with node:crypto.
import { createCipheriv, createDecipheriv, createHmac, createPublicKey, randomBytes, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type KmipServer } from '../../src/server/index.js';
import { pyKmipServerForFile, type PyKmipServer } from '../helpers/pykmip.js';
import { runKmipkit } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-crypto-cli-'));
const pykmip = pyKmipServerForFile('kmipkit-crypto-cli-pykmip-');
let py: PyKmipServer;
let ours: KmipServer;
const DATA = join(tmp, 'ours');
beforeAll(async () => {
  ours = await createServer({ port: 0, dataDir: DATA, masterKey: new Uint8Array(32).fill(5) });
  py = await pykmip();
}, 60_000);
afterAll(async () => {
  await ours?.close();
  rmSync(tmp, { recursive: true, force: true });
});


interface Run {
  code: number | null;
  out: Buffer;
  err: string;
}
const kmipkit = async (args: string[], input: string | Buffer = ''): Promise<Run> => {
  const r = await runKmipkit(args, { input });
  return { code: r.code, out: r.outBytes, err: r.err };
};

/** Against PyKMIP, at the version it negotiates (2.0) unless a --kmip-version is given. */
const cli = (args: string[], input?: string | Buffer) =>
  kmipkit([...args, '--server', `${py.host}:${py.port}`, '--ca', py.certs.ca, '--cert', py.certs.clientCert, '--key', py.certs.clientKey], input);
const ok = (r: Run): string => {
  expect(r.err, r.err).toBe('');
  expect(r.code).toBe(0);
  return r.out.toString();
};
const json = (r: Run) => JSON.parse(ok(r)) as Record<string, unknown>;
const mode = (path: string) => statSync(path).mode & 0o777;
const MESSAGE = Buffer.from('a message for the CLI crypto tests, not a secret');
const file = (name: string, data: Buffer | string) => {
  const p = join(tmp, name);
  writeFileSync(p, data);
  return p;
};

const TARGETS = [
  { target: 'PyKMIP', version: '2.0' },
  { target: 'PyKMIP', version: '1.4' },
  { target: 'kmipkit', version: '2.1' },
] as const;

describe.each(TARGETS)('kmipkit crypto commands against $target (KMIP $version)', ({ target, version }) => {
  const v = (args: string[], input?: string | Buffer) =>
    target === 'PyKMIP'
      ? cli([...args, '--kmip-version', version], input)
      : kmipkit([...args, '--server', `127.0.0.1:${ours.address.port}`, '--data-dir', DATA, '--kmip-version', version], input);
  const msg = () => file(`msg-${version}.txt`, MESSAGE);

  it('create-key-pair, sign --out (0600), verify: valid (exit 0); a tampered signature: invalid (exit 4)', async () => {
    const pair = json(await v(['create-key-pair', '--length', '2048', '--private-name', `cli-priv-${version}`, '--public-name', `cli-pub-${version}`, '--json']));
    expect(Object.keys(pair).sort()).toEqual(['privateKeyUniqueIdentifier', 'publicKeyUniqueIdentifier']);
    const priv = pair.privateKeyUniqueIdentifier as string;
    const pub = pair.publicKeyUniqueIdentifier as string;
    await Promise.all([v(['activate', priv]).then(ok), v(['activate', pub]).then(ok)]);

    const sigFile = join(tmp, `sig-${version}.bin`);
    expect(ok(await v(['sign', priv, '--in', msg(), '--out', sigFile]))).toBe(`wrote 256 bytes to ${sigFile}\n`);
    expect(mode(sigFile)).toBe(0o600);
    const pubDer = join(tmp, `pub-${version}.der`);
    ok(await v(['get', pub, '--out', pubDer]));
    const publicKey = createPublicKey({ key: readFileSync(pubDer), format: 'der', type: 'pkcs1' });
    expect(nodeVerify('sha256', MESSAGE, publicKey, readFileSync(sigFile))).toBe(true);

    // Data on standard input; text and JSON output.
    expect(ok(await v(['verify', pub, '--signature', sigFile], MESSAGE))).toBe('valid\n');
    expect(json(await v(['verify', pub, '--signature', sigFile, '--in', msg(), '--json']))).toEqual({ uniqueIdentifier: pub, validityIndicator: 'Valid', valid: true });
    const tampered = readFileSync(sigFile);
    tampered[0] ^= 0x80;
    const bad = await v(['verify', pub, '--signature', file(`bad-${version}.bin`, tampered), '--in', msg()]);
    expect({ code: bad.code, out: bad.out.toString(), err: bad.err }).toEqual({ code: 4, out: 'invalid\n', err: '' });

    // The signature printed as hex is the one written to the file (PKCS#1 v1.5 is deterministic), and verify reads it back as hex.
    const hex = ok(await v(['sign', priv, '--in', msg()])).trim();
    expect(hex).toBe(readFileSync(sigFile).toString('hex'));
    expect(ok(await v(['verify', pub, '--signature', file(`sig-${version}.hex`, `${hex}\n`), '--signature-encoding', 'hex', '--in', msg()]))).toBe('valid\n');
  });

  it('encrypt (server-made IV) -> node:crypto decrypts; decrypt of hex input on stdin round-trips; --out is 0600', async () => {
    const key = json(await v(['create', '--name', `cli-aes-${version}`, '--json'])).uniqueIdentifier as string;
    ok(await v(['activate', key]));
    const keyFile = join(tmp, `aes-${version}.key`);
    ok(await v(['get', key, '--out', keyFile]));
    const enc = json(await v(['encrypt', key, '--in', msg(), '--json']));
    expect(Object.keys(enc).sort()).toEqual(['data', 'encoding', 'iv', 'uniqueIdentifier']);
    expect(enc.encoding).toBe('hex');
    const d = createDecipheriv('aes-256-cbc', readFileSync(keyFile), Buffer.from(enc.iv as string, 'hex'));
    expect(Buffer.concat([d.update(Buffer.from(enc.data as string, 'hex')), d.final()])).toEqual(MESSAGE);

    const raw = await v(['decrypt', key, '--iv', enc.iv as string, '--input-encoding', 'hex', '--encoding', 'raw'], `${enc.data as string}\n`);
    expect(raw.err).toBe('');
    expect(raw.out).toEqual(MESSAGE);
    const plainFile = join(tmp, `plain-${version}.txt`);
    expect(json(await v(['decrypt', key, '--iv', enc.iv as string, '--input-encoding', 'hex', '--out', plainFile, '--json'], enc.data as string)))
      .toEqual({ uniqueIdentifier: key, bytes: MESSAGE.length, out: plainFile });
    expect(readFileSync(plainFile)).toEqual(MESSAGE);
    expect(mode(plainFile)).toBe(0o600);

    // Text output: key: value lines, the IV among them.
    const text = ok(await v(['encrypt', key, '--in', msg(), '--encoding', 'base64']));
    expect(text).toMatch(/^data: +[A-Za-z0-9+/]+=*\niv: +[0-9a-f]{32}\n$/);
  });

  it('encrypt --mode gcm with --iv and --aad equals node:crypto (tag printed); decrypt --tag round-trips', async () => {
    const key = json(await v(['create', '--json'])).uniqueIdentifier as string;
    ok(await v(['activate', key]));
    const keyFile = join(tmp, `gcm-${version}.key`);
    ok(await v(['get', key, '--out', keyFile]));
    const iv = randomBytes(12);
    const aad = Buffer.from('header');
    const enc = json(await v(['encrypt', key, '--mode', 'gcm', '--iv', iv.toString('hex'), '--aad', aad.toString('hex'), '--in', msg(), '--json']));
    const e = createCipheriv('aes-256-gcm', readFileSync(keyFile), iv);
    e.setAAD(aad);
    expect(enc.data).toBe(Buffer.concat([e.update(MESSAGE), e.final()]).toString('hex'));
    expect(enc.tag).toBe(e.getAuthTag().toString('hex'));
    expect(enc.iv).toBeUndefined();
    const dec = await v(['decrypt', key, '--mode', 'gcm', '--iv', iv.toString('hex'), '--aad', aad.toString('hex'), '--tag', enc.tag as string,
      '--input-encoding', 'hex', '--encoding', 'raw'], enc.data as string);
    expect(dec.err).toBe('');
    expect(dec.out).toEqual(MESSAGE);
  });

  it('mac with an HMAC-SHA256 key equals node:crypto', async () => {
    const secret = randomBytes(32);
    const key = json(await v(['register', '--type', 'symmetric-key', '--algorithm', 'hmac-sha256', '--usage', 'mac-generate', '--in', file(`hmac-${version}.key`, secret), '--json']))
      .uniqueIdentifier as string;
    ok(await v(['activate', key]));
    const want = createHmac('sha256', secret).update(MESSAGE).digest();
    expect(ok(await v(['mac', key, '--in', msg()]))).toBe(`${want.toString('hex')}\n`);
    expect(json(await v(['mac', key, '--algorithm', 'hmac-sha256', '--encoding', 'base64', '--json'], MESSAGE)))
      .toEqual({ uniqueIdentifier: key, mac: want.toString('base64'), encoding: 'base64' });
  });
});

describe('kmipkit crypto commands: errors', () => {
  it('usage errors exit 1 before connecting; an unknown key exits 3 with the Result Reason', async () => {
    const [badMode, badHex, badEnc, unknown] = await Promise.all([
      cli(['encrypt', 'x', '--mode', 'nope', '--in', file('m1', MESSAGE)]),
      cli(['decrypt', 'x', '--input-encoding', 'hex'], 'zz'),
      cli(['sign', 'x', '--encoding', 'raw', '--json', '--in', file('m2', MESSAGE)]),
      cli(['encrypt', '99999', '--in', file('m3', MESSAGE), '--json']),
    ]);
    expect(badMode.code).toBe(1);
    expect(badMode.err).toMatch(/--mode nope: not a BlockCipherMode/);
    expect(badHex.code).toBe(1);
    expect(badHex.err).toMatch(/standard input is not hex/);
    expect(badEnc.code).toBe(1);
    expect(unknown.code).toBe(3);
    expect(JSON.parse(unknown.err)).toMatchObject({ error: { exitCode: 3, kind: 'kmip', reason: 'ItemNotFound' } });
  });
});
