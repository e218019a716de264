// PyKMIP's server as a peer, without vitest (the benchmarks start it too): find a Python that imports
// PyKMIP, make a throwaway PKI, run the server on a free port. See docs/interop.md.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';

export const PYKMIP_INSTALL =
  'bash scripts/install-pykmip.sh (apt-get install -y python3-pykmip; or a venv: python3 -m venv /tmp/pykmip-venv && ' +
  "/tmp/pykmip-venv/bin/pip install 'pykmip==0.11.0' 'sqlalchemy<2'), or set KMIPKIT_PYKMIP_PYTHON";
const SYSTEM_PYTHON = '/usr/bin/python3';
const VENV_PYTHON = '/tmp/pykmip-venv/bin/python';
// A PyKMIP server that has not accepted TLS by then is broken, not slow (it starts in about 1 s).
const SERVER_START_TIMEOUT_MS = 30_000;
// SIGINT stops PyKMIP's accept loop at once; past this grace the group gets SIGKILL.
const SERVER_STOP_GRACE_MS = 5_000;
// Log tails quoted in errors stay readable.
const LOG_TAIL_CHARS = 4_000;

export type KmipVersion = '1.2' | '1.4' | '2.0';
export const VERSIONS: readonly KmipVersion[] = ['1.2', '1.4', '2.0'];

function importsKmip(python: string): string | undefined {
  const r = spawnSync(python, ['-c', 'import kmip, sys; sys.stdout.write(kmip.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : undefined;
}

let found: { python: string; version: string } | undefined;

/** The Python that runs PyKMIP; throws (never skips) when there is none, naming the install command. */
export function findPyKmipPython(): string {
  return findPyKmip().python;
}

export function findPyKmip(): { python: string; version: string } {
  if (found) return found;
  const explicit = process.env.KMIPKIT_PYKMIP_PYTHON;
  if (explicit) {
    const version = importsKmip(explicit);
    if (!version) throw new Error(`KMIPKIT_PYKMIP_PYTHON=${explicit} cannot import kmip; install PyKMIP: ${PYKMIP_INSTALL}`);
    return (found = { python: explicit, version });
  }
  for (const python of [SYSTEM_PYTHON, VENV_PYTHON]) {
    const version = existsSync(python) ? importsKmip(python) : undefined;
    if (version) return (found = { python, version });
  }
  throw new Error(`PyKMIP is not installed (tried ${SYSTEM_PYTHON} and ${VENV_PYTHON}); install it: ${PYKMIP_INSTALL}`);
}

export interface Pki {
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

function openssl(args: string[]): void {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A throwaway CA with one server (serverAuth, 127.0.0.1) and one client (clientAuth) certificate. */
export function makeTestPki(dir: string, clientCn = 'kmipkit-interop-client'): Pki {
  mkdirSync(dir, { recursive: true });
  const p = (f: string) => join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=kmipkit interop test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  const leaf = (name: string, cn: string, eku: string, san: string) => {
    writeFileSync(p(`${name}.ext`), `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n` +
      `extendedKeyUsage=${eku}\nsubjectAltName=${san}\n`);
    openssl(['req', ...ec, '-keyout', p(`${name}.key`), '-out', p(`${name}.csr`), '-subj', `/CN=${cn}`]);
    openssl(['x509', '-req', '-in', p(`${name}.csr`), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial',
      '-out', p(`${name}.pem`), '-days', '2', '-extfile', p(`${name}.ext`)]);
  };
  leaf('server', 'localhost', 'serverAuth', 'IP:127.0.0.1,DNS:localhost');
  leaf('client', clientCn, 'clientAuth', `DNS:${clientCn}`);
  return { ca: p('ca.pem'), serverCert: p('server.pem'), serverKey: p('server.key'), clientCert: p('client.pem'), clientKey: p('client.key') };
}

async function freePort(): Promise<number> {
  const srv = createNetServer();
  await new Promise<void>((resolve, reject) => srv.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8').slice(-LOG_TAIL_CHARS);
  } catch {
    return '(no log)';
  }
}

/** Whether a TLS handshake with this client certificate completes. */
export function acceptsTls(host: string, port: number, certs: { ca: string; clientCert: string; clientKey: string }): Promise<boolean> {
  return new Promise((resolve) => {
    const s = tlsConnect({ host, port, ca: readFileSync(certs.ca), cert: readFileSync(certs.clientCert), key: readFileSync(certs.clientKey) });
    s.once('secureConnect', () => { s.end(); resolve(true); });
    s.once('error', () => { s.destroy(); resolve(false); });
  });
}

export interface PyKmipServer {
  pid: number;
  host: string;
  port: number;
  python: string;
  pykmipVersion: string;
  certs: { ca: string; clientCert: string; clientKey: string };
  logFile: string;
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((r) => child.once('exit', () => r()));
}

/** Starts PyKMIP's server (TLS1.2 suite, client certificates required, SQLite under dir) and waits until it accepts TLS. */
/** `logLevel` defaults to DEBUG (tests quote the log when something fails); benchmarks pass INFO. */
export async function startPyKmipServer(opts: { dir: string; python?: string; logLevel?: 'DEBUG' | 'INFO' | 'WARNING' }): Promise<PyKmipServer> {
  const { python, version } = opts.python ? { python: opts.python, version: importsKmip(opts.python) ?? '?' } : findPyKmip();
  const pki = makeTestPki(join(opts.dir, 'pki'));
  const host = '127.0.0.1';
  const port = await freePort();
  const policies = join(opts.dir, 'policies');
  mkdirSync(policies, { recursive: true });
  const config = join(opts.dir, 'server.conf');
  const logFile = join(opts.dir, 'server.log');
  const outFile = join(opts.dir, 'server.out');
  writeFileSync(config, [
    '[server]', `hostname=${host}`, `port=${port}`, `certificate_path=${pki.serverCert}`, `key_path=${pki.serverKey}`,
    `ca_path=${pki.ca}`, 'auth_suite=TLS1.2', `policy_path=${policies}`, 'enable_tls_client_auth=True',
    `logging_level=${opts.logLevel ?? 'DEBUG'}`, `database_path=${join(opts.dir, 'pykmip.sqlite')}`, '',
  ].join('\n'));
  const out = openSync(outFile, 'w');
  // `python -m kmip.services.server.server` warns about a double import; calling main() works on 0.10 and 0.11.
  const child = spawn(python, ['-c', 'from kmip.services.server.server import main; main()', '-f', config, '-l', logFile], {
    detached: true, stdio: ['ignore', out, out],
  });
  closeSync(out);
  const pid = child.pid!;
  const signalGroup = (sig: NodeJS.Signals) => { try { process.kill(-pid, sig); } catch { /* already gone */ } };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup('SIGINT');
    const timer = setTimeout(() => signalGroup('SIGKILL'), SERVER_STOP_GRACE_MS);
    await exited(child);
    clearTimeout(timer);
  };
  const deadline = Date.now() + SERVER_START_TIMEOUT_MS;
  while (!(await acceptsTls(host, port, pki))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`PyKMIP server did not start on ${host}:${port}\n${tail(outFile)}\n${tail(logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { pid, host, port, python, pykmipVersion: version, certs: { ca: pki.ca, clientCert: pki.clientCert, clientKey: pki.clientKey }, logFile, stop };
}
