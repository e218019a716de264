// Starts a PyKMIP server (an independent KMIP implementation) on a free local port with a fresh
// SQLite database and a throwaway PKI, so the harness can be validated against a peer.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConformanceError } from './errors.js';
import { createTestPki } from './pki.js';
import type { Target } from './target.js';

/** PyKMIP imports `cryptography` and SQLAlchemy at start-up: a few seconds on a slow CI machine. */
const STARTUP_TIMEOUT_MS = 30_000;
const POLL_MS = 100;
/** Time PyKMIP gets to shut down on SIGTERM before SIGKILL (its state is a throwaway directory). */
const KILL_GRACE_MS = 500;

/** Signals the process group we created for one PyKMIP server (its leader's pid), nothing else. */
function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/** Where to look for a Python that can `import kmip`: $KMIPKIT_PYKMIP_PYTHON, the venv of the docs, Debian's python3-pykmip. */
export const PYKMIP_PYTHONS = [process.env.KMIPKIT_PYKMIP_PYTHON, '/tmp/pykmip-venv/bin/python', '/usr/bin/python3'].filter(
  (p): p is string => !!p,
);

/** The first interpreter that imports PyKMIP, or undefined. */
export function findPyKmip(): string | undefined {
  for (const python of PYKMIP_PYTHONS) {
    if (!existsSync(python)) continue;
    const r = spawnSync(python, ['-c', 'import kmip.services.server.server'], { stdio: 'ignore', timeout: 20_000 });
    if (r.status === 0) return python;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const canConnect = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect({ host: '127.0.0.1', port });
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });

const MAIN = 'import sys; from kmip.services.server.server import main; sys.exit(main())';

/** Starts PyKMIP; `close()` stops it and removes its directory. */
export async function startPyKmip(python = findPyKmip()): Promise<Target> {
  if (!python) {
    throw new ConformanceError('PEER_MISSING', `PyKMIP not found: tried ${PYKMIP_PYTHONS.join(', ')} (install python3-pykmip, or pip install pykmip==0.11.0 'sqlalchemy<2' into /tmp/pykmip-venv)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kmipkit-pykmip-'));
  const pki = await createTestPki('127.0.0.1');
  const f = (name: string, text: string) => { const p = join(dir, name); writeFileSync(p, text, { mode: 0o600 }); return p; };
  const port = await freePort();
  mkdirSync(join(dir, 'policies'));
  const conf = f('server.conf', [
    '[server]',
    'hostname=127.0.0.1',
    `port=${port}`,
    `certificate_path=${f('server.crt', pki.serverCertPem)}`,
    `key_path=${f('server.key', pki.serverKeyPem)}`,
    `ca_path=${f('ca.crt', pki.caPem)}`,
    'auth_suite=TLS1.2',
    'enable_tls_client_auth=True',
    `policy_path=${join(dir, 'policies')}`,
    'logging_level=INFO',
    `database_path=${join(dir, 'pykmip.db')}`,
    '',
  ].join('\n'));
  const log = join(dir, 'server.log');
  const child: ChildProcess = spawn(python, ['-W', 'ignore', '-c', MAIN, '-f', conf, '-l', log], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // Its own process group: PyKMIP forks helpers (the policy monitor) that must go with it.
    detached: true,
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => { stderr = (stderr + d.toString()).slice(-4000); });
  let exited: number | null | undefined;
  child.once('exit', (code) => { exited = code; });
  const stop = async () => {
    if (exited === undefined) {
      const gone = new Promise((r) => child.once('exit', r));
      killGroup(child.pid!, 'SIGTERM');
      const t = setTimeout(() => killGroup(child.pid!, 'SIGKILL'), KILL_GRACE_MS);
      await gone;
      clearTimeout(t);
    }
    // Forked helpers exit with the group; make sure none outlives the run holding our pipe.
    killGroup(child.pid!, 'SIGKILL');
    child.stderr!.destroy();
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (!(await canConnect(port))) {
    if (exited !== undefined || Date.now() > deadline) {
      const why = exited !== undefined ? `exited with ${exited}` : `did not listen within ${STARTUP_TIMEOUT_MS} ms`;
      const tail = (existsSync(log) ? readFileSync(log, 'utf8') : '').slice(-1500) + stderr.slice(-1500);
      await stop();
      throw new ConformanceError('PEER_START', `PyKMIP (${python}) ${why}: ${tail}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
  return {
    name: `PyKMIP (${python}) at 127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    ca: pki.caPem,
    cert: pki.clientCertPem,
    key: pki.clientKeyPem,
    close: stop,
  };
}
