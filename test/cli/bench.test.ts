// `kmipkit bench` as a user runs it: a child process against a real server (ours: mutual TLS, a real
// port, a SQLite file, certificates read with --data-dir; and PyKMIP's, a real Python process). Short,
// count-based runs: the checks are on the consistency of the figures, never on their size.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KmipClient } from '../../src/client/index.js';
import type { BenchResult, OperationResult } from '../../src/harness/index.js';
import { drawSequence, parseMix } from '../../src/harness/workload.js';
import { createServer, generateDevCertificates, type KmipServer } from '../../src/server/index.js';
import { StoreError, openStore, type Store } from '../../src/store/index.js';
import { pyKmipServerForFile } from '../helpers/pykmip.js';
import { freePort, runKmipkit, type CliRun } from '../helpers/cli.js';

const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-bench-cli-'));
const DATA = join(tmp, 'data');
let server: KmipServer;
let SERVER: string;
const pykmip = pyKmipServerForFile('kmipkit-bench-pykmip-');

beforeAll(async () => {
  server = await createServer({ port: 0, dataDir: DATA, masterKey: new Uint8Array(32).fill(5) });
  SERVER = `127.0.0.1:${server.address.port}`;
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});


type Run = CliRun;
const kmipkit = (args: string[]): Promise<Run> => runKmipkit(['bench', ...args]);
const ours = (args: string[]) => kmipkit([...args, '--server', SERVER, '--data-dir', DATA]);

async function ourClient(): Promise<KmipClient> {
  const pem = (f: string) => readFileSync(join(DATA, 'certs', f));
  return new KmipClient({ servers: [SERVER], tls: { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') } });
}

async function objectsOnServer(): Promise<number> {
  const c = await ourClient();
  try {
    let n = 0;
    for await (const _ of c.locateAll()) n++;
    return n;
  } finally {
    await c.close();
  }
}

/** The checks every run's JSON must pass, whatever the server. */
function expectConsistent(r: BenchResult, requests: number): void {
  expect(r.schema).toBe('kmipkit-bench/1');
  expect(r.operations.reduce((s, o) => s + o.count + o.errors, 0)).toBe(requests);
  expect(r.totals.count).toBe(r.operations.reduce((s, o) => s + o.count, 0));
  expect(r.totals.errors).toBe(r.operations.reduce((s, o) => s + o.errors, 0));
  expect(r.totals.windowMs).toBeGreaterThan(0);
  expect(r.totals.opsPerSec).toBeCloseTo((r.totals.count * 1000) / r.totals.windowMs, 6);
  for (const o of r.operations) {
    expect(Object.values(o.errorsByReason).reduce((a, b) => a + b, 0)).toBe(o.errors);
    if (o.count === 0) continue;
    const chain = [o.minMs, o.p50Ms, o.p90Ms, o.p99Ms, o.p999Ms, o.maxMs];
    for (let i = 1; i < chain.length; i++) expect(chain[i], `${o.operation} percentiles ascend`).toBeGreaterThanOrEqual(chain[i - 1]);
    expect(o.minMs).toBeGreaterThan(0);
    expect(o.meanMs).toBeGreaterThanOrEqual(o.minMs);
    expect(o.meanMs).toBeLessThanOrEqual(o.maxMs);
    expect(o.opsPerSec).toBeGreaterThan(0);
    expect(o.items).toBe(o.count * o.batch);
    expect(o.distribution.reduce((s, [, c]) => s + c, 0)).toBe(o.count);
  }
}

const byName = (r: BenchResult, name: string): OperationResult => r.operations.find((o) => o.operation === name)!;


describe('kmipkit bench against our server', () => {
  it('closed loop, count-based: consistent JSON, the seed fixes the sequence, HTML and CSV written, objects cleaned up, exit 0', async () => {
    const before = await objectsOnServer();
    const mix = 'get=70,create=10,locate=10,destroy=10,create-batch:5=2';
    const html = join(tmp, 'run.html');
    const csv = join(tmp, 'run.csv');
    const run = await ours([
      '--count', '300', '--connections', '2', '--concurrency', '2', '--mix', mix, '--seed', '11',
      '--no-default-targets', '--target', 'get.p99=60s', '--format', 'json', '--out', html, '--out', csv,
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(run.out) as BenchResult;
    expectConsistent(r, 300);
    expect(r.servers).toEqual([SERVER]);
    expect(r.kmipVersion).toBe('2.1');
    expect(r.config).toMatchObject({ mode: 'closed', connections: 2, concurrency: 2, count: 300, warmupCount: 30, seed: 11 });
    expect(r.totals.errors).toBe(0);
    expect(r.totals.warmupOps).toBe(30);
    // The measured requests are draws 30..329 of the seeded sequence: each operation's count is known.
    const items = parseMix(mix);
    const seq = drawSequence(items, 330, 11).slice(30);
    for (const [i, m] of items.entries()) expect(byName(r, m.name).count, m.name).toBe(seq.filter((x) => x === i).length);
    // Destroy found its objects made in setup: none made during the run.
    expect(r.setup).toMatchObject({ keys: 16, refills: 0 });
    expect(r.setup.destroyPool).toBe([...drawSequence(items, 330, 11)].filter((x) => x === 3).length);
    expect(r.targets).toEqual([{ operation: 'get', metric: 'p99', limit: 60_000, actual: byName(r, 'get').p99Ms, pass: true }]);
    expect(r.passed).toBe(true);
    expect(r.cleanup).toMatchObject({ kept: false, failed: 0 });
    expect(r.cleanup.destroyed).toBeGreaterThan(16);
    expect(await objectsOnServer()).toBe(before);

    const page = readFileSync(html, 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).not.toMatch(/<script|<link|https?:\/\//i);
    expect(page.match(/<svg /g)?.length).toBe(1 + r.operations.length);
    const rows = readFileSync(csv, 'utf8').trimEnd().split('\r\n');
    expect(rows.map((l) => l.split(',')[0])).toEqual(['operation', 'get', 'create', 'locate', 'destroy', 'create-batch:5', 'total']);
  });

  it('a target that cannot be met exits 4 and says which; the table is the default output', async () => {
    const run = await ours(['--count', '40', '--mix', 'get', '--connections', '1', '--target', 'get.p99=0.001ms']);
    expect(run.code, run.err).toBe(4);
    expect(run.err).toBe('');
    expect(run.out).toMatch(/^operation\s+ok\s+errors\s+ops\/s\s+p50 ms\s+p90 ms\s+p99 ms\s+p99\.9 ms\s+max ms$/m);
    expect(run.out).toMatch(/^get\s+40\s+0\s+/m);
    expect(run.out).toMatch(/MISSED get p99 [\d.]+ ms \(target <= 0\.001 ms\)/);
    expect(run.out).toMatch(/FAILED: 1 of 1 targets missed\n$/);
  });

  it('open loop: the schedule holds the count, latency percentiles consistent, the open-loop figures reported', async () => {
    const run = await ours(['--rate', '200', '--arrival', 'poisson', '--count', '100', '--mix', 'get=3,locate=1', '--no-default-targets', '--json']);
    expect(run.code, run.err).toBe(0);
    const r = JSON.parse(run.out) as BenchResult;
    expectConsistent(r, 100);
    expect(r.config).toMatchObject({ mode: 'open', rate: 200, arrival: 'poisson' });
    expect(r.open).toMatchObject({ targetRate: 200, arrival: 'poisson', scheduled: 100, overloaded: false });
    expect(r.open!.achievedRate).toBeGreaterThan(0);
    expect(r.open!.queueWaitMs.max).toBeGreaterThanOrEqual(r.open!.queueWaitMs.p50);
    expect(r.targets).toEqual([]);
  });

  it('Encrypt and Decrypt: done when the server lists them in Query, else reported as refused and their targets missed', async () => {
    const c = await ourClient();
    const supported = (await c.query(['QueryOperations'])).operations ?? [];
    await c.close();
    const run = await ours(['--count', '40', '--connections', '1', '--mix', 'get=2,encrypt=1,decrypt=1', '--keys', '2', '--json', '--target', 'get.p99=60s', '--target', 'encrypt.p99=60s', '--target', 'decrypt.p99=60s']);
    const r = JSON.parse(run.out) as BenchResult;
    expectConsistent(r, 40);
    for (const op of ['encrypt', 'decrypt'] as const) {
      const o = byName(r, op);
      const t = r.targets.find((x) => x.operation === op)!;
      if (supported.includes(op === 'encrypt' ? 'Encrypt' : 'Decrypt')) {
        expect(o.errors, JSON.stringify(o.errorsByReason)).toBe(0);
        expect(t.pass).toBe(true);
      } else {
        expect(o.count).toBe(0);
        expect(Object.keys(o.errorsByReason)).toEqual(['OperationNotSupported']);
        expect(o.hints[0]).toMatch(/does not implement (Encrypt|Decrypt): drop it from --mix/);
        expect(t).toMatchObject({ pass: false, note: expect.stringMatching(/^every request failed: OperationNotSupported x\d+$/) });
      }
    }
    expect(byName(r, 'get').errors).toBe(0);
    if (!supported.includes('Encrypt')) {
      expect(run.code).toBe(4);
      expect(run.err).toMatch(/Encrypt failed in setup \(the server refused Encrypt: OperationNotSupported/);
    } else expect(run.code, run.err).toBe(0);
    // The keys were activated for Encrypt: cleanup revoked them before destroying them.
    expect(r.cleanup.failed).toBe(0);
  });

  it('usage errors exit 1 before connecting; no server exits 2, a foreign CA exits 2 with the TLS hint', async () => {
    const runs = await Promise.all([
      ours(['--mix', 'frobnicate']),
      ours(['--mix', 'get', '--target', 'create.p99=5ms']),
      ours(['--out', join(tmp, 'r.pdf')]),
      ours(['--count', '5', '--duration', '1s']),
      ours(['--rate', '0']),
      ours(['--duration', 'soon']),
      ours(['--arrival', 'poisson']),
    ]);
    for (const r of runs) expect(r.code, r.err).toBe(1);
    expect(runs[0].err).toMatch(/"frobnicate" is not an operation/);
    expect(runs[1].err).toMatch(/create is not in the mix/);
    expect(runs[2].err).toMatch(/--out .*r\.pdf: the extension says the format/);
    expect(runs[3].err).toMatch(/--count or --duration, not both/);
    expect(runs[4].err).toMatch(/--rate must be above 0/);
    expect(runs[5].err).toMatch(/--duration "soon": expected a duration/);
    expect(runs[6].err).toMatch(/--arrival applies to the open loop/);

    const port = await freePort();
    const refused = await kmipkit(['--server', `127.0.0.1:${port}`, '--data-dir', DATA, '--count', '5', '--json']);
    expect(refused.code).toBe(2);
    expect(JSON.parse(refused.err).error).toMatchObject({ exitCode: 2, kind: 'connection', message: expect.stringMatching(/ECONNREFUSED.*Is `kmipkit serve` running/) });

    await generateDevCertificates({ dir: join(tmp, 'other', 'certs') });
    const tls = await kmipkit(['--server', SERVER, '--data-dir', join(tmp, 'other'), '--count', '5']);
    expect(tls.code).toBe(2);
    expect(tls.err).toMatch(/TLS failure.*Check --ca\/--cert\/--key/);
  });
});

describe('kmipkit bench against a server that refuses what setup needs', () => {
  it('exits 3 naming the setup step, the Result Reason and what to check', async () => {
    // A store whose disk is full: every Create fails on the server and is answered with a KMIP failure.
    const inner = await openStore({ kind: 'memory' });
    const full: Store = {
      kind: 'memory',
      transaction: (fn) => inner.transaction((tx) => fn(Object.assign(Object.create(tx) as typeof tx, {
        insert: async () => { throw new StoreError('IO', 'no space left on device'); },
      }))),
      close: () => inner.close(),
    };
    const dir = join(tmp, 'full');
    const refusing = await createServer({ port: 0, dataDir: dir, store: full });
    try {
      const run = await kmipkit(['--server', `127.0.0.1:${refusing.address.port}`, '--data-dir', dir, '--count', '10', '--mix', 'get']);
      expect(run.code, run.err).toBe(3);
      expect(run.out).toBe('');
      expect(run.err).toMatch(/^kmipkit: setup: creating 16 AES keys for Get: the server refused Create: \w+/);
      expect(run.err).toMatch(/The harness needs this to set up the run/);
    } finally {
      await refusing.close();
    }
  });
});

describe("kmipkit bench against PyKMIP's server", () => {
  it('create, get, locate, destroy: consistent JSON at the version PyKMIP negotiates, objects cleaned up', async () => {
    const py = await pykmip();
    const run = await kmipkit([
      '--server', `${py.host}:${py.port}`, '--ca', py.certs.ca, '--cert', py.certs.clientCert, '--key', py.certs.clientKey,
      '--count', '40', '--warmup-count', '4', '--connections', '2', '--keys', '4', '--mix', 'get=4,create=2,locate=2,destroy=2',
      '--no-default-targets', '--target', 'get.p99=60s', '--json', '--timeout', '20000',
    ]);
    expect(run.err).toBe('');
    expect(run.code).toBe(0);
    const r = JSON.parse(run.out) as BenchResult;
    expectConsistent(r, 40);
    expect(r.kmipVersion).toBe('2.0');
    expect(r.totals.errors).toBe(0);
    expect(r.operations.map((o) => o.operation)).toEqual(['get', 'create', 'locate', 'destroy']);
    expect(r.passed).toBe(true);
    expect(r.cleanup).toMatchObject({ kept: false, failed: 0 });
    expect(r.cleanup.destroyed).toBeGreaterThanOrEqual(4);
  });
});
