// `kmipkit inventory` as a user runs it, over two real servers at once: ours (mutual TLS, SQLite) and
// PyKMIP's (its own CA), each holding objects in every state. Plus a server that is not there and one
// that dies part way (a TLS relay in front of a third server of ours that cuts the connection and
// stops listening at a chosen request).
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmipClient } from '../../src/client/index.js';
import { createServer, type KmipServer } from '../../src/server/index.js';
import type { InventoryReport } from '../../src/inventory/index.js';
import { pyKmipServerForFile, type PyKmipServer } from '../helpers/pykmip.js';
import { freePort, runKmipkit, type CliRun } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-inventory-cli-'));
const DATA = join(tmp, 'ours');
const FLAKY_DATA = join(tmp, 'flaky');
const DAY = 86_400_000;
const HOSTILE = '<script>alert(1)</script>, "q"\nx';

const pykmip = pyKmipServerForFile('kmipkit-inventory-pykmip-');
let ours: KmipServer;
let flaky: KmipServer;
let py: PyKmipServer;
let targetsFile: string;



const oursClient = (server: KmipServer, dir: string) =>
  new KmipClient({
    servers: [`127.0.0.1:${server.address.port}`],
    tls: { ca: readFileSync(join(dir, 'certs', 'ca.crt')), cert: readFileSync(join(dir, 'certs', 'client.crt')), key: readFileSync(join(dir, 'certs', 'client.key')) },
  });

/** What each server should list: uid -> expected state, names and finding codes. */
type Expected = Map<string, { state: string; names: string[]; findings: string[] }>;
const expectOurs: Expected = new Map();
const expectPy: Expected = new Map();
let pyDestroyed: string;

beforeAll(async () => {
  ours = await createServer({ port: 0, dataDir: DATA, masterKey: new Uint8Array(32).fill(3) });
  flaky = await createServer({ port: 0, dataDir: FLAKY_DATA, masterKey: new Uint8Array(32).fill(4) });
  py = await pykmip();

  const now = Date.now();
  const aes = (name: string, extra: Record<string, unknown> = {}) => ({ name, cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'], ...extra });
  const c = oursClient(ours, DATA);
  try {
    const add = (uid: string, state: string, names: string[], findings: string[] = []) => expectOurs.set(uid, { state, names, findings });
    const active = await c.create(aes('inv-active', { activationDate: new Date(now - DAY) }));
    add(active.uniqueIdentifier, 'Active', ['inv-active']);
    const pre = await c.create(aes(HOSTILE));
    add(pre.uniqueIdentifier, 'PreActive', [HOSTILE]);
    const old = await c.create(aes('inv-old', { activationDate: new Date(now - 400 * DAY) }));
    add(old.uniqueIdentifier, 'Active', ['inv-old'], ['no-rotation']);
    const expiring = await c.create(aes('inv-expiring', { activationDate: new Date(now - DAY), deactivationDate: new Date(now + 10 * DAY) }));
    add(expiring.uniqueIdentifier, 'Active', ['inv-expiring'], ['expiring']);
    // Rotated: the old key links to its replacement, so neither is flagged for age.
    const rotated = await c.create(aes('inv-rotated', { activationDate: new Date(now - 400 * DAY) }));
    const successor = await c.reKey(rotated.uniqueIdentifier, { offset: 0 });
    // Re-key moves the Name to the replacement.
    add(rotated.uniqueIdentifier, 'Active', []);
    add(successor.uniqueIdentifier, 'Active', ['inv-rotated']);
    const deactivated = await c.create(aes('inv-deactivated'));
    await c.activate(deactivated.uniqueIdentifier);
    await c.revoke(deactivated.uniqueIdentifier, 'CessationOfOperation');
    add(deactivated.uniqueIdentifier, 'Deactivated', ['inv-deactivated'], ['deactivated-in-use']);
    const compromised = await c.create(aes('inv-compromised'));
    await c.revoke(compromised.uniqueIdentifier, 'KeyCompromise', { compromiseOccurrenceDate: new Date(now - DAY) });
    add(compromised.uniqueIdentifier, 'Compromised', ['inv-compromised'], ['compromised-in-use']);
    // Wrapped by the compromised key: the finding names it.
    const wrapped = await c.create(aes('inv-wrapped', { activationDate: new Date(now - DAY), link: [{ linkType: 'WrappingKeyLink', linkedObjectIdentifier: compromised.uniqueIdentifier }] }));
    add(wrapped.uniqueIdentifier, 'Active', ['inv-wrapped']);
    const destroyed = await c.create(aes('inv-destroyed'));
    await c.destroy(destroyed.uniqueIdentifier);
    add(destroyed.uniqueIdentifier, 'Destroyed', ['inv-destroyed']);
    const secret = await c.create({ name: 'inv-secret', cryptographicUsageMask: ['DeriveKey'] }, { objectType: 'SecretData' });
    add(secret.uniqueIdentifier, 'PreActive', ['inv-secret']);
  } finally {
    await c.close();
  }

  const p = new KmipClient({ servers: [`127.0.0.1:${py.port}`], tls: { ca: readFileSync(py.certs.ca), cert: readFileSync(py.certs.clientCert), key: readFileSync(py.certs.clientKey) } });
  try {
    const add = (uid: string, state: string, names: string[], findings: string[] = []) => expectPy.set(uid, { state, names, findings });
    const active = await p.create(aes('py-active'));
    await p.activate(active.uniqueIdentifier);
    add(active.uniqueIdentifier, 'Active', ['py-active']);
    const pre = await p.create(aes('py-preactive'));
    add(pre.uniqueIdentifier, 'PreActive', ['py-preactive']);
    const deactivated = await p.create(aes('py-deactivated'));
    await p.activate(deactivated.uniqueIdentifier);
    await p.revoke(deactivated.uniqueIdentifier, 'CessationOfOperation');
    add(deactivated.uniqueIdentifier, 'Deactivated', ['py-deactivated'], ['deactivated-in-use']);
    const compromised = await p.create(aes('py-compromised'));
    await p.revoke(compromised.uniqueIdentifier, 'KeyCompromise', { compromiseOccurrenceDate: new Date(now - DAY) });
    add(compromised.uniqueIdentifier, 'Compromised', ['py-compromised'], ['compromised-in-use']);
    // PyKMIP's Destroy deletes the row (docs/interop.md): it must not be listed.
    pyDestroyed = (await p.create(aes('py-destroyed'))).uniqueIdentifier;
    await p.destroy(pyDestroyed);
  } finally {
    await p.close();
  }

  const f = oursClient(flaky, FLAKY_DATA);
  try {
    for (let i = 0; i < 6; i++) await f.create(aes(`flaky-${i}`));
  } finally {
    await f.close();
  }

  // Each server with its own CA and client certificate; paths relative to the file.
  targetsFile = join(tmp, 'targets.json');
  writeFileSync(
    targetsFile,
    JSON.stringify([
      { name: 'ours', server: `127.0.0.1:${ours.address.port}`, dataDir: 'ours' },
      { name: 'pykmip', server: `127.0.0.1:${py.port}`, ca: py.certs.ca, cert: py.certs.clientCert, key: py.certs.clientKey },
    ]),
  );
}, 120_000);

afterAll(async () => {
  await ours?.close();
  await flaky?.close();
  rmSync(tmp, { recursive: true, force: true });
});

type Run = CliRun;
const kmipkit = (args: string[]): Promise<Run> => runKmipkit(args);
const report = (r: Run): InventoryReport => JSON.parse(r.out) as InventoryReport;

function checkServer(rep: InventoryReport, server: string, expected: Expected): void {
  const rows = rep.objects.filter((o) => o.server === server);
  expect(rows.map((o) => o.uniqueIdentifier).sort()).toEqual([...expected.keys()].sort());
  for (const o of rows) {
    const want = expected.get(o.uniqueIdentifier)!;
    expect({ uid: o.uniqueIdentifier, state: o.state, names: o.names, findings: o.findings.map((f) => f.code).sort() }).toEqual({
      uid: o.uniqueIdentifier,
      state: want.state,
      names: want.names,
      findings: want.findings,
    });
    expect(o.error).toBeUndefined();
  }
}

describe('kmipkit inventory', () => {
  it('both servers at once (--targets with two CAs): every object with its server, state, names and findings; --json shape', async () => {
    const run = await kmipkit(['inventory', '--targets', targetsFile, '--json']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const rep = report(run);
    expect(Object.keys(rep).sort()).toEqual(['generatedAt', 'objects', 'parameters', 'servers', 'summary']);
    expect(rep.parameters).toEqual({ expiringDays: 30, maxAgeDays: 365, includeDestroyed: true });
    expect(rep.servers).toEqual([
      { name: 'ours', address: `127.0.0.1:${ours.address.port}`, status: 'ok', version: '2.1', located: expectOurs.size, objects: expectOurs.size, complete: true, notes: [] },
      { name: 'pykmip', address: `127.0.0.1:${py.port}`, status: 'ok', version: '2.0', located: expectPy.size, objects: expectPy.size, complete: true, notes: [] },
    ]);
    checkServer(rep, 'ours', expectOurs);
    checkServer(rep, 'pykmip', expectPy);
    expect(rep.objects.some((o) => o.server === 'pykmip' && o.uniqueIdentifier === pyDestroyed)).toBe(false);

    const byName = (server: string, name: string) => rep.objects.find((o) => o.server === server && o.names.includes(name))!;
    // Attributes as each server keeps them: ours has dates and links, PyKMIP only the Initial Date.
    const comp = byName('ours', 'inv-compromised');
    expect(comp).toMatchObject({ objectType: 'SymmetricKey', cryptographicAlgorithm: 'AES', cryptographicLength: 256, usageMask: ['Encrypt', 'Decrypt'], revocationReason: 'KeyCompromise' });
    expect(Object.keys(comp.dates)).toEqual(expect.arrayContaining(['initialDate', 'compromiseDate', 'compromiseOccurrenceDate', 'lastChangeDate']));
    expect(comp.findings[0].message).toContain(`linked from live object ${byName('ours', 'inv-wrapped').uniqueIdentifier} (WrappingKeyLink)`);
    expect(byName('ours', 'inv-destroyed').dates.destroyDate).toMatch(/^\d{4}-\d\d-\d\dT/);
    const successor = byName('ours', 'inv-rotated');
    expect(successor.links).toEqual([{ type: 'ReplacedObjectLink', uniqueIdentifier: expect.any(String) }]);
    expect(rep.objects.find((o) => o.uniqueIdentifier === successor.links[0].uniqueIdentifier)!.links).toEqual([{ type: 'ReplacementObjectLink', uniqueIdentifier: successor.uniqueIdentifier }]);
    expect(byName('ours', 'inv-expiring').findings[0].message).toMatch(/^Deactivation Date \d{4}-\d\d-\d\d is within 30 days \(in 10 days\)/);
    expect(byName('ours', 'inv-secret').objectType).toBe('SecretData');
    const pyActive = byName('pykmip', 'py-active');
    expect(pyActive).toMatchObject({ objectType: 'SymmetricKey', cryptographicAlgorithm: 'AES', cryptographicLength: 256, usageMask: ['Encrypt', 'Decrypt'], links: [] });
    expect(Object.keys(pyActive.dates)).toEqual(['initialDate']);

    const total = expectOurs.size + expectPy.size;
    expect(rep.summary).toMatchObject({ servers: 2, serversFailed: 0, objects: total });
    expect(rep.summary.findings).toEqual({ 'no-rotation': 1, expiring: 1, 'deactivated-in-use': 2, 'compromised-in-use': 2 });
  });

  it('table by default (--server for ours with --data-dir, PyKMIP via --targets); --fail-on-findings exits 5; --no-destroyed; csv and html to --out', async () => {
    const pyOnly = join(tmp, 'py.json');
    writeFileSync(pyOnly, JSON.stringify([{ name: 'pykmip', server: `127.0.0.1:${py.port}`, ca: py.certs.ca, cert: py.certs.clientCert, key: py.certs.clientKey }]));
    const csv = join(tmp, 'report.csv');
    const html = join(tmp, 'report.html');
    const ourServer = `127.0.0.1:${ours.address.port}`;
    const [table, strict, live, csvRun, htmlRun] = await Promise.all([
      kmipkit(['inventory', '--server', ourServer, '--data-dir', DATA, '--targets', pyOnly]),
      kmipkit(['inventory', '--targets', pyOnly, '--fail-on-findings', '--json']),
      kmipkit(['inventory', '--server', ourServer, '--data-dir', DATA, '--no-destroyed', '--json']),
      kmipkit(['inventory', '--targets', targetsFile, '--format', 'csv', '--out', csv]),
      kmipkit(['inventory', '--targets', targetsFile, '--format', 'html', '--out', html]),
    ]);
    expect(table.code, table.err).toBe(0);
    expect(table.err).toBe('');
    expect(table.out).toMatch(new RegExp(`^${ourServer.replace(/\./g, '\\.')}\\s+${ourServer.replace(/\./g, '\\.')}\\s+ok\\s+2\\.1\\s+${expectOurs.size}\\s+${expectOurs.size}\\s+-$`, 'm'));
    expect(table.out).toMatch(/^pykmip\s+127\.0\.0\.1:\d+\s+ok\s+2\.0\s+4\s+4\s+-$/m);
    expect(table.out).toMatch(/^SERVER\s+UID\s+TYPE\s+ALGORITHM\s+STATE\s+NAMES/m);
    expect(table.out).toMatch(/^pykmip\s+\d+\s+SymmetricKey\s+AES-256\s+Compromised\s+py-compromised\s.*compromised-in-use$/m);
    // The hostile name is shown escaped: no raw newline inside a row.
    expect(table.out).toContain('<script>alert(1)</script>, "q"\\nx');
    expect(table.out).toMatch(/^Findings \(6\):$/m);

    expect(strict.code).toBe(5);
    expect(report(strict).summary.findings).toEqual({ 'deactivated-in-use': 1, 'compromised-in-use': 1 });

    expect(live.code, live.err).toBe(0);
    const liveRep = report(live);
    expect(liveRep.parameters.includeDestroyed).toBe(false);
    expect(liveRep.objects.map((o) => o.state)).not.toContain('Destroyed');
    expect(liveRep.objects.length).toBe(expectOurs.size - 1);

    expect(csvRun).toMatchObject({ code: 0, out: '' });
    expect(csvRun.err).toMatch(/^wrote .*report\.csv: 15 objects, 6 findings, 0 of 2 servers failed\n$/);
    expect(statSync(csv).mode & 0o777).toBe(0o600);
    const lines = readFileSync(csv, 'utf8').split('\r\n');
    expect(lines[0]).toMatch(/^record,server,uniqueIdentifier,objectType,/);
    // Header, one record per object (the hostile name's newline is inside quotes, not a record end), and the final CRLF.
    expect(lines.length).toBe(1 + 15 + 1);
    expect(readFileSync(csv, 'utf8')).toContain('"<script>alert(1)</script>, ""q""\nx"');

    expect(htmlRun.code, htmlRun.err).toBe(0);
    const page = readFileSync(html, 'utf8');
    expect(page).not.toMatch(/<script/);
    expect(page).toContain('&lt;script&gt;alert(1)&lt;/script&gt;, &quot;q&quot;\nx');
    expect(page.match(/<tr/g)!.length).toBe(1 + 2 + 1 + 6 + 1 + 15);
  });

  it('pinned to KMIP 1.x (PyKMIP at 1.2, ours at 1.4): the same objects, destroyed ones noted as unlistable', async () => {
    const old = join(tmp, 'targets-1x.json');
    writeFileSync(
      old,
      JSON.stringify([
        { name: 'ours', server: `127.0.0.1:${ours.address.port}`, dataDir: 'ours', kmipVersion: '1.4' },
        { name: 'pykmip', server: `127.0.0.1:${py.port}`, ca: py.certs.ca, cert: py.certs.clientCert, key: py.certs.clientKey, kmipVersion: '1.2' },
      ]),
    );
    const run = await kmipkit(['inventory', '--targets', old, '--json']);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const rep = report(run);
    expect(rep.servers.map((s) => [s.name, s.version, s.status, s.notes])).toEqual([
      ['ours', '1.4', 'ok', ['KMIP 1.4 cannot ask for destroyed objects: they are not listed']],
      ['pykmip', '1.2', 'ok', ['KMIP 1.2 cannot ask for destroyed objects: they are not listed']],
    ]);
    const withoutDestroyed = new Map([...expectOurs].filter(([, v]) => v.state !== 'Destroyed'));
    checkServer(rep, 'ours', withoutDestroyed);
    checkServer(rep, 'pykmip', expectPy);
  });

  it('a server that is not there and one that dies part way are reported; the other servers are complete; exit 2', async () => {
    // The relay: TLS in with the flaky server's certificate, TLS out to it; counts request messages
    // (TTLV: 8-byte header, length at 4..8) and at the 5th cuts every connection and stops listening.
    // With --concurrency 1 the requests are Discover Versions, Locate, then one Get Attributes per
    // object: the 5th is the third object's.
    const certs = join(FLAKY_DATA, 'certs');
    const sockets = new Set<Socket>();
    let requests = 0;
    const relay = createTlsServer({
      cert: readFileSync(join(certs, 'server.crt')), key: readFileSync(join(certs, 'server.key')), ca: readFileSync(join(certs, 'ca.crt')), requestCert: true, rejectUnauthorized: true,
    });
    const die = () => {
      relay.close();
      for (const s of sockets) s.destroy();
    };
    relay.on('secureConnection', (down: TLSSocket) => {
      const up = tlsConnect({ host: '127.0.0.1', port: flaky.address.port, ca: readFileSync(join(certs, 'ca.crt')), cert: readFileSync(join(certs, 'client.crt')), key: readFileSync(join(certs, 'client.key')) });
      sockets.add(down).add(up);
      let buf = Buffer.alloc(0);
      down.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
          const n = 8 + buf.readUInt32BE(4);
          const msg = buf.subarray(0, n);
          buf = buf.subarray(n);
          if (++requests === 5) return die();
          up.write(msg);
        }
      });
      up.on('data', (chunk: Buffer) => down.write(chunk));
      for (const s of [down, up]) s.on('error', () => undefined).on('close', () => { down.destroy(); up.destroy(); });
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
    const relayPort = (relay.address() as { port: number }).port;
    const dead = await freePort();
    const targets = join(tmp, 'targets-failing.json');
    writeFileSync(
      targets,
      JSON.stringify([
        { name: 'ours', server: `127.0.0.1:${ours.address.port}`, dataDir: 'ours' },
        { name: 'nowhere', server: `127.0.0.1:${dead}`, dataDir: 'ours', timeoutMs: 3000 },
        // PyKMIP's CA did not issue our server's certificate.
        { name: 'wrong-ca', server: `127.0.0.1:${ours.address.port}`, ca: py.certs.ca, cert: py.certs.clientCert, key: py.certs.clientKey, timeoutMs: 3000 },
        { name: 'flaky', server: `127.0.0.1:${relayPort}`, dataDir: 'flaky', timeoutMs: 3000 },
        { name: 'pykmip', server: `127.0.0.1:${py.port}`, ca: py.certs.ca, cert: py.certs.clientCert, key: py.certs.clientKey },
      ]),
    );
    try {
      const jsonRun = await kmipkit(['inventory', '--targets', targets, '--json', '--concurrency', '1']);
      expect(jsonRun.code).toBe(2);
      expect(jsonRun.err).toBe('');
      const rep = report(jsonRun);
      const by = Object.fromEntries(rep.servers.map((s) => [s.name, s]));
      expect(by.ours).toMatchObject({ status: 'ok', complete: true, objects: expectOurs.size });
      expect(by.pykmip).toMatchObject({ status: 'ok', complete: true, objects: expectPy.size });
      checkServer(rep, 'ours', expectOurs);
      checkServer(rep, 'pykmip', expectPy);
      expect(by.nowhere).toMatchObject({ status: 'failed', complete: false, located: 0, objects: 0, error: { kind: 'connection' } });
      expect(by.nowhere.error!.message).toMatch(new RegExp(`cannot reach a KMIP server at 127\\.0\\.0\\.1:${dead}: .*ECONNREFUSED.*Check the address in --server or --targets`));
      expect(by['wrong-ca']).toMatchObject({ status: 'failed', complete: false, objects: 0, error: { kind: 'tls' } });
      expect(by['wrong-ca'].error!.message).toMatch(/^TLS failure with .*Check this server's ca\/cert\/key/);
      expect(by.flaky).toMatchObject({ status: 'failed', complete: false, located: 6, objects: 2, error: { kind: 'connection' } });
      expect(by.flaky.error!.message).toMatch(/^lost 127\.0\.0\.1:\d+ after 2 of 6 objects \(the report lists those read\): .*Check that the server is running/);
      expect(rep.objects.filter((o) => o.server === 'flaky').map((o) => o.names[0]).sort()).toEqual(['flaky-0', 'flaky-1']);
      expect(rep.summary).toMatchObject({ servers: 5, serversFailed: 3, objects: expectOurs.size + expectPy.size + 2 });
    } finally {
      die();
    }

    // The table names the failure on stdout and on stderr, and still lists the rest.
    const table = await kmipkit(['inventory', '--targets', targets, '--timeout', '3000']);
    expect(table.code).toBe(2);
    expect(table.out).toMatch(/^nowhere\s+127\.0\.0\.1:\d+\s+FAILED\s+-\s+0\s+0\s+cannot reach/m);
    expect(table.out).toMatch(/^flaky\s+127\.0\.0\.1:\d+\s+FAILED\s+-\s+0\s+0\s+cannot reach/m);
    expect(table.out).toMatch(/^pykmip\s+127\.0\.0\.1:\d+\s+ok/m);
    expect(table.err).toMatch(/^kmipkit: server nowhere failed: cannot reach .*ECONNREFUSED/m);
  });

  it('usage and configuration errors exit 1 before contacting anything, and say what to fix', async () => {
    const bad = join(tmp, 'bad-targets.json');
    writeFileSync(bad, JSON.stringify([{ name: 'x', server: '127.0.0.1:1', dataDir: 'ours', password: 'no' }]));
    const dup = join(tmp, 'dup-targets.json');
    writeFileSync(dup, JSON.stringify([{ name: 'x', server: '127.0.0.1:1', dataDir: 'ours' }, { name: 'x', server: '127.0.0.1:2', dataDir: 'ours' }]));
    const missing = join(tmp, 'missing-certs.json');
    writeFileSync(missing, JSON.stringify([{ name: 'x', server: '127.0.0.1:1', dataDir: 'nope' }]));
    const runs = await Promise.all([
      kmipkit(['inventory', '--targets', bad]),
      kmipkit(['inventory', '--targets', dup]),
      kmipkit(['inventory', '--targets', missing]),
      kmipkit(['inventory', '--targets', join(tmp, 'absent.json')]),
      kmipkit(['inventory', '--server', 'no-port', '--data-dir', DATA]),
      kmipkit(['inventory', '--format', 'pdf', '--data-dir', DATA]),
      kmipkit(['inventory', '--expiring-days', 'soon', '--data-dir', DATA]),
      kmipkit(['inventory', '--targets', missing, '--json']),
    ]);
    for (const r of runs) {
      expect(r.code, r.err).toBe(1);
      expect(r.out).toBe('');
    }
    expect(runs[0].err).toMatch(/entry 1: unknown key "password" \(known: name, server, ca, cert, key, dataDir, kmipVersion, timeoutMs\)/);
    expect(runs[1].err).toMatch(/two targets are named "x"/);
    expect(runs[2].err).toMatch(/entry 1: cannot read the CA certificate .*nope\/certs\/ca\.crt \(ENOENT\): fix the path, or point --data-dir/);
    expect(runs[3].err).toMatch(/cannot read --targets .*absent\.json: ENOENT/);
    expect(runs[4].err).toMatch(/"no-port" is not HOST:PORT/);
    expect(runs[5].err).toMatch(/--format pdf: expected one of table, csv, json, html/);
    expect(runs[6].err).toMatch(/--expiring-days soon: expected an integer >= 0/);
    expect(JSON.parse(runs[7].err)).toEqual({ error: { exitCode: 1, kind: 'usage', message: expect.stringMatching(/cannot read the CA certificate/) } });
  });
});
