// `npm run bench -- client`: what the client buys, as ratios measured in one run. Writes
// bench/results/client.json; bench/README.md, "client", explains the figures.
//
// 1. Batching: 1,000 Creates in one batch message against 1,000 Creates sent one after another on the
//    same connection, against our server (dist build, its own process, SQLite on disk). Rounds are
//    interleaved and alternate which side goes first; the figure is the median per-round ratio.
// 2. Get throughput against PyKMIP's server: the same harness (`runBench` from src/harness, what
//    `kmipkit bench` runs), the same closed-loop load and the same client, against our server and
//    against PyKMIP's server (started here, INFO logging, its SQLite under the same temp dir).
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { findPyKmip, startPyKmipServer, type PyKmipServer } from '../test/helpers/pykmip-peer.js';

const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');
const ROUNDS = Number(process.env.BENCH_CLIENT_ROUNDS ?? 7);
const BATCH = 1000;
/** The Get load: connections, each with one request in flight (closed loop), for this long per server. */
const GET_CONNECTIONS = Number(process.env.BENCH_CLIENT_GET_CONNECTIONS ?? 4);
const GET_MS = Number(process.env.BENCH_CLIENT_GET_MS ?? 4000);
const GET_WARMUP_MS = 1000;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (x: number): number => Math.round(x * 100) / 100;

if (process.env.BENCH_NO_BUILD !== '1') {
  const b = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (b.status !== 0) throw new Error('npx tsc -p tsconfig.build.json failed: the client bench measures dist/');
}
const { KmipClient } = (await import(pathToFileURL(join(DIST, 'client/index.js')).href)) as typeof import('../src/client/index.js');
const { generateDevCertificates } = (await import(pathToFileURL(join(DIST, 'server/index.js')).href)) as typeof import('../src/server/index.js');
const { runBench } = (await import(pathToFileURL(join(DIST, 'harness/index.js')).href)) as typeof import('../src/harness/index.js');

// The database must be on a real disk: on tmpfs an fsync costs nothing and sequential Creates look cheap.
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'kmipkit-client-bench-'));
const children = new Set<ChildProcess>();
let pykmip: PyKmipServer | undefined;
process.on('exit', () => {
  for (const c of children) c.kill();
  rmSync(work, { recursive: true, force: true });
});

const certDir = join(work, 'certs');
await generateDevCertificates({ dir: certDir });
const pem = (f: string) => readFileSync(join(certDir, f));
const ourTls = { ca: pem('ca.crt'), cert: pem('client.crt'), key: pem('client.key') };

function startOurServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const cfg = { dist: DIST, tls: { ca: join(certDir, 'ca.crt'), cert: join(certDir, 'server.crt'), key: join(certDir, 'server.key') }, store: 'sqlite', dataDir: join(work, 'server') };
  const proc = fork(join(ROOT, 'bench/server/kmip-server.mjs'), [JSON.stringify(cfg)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(proc);
  return new Promise((res, rej) => {
    proc.once('exit', (code) => {
      children.delete(proc);
      rej(new Error(`the server exited with ${code} before listening`));
    });
    proc.on('message', (m: { port?: number }) => {
      if (m.port === undefined) return;
      res({
        port: m.port,
        stop: () =>
          new Promise<void>((r) => {
            proc.once('exit', () => r());
            proc.send({ cmd: 'exit' });
          }),
      });
    });
  });
}

const AES = { cryptographicAlgorithm: 'AES', cryptographicLength: 256, cryptographicUsageMask: ['Encrypt', 'Decrypt'] };

// ---------------------------------------------------------------- 1. a batch of 1,000 Creates
const ours = await startOurServer();
const client = new KmipClient({ servers: [{ host: '127.0.0.1', port: ours.port }], tls: ourTls, maxConnectionsPerServer: 1, timeoutMs: 120_000 });

async function sequential(n: number): Promise<number> {
  const t = performance.now();
  const ids = new Set<string>();
  for (let i = 0; i < n; i++) ids.add((await client.create(AES)).uniqueIdentifier);
  const ms = performance.now() - t;
  if (ids.size !== n) throw new Error(`sequential Creates returned ${ids.size} distinct ids for ${n}`);
  return ms;
}

async function batched(n: number): Promise<number> {
  const b = client.batch();
  for (let i = 0; i < n; i++) b.create(AES);
  const t = performance.now();
  const results = await b.send();
  const ms = performance.now() - t;
  const ids = new Set(results.map((r) => (r.status === 'success' ? (r.value as { uniqueIdentifier: string }).uniqueIdentifier : '')));
  ids.delete('');
  if (ids.size !== n) throw new Error(`the batch of ${n} Creates returned ${ids.size} distinct ids`);
  return ms;
}

console.log(`client bench: ${ROUNDS} rounds of ${BATCH} sequential Creates against one batch of ${BATCH} (dist, SQLite on ${work})`);
// Warm-up: one whole round, not counted (the first round runs the JIT-compiling server and client).
await sequential(BATCH);
await batched(BATCH);
const rounds: { sequentialMs: number; batchMs: number; ratio: number }[] = [];
for (let r = 0; r < ROUNDS; r++) {
  let sequentialMs: number;
  let batchMs: number;
  if (r % 2) {
    batchMs = await batched(BATCH);
    sequentialMs = await sequential(BATCH);
  } else {
    sequentialMs = await sequential(BATCH);
    batchMs = await batched(BATCH);
  }
  rounds.push({ sequentialMs: Math.round(sequentialMs), batchMs: Math.round(batchMs), ratio: round2(sequentialMs / batchMs) });
  console.log(`  round ${r + 1}: sequential ${sequentialMs.toFixed(0)} ms, batch ${batchMs.toFixed(0)} ms, ${(sequentialMs / batchMs).toFixed(1)}x`);
}
await client.close();
const batchRatio = round2(median(rounds.map((r) => r.ratio)));

// ---------------------------------------------------------------- 2. Get throughput against PyKMIP's server
const pyDir = join(work, 'pykmip');
mkdirSync(pyDir);
const py = findPyKmip();
pykmip = await startPyKmipServer({ dir: pyDir, logLevel: 'INFO' });
const pyTls = { ca: readFileSync(pykmip.certs.ca), cert: readFileSync(pykmip.certs.clientCert), key: readFileSync(pykmip.certs.clientKey) };

const getLoad = (server: string, tls: typeof ourTls) =>
  runBench({
    servers: [server],
    tls,
    mix: { get: 1 },
    mode: 'closed',
    connections: GET_CONNECTIONS,
    concurrency: 1,
    durationMs: GET_MS,
    warmupMs: GET_WARMUP_MS,
    kmipVersion: '1.4',
  });

console.log(`Get throughput: ${GET_CONNECTIONS} connections, one request in flight each, ${GET_MS} ms after ${GET_WARMUP_MS} ms warm-up, KMIP 1.4`);
const ourGet = await getLoad(`127.0.0.1:${ours.port}`, ourTls);
const pyGet = await getLoad(`${pykmip.host}:${pykmip.port}`, pyTls);
await pykmip.stop();
await ours.stop();
const getOf = (r: Awaited<ReturnType<typeof getLoad>>) => {
  const op = r.operations.find((o) => o.operation === 'get');
  if (!op || op.count === 0) throw new Error(`no Get completed: ${JSON.stringify(r.operations)}`);
  if (op.errors > 0) throw new Error(`${op.errors} Gets failed: ${JSON.stringify(op.errorsByReason)}`);
  return { opsPerSec: Math.round(op.opsPerSec), p50Ms: op.p50Ms, p99Ms: op.p99Ms, count: op.count };
};
const oursGet = getOf(ourGet);
const theirsGet = getOf(pyGet);
const getRatio = round2(oursGet.opsPerSec / theirsGet.opsPerSec);
console.log(`  kmipkit: ${oursGet.opsPerSec} Get/s (p50 ${oursGet.p50Ms} ms, p99 ${oursGet.p99Ms} ms)`);
console.log(`  PyKMIP ${py.version}: ${theirsGet.opsPerSec} Get/s (p50 ${theirsGet.p50Ms} ms, p99 ${theirsGet.p99Ms} ms)`);

const targets = [
  { target: `a batch of ${BATCH} Creates >= 10x ${BATCH} sequential Creates`, figure: batchRatio, want: 10, met: batchRatio >= 10 },
  { target: 'Get throughput >= 20x PyKMIP server under the same harness and load', figure: getRatio, want: 20, met: getRatio >= 20 },
];
for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'} ${t.target}: ${t.figure}x`);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench/results/client.json'),
  JSON.stringify(
    {
      when: new Date().toISOString(),
      node: process.version,
      batch: { size: BATCH, rounds, medianRatio: batchRatio },
      get: { connections: GET_CONNECTIONS, durationMs: GET_MS, kmipVersion: '1.4', kmipkit: oursGet, pykmip: { version: py.version, ...theirsGet }, ratio: getRatio },
      targets,
    },
    null,
    2,
  ) + '\n',
);
console.log('wrote bench/results/client.json');
