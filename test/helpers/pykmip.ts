// PyKMIP as an interop peer: find a Python that imports it, run its server on a free port, and run
// its client (test/interop/pykmip/client_scenarios.py) one scenario at a time. See docs/interop.md.
import { createHash } from 'node:crypto';
import { execFile, execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, expect } from 'vitest';
import { ROOT } from './testdata.js';

export const PYKMIP_INSTALL =
  'bash scripts/install-pykmip.sh (apt-get install -y python3-pykmip; or a venv: python3 -m venv /tmp/pykmip-venv && ' +
  "/tmp/pykmip-venv/bin/pip install 'pykmip==0.11.0' 'sqlalchemy<2'), or set KMIPKIT_PYKMIP_PYTHON";
const SYSTEM_PYTHON = '/usr/bin/python3';
const VENV_PYTHON = '/tmp/pykmip-venv/bin/python';
const CLIENT_SCRIPT = join(ROOT, 'test', 'interop', 'pykmip', 'client_scenarios.py');
// A PyKMIP server that has not accepted TLS by then is broken, not slow (it starts in about 1 s).
const SERVER_START_TIMEOUT_MS = 30_000;
// SIGINT stops PyKMIP's accept loop at once; past this grace the group gets SIGKILL.
const SERVER_STOP_GRACE_MS = 5_000;
// One scenario is a handful of round trips; a client still running then has hung on a dead server.
const CLIENT_TIMEOUT_MS = 60_000;
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
export async function startPyKmipServer(opts: { dir: string; python?: string }): Promise<PyKmipServer> {
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
    'logging_level=DEBUG', `database_path=${join(opts.dir, 'pykmip.sqlite')}`, '',
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

export interface ScenarioOutput {
  scenario: string;
  version: KmipVersion;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { kind: 'kmip' | 'assertion' | 'exception'; status?: string; reason?: string; message: string; type?: string; where?: string };
}

export interface ClientRun {
  code: number | null;
  output: ScenarioOutput;
  stderr: string;
}

/** Runs one scenario of client_scenarios.py; rejects only when the script printed no JSON line. */
export function runPyKmipClient(opts: {
  python: string; host: string; port: number; ca: string; cert: string; key: string; version: KmipVersion; scenario: Scenario;
}): Promise<ClientRun> {
  const args = [CLIENT_SCRIPT, '--host', opts.host, '--port', String(opts.port), '--ca', opts.ca, '--cert', opts.cert,
    '--key', opts.key, '--version', opts.version, '--scenario', opts.scenario];
  return new Promise((resolve, reject) => {
    execFile(opts.python, args, { timeout: CLIENT_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, output: JSON.parse(line) as ScenarioOutput, stderr });
      } catch {
        reject(new Error(`${opts.scenario} at KMIP ${opts.version} printed no result (${err?.message ?? 'exit 0'})\n` +
          `stdout: ${stdout.slice(-LOG_TAIL_CHARS)}\nstderr: ${stderr.slice(-LOG_TAIL_CHARS)}`));
      }
    });
  });
}

export const SCENARIOS = [
  'create', 'register', 'get', 'get_attributes', 'get_attribute_list', 'locate', 'activate', 'revoke', 'destroy',
  'add_attribute', 'set_attribute', 'modify_attribute', 'delete_attribute',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** 'works', or the failure a target is known to give: the test asserts that failure, so a fix shows up. */
export type Expectation = 'works' | { unsupported: string; reason: string };

// The one table of what each server is expected to do with each scenario, at every version in VERSIONS.
export const EXPECTED: Record<Scenario, { kmipkit: Expectation; pykmip: Expectation }> = {
  create: { kmipkit: 'works', pykmip: 'works' },
  register: { kmipkit: 'works', pykmip: 'works' },
  get: { kmipkit: 'works', pykmip: 'works' },
  get_attributes: { kmipkit: 'works', pykmip: 'works' },
  get_attribute_list: { kmipkit: 'works', pykmip: 'works' },
  locate: { kmipkit: 'works', pykmip: 'works' },
  activate: { kmipkit: 'works', pykmip: 'works' },
  revoke: { kmipkit: 'works', pykmip: 'works' },
  destroy: { kmipkit: 'works', pykmip: 'works' },
  add_attribute: {
    kmipkit: 'works',
    pykmip: { unsupported: "PyKMIP's server has no AddAttribute: its payload factory raises NotImplementedError", reason: 'INVALID_MESSAGE' },
  },
  set_attribute: { kmipkit: 'works', pykmip: 'works' },
  modify_attribute: { kmipkit: 'works', pykmip: 'works' },
  delete_attribute: { kmipkit: 'works', pykmip: 'works' },
};

/** Per-scenario checks on what the script printed, independent of the script's own assertions. */
export function resultProblems(scenario: Scenario, version: KmipVersion, result: Record<string, unknown>, target: Target): string[] {
  const problems: string[] = [];
  const want = (cond: boolean, what: string) => { if (!cond) problems.push(what); };
  switch (scenario) {
    case 'register': {
      const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x40 + i));
      want(result.key_sha256 === createHash('sha256').update(key).digest('hex'), 'key bytes read back differ from those registered');
      want(result.key_algorithm === 'AES' && result.key_length === 256, 'registered key is not AES-256');
      break;
    }
    case 'get':
      // KMIP 2.0 and later name the reason Object Not Found; PyKMIP's server keeps 1.x's Item Not Found.
      want(result.missing_reason === (target === 'kmipkit' && version !== '1.2' && version !== '1.4' ? 'OBJECT_NOT_FOUND' : 'ITEM_NOT_FOUND'),
        `get of an unknown id: ${String(result.missing_reason)}`);
      want(result.value_length === 32, 'AES-256 key is not 32 bytes');
      break;
    case 'revoke':
      want(result.state === 'DEACTIVATED' && result.compromised_state === 'COMPROMISED', 'revoked states');
      break;
    case 'set_attribute':
      want(version === '2.0' ? result.sensitive === true : typeof result.refused_reason === 'string', 'SetAttribute outcome');
      break;
    case 'locate':
      want(Array.isArray(result.by_name) && (result.by_name as unknown[]).length === 1, 'locate by name found not exactly one');
      break;
    default:
      want(typeof result === 'object' && result !== null, 'no result');
  }
  return problems;
}

/** Asserts one client run against what EXPECTED says of its target. */
export type Target = 'kmipkit' | 'pykmip';

export function expectRun(run: ClientRun, expectation: Expectation, version: KmipVersion, target: Target): void {
  const { output } = run;
  const shown = JSON.stringify(output.error ?? output.result);
  if (expectation === 'works') {
    expect(output.ok, `${output.scenario} at KMIP ${version} failed: ${shown}\n${run.stderr.slice(-LOG_TAIL_CHARS)}`).toBe(true);
    expect(run.code).toBe(0);
    expect(resultProblems(output.scenario as Scenario, version, output.result ?? {}, target)).toEqual([]);
  } else {
    expect(output.ok, `${output.scenario} is listed unsupported (${expectation.unsupported}) but passed: update EXPECTED`).toBe(false);
    expect(run.code).toBe(1);
    expect({ kind: output.error?.kind, reason: output.error?.reason }).toEqual({ kind: 'kmip', reason: expectation.reason });
  }
}

/**
 * One PyKMIP server for the calling test file: started before its tests, stopped and its directory
 * removed after them. A missing PyKMIP fails every test that awaits the server with the install
 * command, rather than skipping them.
 */
export function pyKmipServerForFile(prefix: string): () => Promise<PyKmipServer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let ready: Promise<PyKmipServer>;
  beforeAll(async () => {
    ready = startPyKmipServer({ dir });
    await ready.catch(() => undefined);
  }, 60_000);
  afterAll(async () => {
    await (await ready.catch(() => undefined))?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => ready;
}
