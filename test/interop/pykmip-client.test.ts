// PyKMIP's client against our server, every scenario at KMIP 1.2, 1.4 and 2.0. The same scripts pass
// against PyKMIP's own server (pykmip-peer.test.ts), so a failure here is ours unless EXPECTED says otherwise.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { createServer } from '../../src/server/index.js';
import { EXPECTED, SCENARIOS, VERSIONS, expectRun, findPyKmipPython, runPyKmipClient } from '../helpers/pykmip.js';

// Addresses a server may report when bound to every interface; the client dials loopback instead.
const WILDCARD_HOSTS = new Set(['', '0.0.0.0', '::']);

const dir = mkdtempSync(join(tmpdir(), 'kmipkit-pykmip-client-'));
let server: Awaited<ReturnType<typeof createServer>> | undefined;
let ready: Promise<{ python: string; host: string; port: number; ca: string; cert: string; key: string }>;

async function setUp() {
  // Throws the install command when PyKMIP is missing: every test then fails with it, none is skipped.
  const python = findPyKmipPython();
  // compatibility.pykmip: PyKMIP's decoder raises on attributes it does not know (Original Creation Date
  // and later) in an all-attributes answer; docs/interop.md explains.
  server = await createServer({ port: 0, store: 'memory', compatibility: { pykmip: true } });
  const { caPem, clientCertPem, clientKeyPem } = server.certificates;
  const file = (name: string, pem: string) => {
    const path = join(dir, name);
    writeFileSync(path, pem, { mode: 0o600 });
    return path;
  };
  const { host, port } = server.address;
  return {
    python, host: WILDCARD_HOSTS.has(host) ? '127.0.0.1' : host, port,
    ca: file('ca.pem', caPem), cert: file('client.pem', clientCertPem), key: file('client.key', clientKeyPem),
  };
}

beforeAll(async () => {
  ready = setUp();
  await ready.catch(() => undefined);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(VERSIONS)('PyKMIP client -> kmipkit server, KMIP %s', (version) => {
  it.concurrent.each(SCENARIOS)('%s', async (scenario) => {
    const run = await runPyKmipClient({ ...(await ready), version, scenario });
    expectRun(run, EXPECTED[scenario].kmipkit, version, 'kmipkit');
  });
});
