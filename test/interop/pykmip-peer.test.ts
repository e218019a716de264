// PyKMIP's client against PyKMIP's own server: proves the scenario scripts and the server harness work
// today, so when pykmip-client.test.ts (the same scripts against our server) fails, the fault is ours.
import { describe, expect, it } from 'vitest';
import {
  EXPECTED, SCENARIOS, VERSIONS, acceptsTls, expectRun, pyKmipServerForFile, runPyKmipClient,
} from '../helpers/pykmip.js';

const ready = pyKmipServerForFile('kmipkit-pykmip-peer-');

describe.each(VERSIONS)('PyKMIP client -> PyKMIP server, KMIP %s', (version) => {
  it.concurrent.each(SCENARIOS)('%s', async (scenario) => {
    const server = await ready();
    const run = await runPyKmipClient({
      python: server.python, host: server.host, port: server.port,
      ca: server.certs.ca, cert: server.certs.clientCert, key: server.certs.clientKey, version, scenario,
    });
    expectRun(run, EXPECTED[scenario].pykmip, version, 'pykmip');
  });
});

describe('PyKMIP server harness', () => {
  it('stop() ends the process group and the port stops accepting', async () => {
    const server = await ready();
    expect(await acceptsTls(server.host, server.port, server.certs)).toBe(true);
    await server.stop();
    expect(() => process.kill(-server.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(await acceptsTls(server.host, server.port, server.certs)).toBe(false);
  });
});
