// `kmipkit serve` and `kmipkit certs init` as a user runs them: real child processes, a real data
// directory, a real TLS client using the files the banner points to.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Tag } from '../../src/dict/index.js';
import { decode } from '../../src/entries/ttlv.js';
import { ROOT } from '../helpers/testdata.js';

const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-serve-'));
const MAIN = join(ROOT, 'src/cli/main.ts');
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function kmipkit(args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, KMIPKIT_MASTER_KEY: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

interface Running {
  child: ChildProcess;
  port: number;
  banner: string;
  stderr: () => string;
  exit: Promise<number | null>;
}

/** Starts `kmipkit serve` and resolves once it prints where it listens. */
function serve(args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', ...args], { cwd: ROOT, env: { ...process.env, KMIPKIT_MASTER_KEY: '' } });
  children.push(child);
  let out = '';
  let err = '';
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on \S+:(\d+)[^\n]*\n[\s\S]*Stop with/.exec(out);
      if (m) resolve({ child, port: Number(m[1]), banner: out, stderr: () => err, exit });
    });
    void exit.then((code) => reject(new Error(`serve exited ${code} before listening:\n${out}\n${err}`)));
  });
}

/** The path the banner prints after `label`. */
function bannerPath(banner: string, label: string): string {
  const m = new RegExp(`^\\s+${label}:\\s+(\\S+)$`, 'm').exec(banner);
  if (!m) throw new Error(`no "${label}" line in:\n${banner}`);
  return m[1];
}

/** A TLS connection with the printed client certificate; sends `request` and reads one framed response. */
function exchange(port: number, banner: string, request: Buffer): Promise<{ protocol: string | null; response: Buffer }> {
  return new Promise((resolve, reject) => {
    const s = connect({
      host: '127.0.0.1',
      port,
      servername: 'localhost',
      ca: readFileSync(bannerPath(banner, 'CA')),
      cert: readFileSync(bannerPath(banner, 'client cert')),
      key: readFileSync(bannerPath(banner, 'client key')),
    });
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('secureConnect', () => s.write(request));
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
        s.end();
        resolve({ protocol: s.getProtocol(), response: buf });
      }
    });
    s.on('close', () => reject(new Error(`closed after ${buf.length} bytes`)));
  });
}

const mode = (path: string) => statSync(path).mode & 0o777;
const createRequest = Buffer.from(readFileSync(join(ROOT, 'examples', 'create-request.hex'), 'utf8').trim(), 'hex');

describe('kmipkit serve', () => {
  it('on a fresh directory creates certificates, database and master key, serves mutual TLS, and exits 0 on SIGTERM', async () => {
    const dir = join(tmp, 'fresh');
    const run = await serve(['--data-dir', dir, '--port', '0', '--host', '127.0.0.1']);

    expect(mode(dir)).toBe(0o700);
    for (const f of ['ca.crt', 'server.crt', 'client.crt']) expect(statSync(join(dir, 'certs', f)).isFile()).toBe(true);
    for (const f of ['ca.key', 'server.key', 'client.key']) expect(mode(join(dir, 'certs', f))).toBe(0o600);
    expect(mode(join(dir, 'master.key'))).toBe(0o600);
    expect(statSync(join(dir, 'master.key')).size).toBe(32);
    expect(statSync(join(dir, 'kmipkit.db')).isFile()).toBe(true);
    expect(bannerPath(run.banner, 'client cert')).toBe(join(dir, 'certs', 'client.crt'));
    expect(run.banner).toMatch(new RegExp(`openssl s_client -connect 127\\.0\\.0\\.1:${run.port} -CAfile \\S+ca\\.crt -cert \\S+client\\.crt -key \\S+client\\.key`));

    const { protocol, response } = await exchange(run.port, run.banner, createRequest);
    expect(protocol).toBe('TLSv1.3');
    // The engine answers with a response message (its content is the engine's tests' business).
    expect(decode(response).tag).toBe(Tag.ResponseMessage);

    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
    expect(run.stderr()).toMatch(/SIGTERM, finishing in-flight requests/);
  });

  it('a second start reuses the certificates and the master key', async () => {
    const dir = join(tmp, 'fresh');
    const ca = readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8');
    const key = readFileSync(join(dir, 'master.key'));
    const run = await serve(['--data-dir', dir, '--port', '0', '--host', '127.0.0.1']);
    expect(readFileSync(join(dir, 'certs', 'ca.crt'), 'utf8')).toBe(ca);
    expect(readFileSync(join(dir, 'master.key'))).toEqual(key);
    const { response } = await exchange(run.port, run.banner, createRequest);
    expect(decode(response).tag).toBe(Tag.ResponseMessage);
    run.child.kill('SIGINT');
    expect(await run.exit).toBe(0);
  });

  it('--memory: no database or master key, certificates still on disk for the client', async () => {
    const dir = join(tmp, 'memory');
    const run = await serve(['--data-dir', dir, '--port', '0', '--host', '127.0.0.1', '--memory']);
    expect(run.banner).toMatch(/store:\s+memory/);
    expect(() => statSync(join(dir, 'kmipkit.db'))).toThrow();
    expect(() => statSync(join(dir, 'master.key'))).toThrow();
    const { response } = await exchange(run.port, run.banner, createRequest);
    expect(decode(response).tag).toBe(Tag.ResponseMessage);
    run.child.kill('SIGTERM');
    expect(await run.exit).toBe(0);
  });

  it('bad configuration exits 1 with the source of the bad value', () => {
    const r = kmipkit(['serve', '--data-dir', join(tmp, 'never'), '--port', '99999']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('kmipkit serve: --port: port must be from 0 to 65535 (got 99999)\n');
    expect(() => statSync(join(tmp, 'never'))).toThrow();
  });

  it('a port in use exits 2 and says so', async () => {
    const blocker = createNetServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const r = kmipkit(['serve', '--data-dir', join(tmp, 'busy'), '--memory', '--port', String(port), '--host', '127.0.0.1']);
    blocker.close();
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/cannot start: ERR_TRANSPORT_LISTEN: cannot listen on 127\.0\.0\.1:\d+: EADDRINUSE \(the port is in use; choose another\)/);
  });
});

describe('kmipkit certs init', () => {
  it('writes the six files, refuses to overwrite without --force (exit 1), replaces with it', () => {
    const dir = join(tmp, 'pki');
    const first = kmipkit(['certs', 'init', '--dir', dir, '--hostname', 'kms.test', '--hostname', '192.0.2.7']);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/valid for: kms\.test, 192\.0\.2\.7/);
    expect(mode(join(dir, 'client.key'))).toBe(0o600);
    const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');

    const again = kmipkit(['certs', 'init', '--dir', dir]);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/already holds ca\.crt, ca\.key, server\.crt, server\.key, client\.crt, client\.key; pass --force/);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).toBe(ca);

    const forced = kmipkit(['certs', 'init', '--dir', dir, '--force']);
    expect(forced.code).toBe(0);
    expect(readFileSync(join(dir, 'ca.crt'), 'utf8')).not.toBe(ca);
  });

  it('--data-dir DIR writes DIR/certs, where kmipkit serve --data-dir DIR reads them; not with --dir', () => {
    const data = join(tmp, 'data-for-certs');
    const r = kmipkit(['certs', 'init', '--data-dir', data]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(join(data, 'certs'));
    expect(mode(join(data, 'certs', 'server.key'))).toBe(0o600);
    const both = kmipkit(['certs', 'init', '--data-dir', data, '--dir', join(tmp, 'x')]);
    expect(both.code).toBe(1);
    expect(both.err).toMatch(/--data-dir or --dir, not both/);
  });
});
