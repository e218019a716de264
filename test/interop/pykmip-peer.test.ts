// PyKMIP's client against PyKMIP's own server: proves the scenario scripts and the server harness work
// today, so when pykmip-client.test.ts (the same scripts against our server) fails, the fault is ours.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EXPECTED, SCENARIOS, VERSIONS, acceptsTls, expectRun, runPyKmipClient, startPyKmipServer, type PyKmipServer,
} from '../helpers/pykmip.js';

const dir = mkdtempSync(join(tmpdir(), 'kmipkit-pykmip-peer-'));
let ready: Promise<PyKmipServer>;

beforeAll(async () => {
  ready = startPyKmipServer({ dir });
  // A missing PyKMIP fails every test with the install command (each awaits `ready`), rather than skipping them.
  await ready.catch(() => undefined);
}, 60_000);

afterAll(async () => {
  await (await ready.catch(() => undefined))?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe.each(VERSIONS)('PyKMIP client -> PyKMIP server, KMIP %s', (version) => {
  it.concurrent.each(SCENARIOS)('%s', async (scenario) => {
    const server = await ready;
    const run = await runPyKmipClient({
      python: server.python, host: server.host, port: server.port,
      ca: server.certs.ca, cert: server.certs.clientCert, key: server.certs.clientKey, version, scenario,
    });
    expectRun(run, EXPECTED[scenario].pykmip, version, 'pykmip');
  });
});

describe('PyKMIP server harness', () => {
  it('stop() ends the process group and the port stops accepting', async () => {
    const server = await ready;
    expect(await acceptsTls(server.host, server.port, server.certs)).toBe(true);
    await server.stop();
    expect(() => process.kill(-server.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(await acceptsTls(server.host, server.port, server.certs)).toBe(false);
  });
});
