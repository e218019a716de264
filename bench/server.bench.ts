// `npm run bench -- server`: the kmipkit server (dist build, its own process) against baselines
// measured in the same run, as ratios. See bench/README.md, "server". Writes bench/results/server.json.
//
// Processes: this orchestrator; the server child (bench/server/kmip-server.mjs, plain node + dist/);
// the echo child (bench/server/echo.mjs, a bare mTLS server answering each framed request with the
// server's own Get response bytes); a load generator per round (bench/server/loadgen.ts); the bare
// SQLite child per round (bench/server/bare-sqlite.mjs). None shares an event loop with another.
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { BlockCipherMode, Operation, Tag } from '../src/dict/index.js';
import { generateDevCertificates } from '../src/server/index.js';
import { decode, encode, ItemType, type TtlvItem } from '../src/ttlv/index.js';
import { Conn } from './server/conn.js';
import type { LoadJob, LoadResult } from './server/loadgen.js';

const ROUNDS = Number(process.env.BENCH_SERVER_ROUNDS ?? 5);
const ROUND_MS = Number(process.env.BENCH_SERVER_ROUND_MS ?? 1200);
const WARMUP_MS = 300;
const FIRST_WARMUP_MS = 1500;
const MANY = 64;
/** BENCH_CPU_PROF=dir: the server and transport-only children run with --cpu-prof and write
 *  server.cpuprofile and transport.cpuprofile there on exit. */
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** BENCH_SERVER_PHASES=get1,get64,enc1,create: run only these (for profiling one phase); the default runs all
 *  and only a full run writes bench/results/server.json. */
const PHASES = new Set((process.env.BENCH_SERVER_PHASES ?? 'get1,get64,enc1,create').split(','));
const FULL = ['get1', 'get64', 'enc1', 'create'].every((p) => PHASES.has(p));
const ROOT = resolve(import.meta.dirname, '..');
const DIST = join(ROOT, 'dist');

const started = performance.now();
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round2 = (x: number): number => Math.round(x * 100) / 100;
const round3 = (x: number): number => Math.round(x * 1000) / 1000;

// ---- build: the server under test is dist/, what `kmipkit serve` and library users run.
if (process.env.BENCH_NO_BUILD !== '1') {
  const b = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (b.status !== 0) throw new Error('npx tsc -p tsconfig.build.json failed: the server bench measures dist/');
}

// The database must be on a real disk: on tmpfs an fsync costs nothing and the Create figure means nothing.
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), 'kmipkit-server-bench-'));
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill();
  rmSync(work, { recursive: true, force: true });
});

const certDir = join(work, 'certs');
await generateDevCertificates({ dir: certDir });
const serverTls = { ca: join(certDir, 'ca.crt'), cert: join(certDir, 'server.crt'), key: join(certDir, 'server.key') };
const clientTls = { ca: join(certDir, 'ca.crt'), cert: join(certDir, 'client.crt'), key: join(certDir, 'client.key') };

// ---- IPC helpers
interface Daemon {
  proc: ChildProcess;
  port: number;
  cpu(): Promise<number>;
  stop(): Promise<void>;
}

function startDaemon(script: string, config: unknown, execArgv: string[] = []): Promise<Daemon> {
  const proc = fork(join(ROOT, 'bench/server', script), [JSON.stringify(config)], { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(proc);
  const waiting: ((us: number) => void)[] = [];
  return new Promise((resolvePort, reject) => {
    proc.once('error', reject);
    proc.once('exit', (code) => {
      children.delete(proc);
      reject(new Error(`${script} exited with ${code} before listening`));
    });
    proc.on('message', (m: { port?: number; cpu?: NodeJS.CpuUsage }) => {
      if (m.cpu) waiting.shift()?.(m.cpu.user + m.cpu.system);
      if (m.port !== undefined) {
        resolvePort({
          proc,
          port: m.port,
          cpu: () =>
            new Promise((r) => {
              waiting.push(r);
              proc.send({ cmd: 'cpu' });
            }),
          stop: () =>
            new Promise((r) => {
              proc.once('exit', () => r());
              proc.send({ cmd: 'exit' });
            }),
        });
      }
    });
  });
}

/** Runs a load generator against `target`; the target's CPU time is read when the window opens and closes. */
function load(target: Daemon, job: Omit<LoadJob, 'host' | 'port' | 'tls'>): Promise<LoadResult & { cpuSec: number }> {
  const full: LoadJob = { host: '127.0.0.1', port: target.port, tls: clientTls, ...job };
  const proc = fork(join(ROOT, 'bench/server/loadgen.ts'), [JSON.stringify(full)], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  let cpuStart: Promise<number> | undefined;
  let cpuEnd: Promise<number> | undefined;
  proc.on('message', (m: { phase: string }) => {
    if (m.phase === 'measuring') cpuStart = target.cpu();
    if (m.phase === 'done') cpuEnd = target.cpu();
  });
  return new Promise((res, rej) => {
    proc.once('exit', async (code) => {
      children.delete(proc);
      if (code !== 0 || !cpuStart || !cpuEnd) return rej(new Error(`load generator exited with ${code}`));
      const r = JSON.parse(out) as LoadResult;
      if (r.badReplies > 0) return rej(new Error(`${r.badReplies} replies of the wrong length`));
      res({ ...r, cpuSec: ((await cpuEnd) - (await cpuStart)) / 1e6 });
    });
  });
}

function bareSqlite(sizes: RowSizes, warmupMs: number): Promise<{ count: number; elapsedMs: number; opsPerSec: number; cpuMsPerCommit: number }> {
  const proc = fork(join(ROOT, 'bench/server/bare-sqlite.mjs'), [JSON.stringify({ dist: DIST, dir: work, warmupMs, durationMs: ROUND_MS, ...sizes })], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.add(proc);
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d));
  return new Promise((res, rej) =>
    proc.once('exit', (code) => {
      children.delete(proc);
      if (code !== 0) rej(new Error(`bare-sqlite exited with ${code}`));
      else res(JSON.parse(out));
    }),
  );
}

// ---- KMIP messages (KMIP 1.4), built as item trees.
const S = (tag: number, value: TtlvItem[]): TtlvItem => ({ tag, type: ItemType.Structure, value });
const I = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Integer, value });
const E = (tag: number, value: number): TtlvItem => ({ tag, type: ItemType.Enumeration, value });
const T = (tag: number, value: string): TtlvItem => ({ tag, type: ItemType.TextString, value });
const attr = (name: string, value: TtlvItem): TtlvItem => S(Tag.Attribute, [T(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);
const request = (operation: number, payload: TtlvItem[]): Buffer =>
  Buffer.from(
    encode(
      S(Tag.RequestMessage, [
        S(Tag.RequestHeader, [S(Tag.ProtocolVersion, [I(Tag.ProtocolVersionMajor, 1), I(Tag.ProtocolVersionMinor, 4)]), I(Tag.BatchCount, 1)]),
        S(Tag.BatchItem, [E(Tag.Operation, operation), S(Tag.RequestPayload, payload)]),
      ]),
    ),
  );
// An AES-256 key; every Create is the same request, so the server generates a new key each time.
const createRequest = request(1, [
  E(Tag.ObjectType, 2),
  S(Tag.TemplateAttribute, [
    attr('Cryptographic Algorithm', E(0, 3)),
    attr('Cryptographic Length', I(0, 256)),
    attr('Cryptographic Usage Mask', I(0, 12)),
  ]),
]);

function find(item: TtlvItem, tag: number): TtlvItem | undefined {
  if (item.tag === tag) return item;
  if (item.type !== ItemType.Structure) return undefined;
  for (const child of item.value) {
    const f = find(child, tag);
    if (f) return f;
  }
  return undefined;
}

function expectSuccess(reply: Buffer, what: string): TtlvItem {
  const msg = decode(reply);
  const status = find(msg, Tag.ResultStatus);
  if (!status || status.value !== 0) {
    const reason = find(msg, Tag.ResultReason)?.value;
    const message = find(msg, Tag.ResultMessage)?.value;
    throw new Error(`${what} failed: status ${String(status?.value)}, reason ${String(reason)}, ${String(message)}`);
  }
  return msg;
}

// ---- the server and the echo
const profArgs = (name: string) => (CPU_PROF ? ['--cpu-prof', '--cpu-prof-interval=200', `--cpu-prof-dir=${CPU_PROF}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
const server = await startDaemon('kmip-server.mjs', { dist: DIST, tls: serverTls, store: 'sqlite', dataDir: join(work, 'server') }, profArgs('server'));
const probe = await Conn.open('127.0.0.1', server.port, {
  ca: readFileSync(clientTls.ca, 'utf8'),
  cert: readFileSync(clientTls.cert, 'utf8'),
  key: readFileSync(clientTls.key, 'utf8'),
});
const created = expectSuccess(await probe.send(createRequest), 'Create');
const uid = find(created, Tag.UniqueIdentifier)!.value as string;
const getRequest = request(10, [T(Tag.UniqueIdentifier, uid)]);
const getReply = await probe.send(getRequest);
const got = expectSuccess(getReply, 'Get');
const material = find(got, Tag.KeyMaterial);
if (!material || material.type !== ItemType.ByteString || material.value.length !== 32) throw new Error('Get did not return 32 bytes of key material');
const createReplyLength = (await probe.send(createRequest)).length;
// Encrypt with AES-256-GCM on the same key (activated for it), the server making the IV (Random IV), so
// that every request is the same bytes and every reply the same length.
expectSuccess(await probe.send(request(Operation.Activate, [T(Tag.UniqueIdentifier, uid)])), 'Activate');
const ENCRYPT_SIZES = [64, 1024];
const encryptRequests = ENCRYPT_SIZES.map((n) =>
  request(Operation.Encrypt, [
    T(Tag.UniqueIdentifier, uid),
    S(Tag.CryptographicParameters, [E(Tag.BlockCipherMode, BlockCipherMode.GCM), { tag: Tag.RandomIV, type: ItemType.Boolean, value: true } as TtlvItem, I(Tag.TagLength, 16)]),
    { tag: Tag.Data, type: ItemType.ByteString, value: new Uint8Array(n).fill(0x5a) } as TtlvItem,
  ]),
);
const encryptReplyLengths: number[] = [];
for (const r of encryptRequests) {
  const reply = await probe.send(r);
  expectSuccess(reply, 'Encrypt');
  encryptReplyLengths.push(reply.length);
}
probe.close();
const tlsInfo = { protocol: '', cipher: '' };

// The echo answers with these very bytes: same size, same TLS records, no KMIP work.
const echo = await startDaemon('echo.mjs', { dist: DIST, tls: serverTls, replyHex: getReply.toString('hex'), mode: process.env.BENCH_ECHO_MODE });

// The transport alone (startTransport with a handler that returns the same canned reply): where the
// time between the echo and the server goes, transport or engine.
const transportOnly = await startDaemon('kmip-server.mjs', { dist: DIST, tls: serverTls, transportOnly: { replyHex: getReply.toString('hex') } }, profArgs('transport'));

type Measured = LoadResult & { cpuSec: number };
const SIDES = { server, transport: transportOnly, echo } as const;
type Side = keyof typeof SIDES;
type Round = Record<Side, Measured>;

async function getRounds(connections: number): Promise<Round[]> {
  const job = (warmupMs: number) => ({ connections, warmupMs, durationMs: ROUND_MS, requestHex: getRequest.toString('hex'), replyLength: getReply.length });
  const sides = Object.keys(SIDES) as Side[];
  // Warm-up: each process's JIT and TLS state, not recorded.
  for (const side of sides) await load(SIDES[side], { ...job(FIRST_WARMUP_MS), durationMs: 200 });
  const rounds: Round[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // Interleaved, and the order alternates: a noisy neighbour's burst lands on one side of one round.
    const round: Partial<Round> = {};
    for (const side of r % 2 ? [...sides].reverse() : sides) round[side] = await load(SIDES[side], job(WARMUP_MS));
    const { server: s, echo: e } = round as Round;
    if (s.protocol !== e.protocol || s.cipher !== e.cipher) throw new Error(`TLS differs: server ${s.protocol} ${s.cipher}, echo ${e.protocol} ${e.cipher}`);
    tlsInfo.protocol = s.protocol;
    tlsInfo.cipher = s.cipher;
    rounds.push(round as Round);
  }
  return rounds;
}

const summarize = (rounds: Round[]) => {
  const perCpu = (x: Measured) => x.count / x.cpuSec;
  const side = (k: Side) => ({
    opsPerSec: Math.round(median(rounds.map((p) => p[k].opsPerSec))),
    opsPerCoreSecond: Math.round(median(rounds.map((p) => perCpu(p[k])))),
    cpuCores: round2(median(rounds.map((p) => p[k].cpuSec / (p[k].elapsedMs / 1000)))),
    cpuUsPerOp: Math.round(median(rounds.map((p) => (p[k].cpuSec * 1e6) / p[k].count))),
    p50Ms: round3(median(rounds.map((p) => p[k].p50))),
    p99Ms: round3(median(rounds.map((p) => p[k].p99))),
  });
  return {
    throughputRatio: round3(median(rounds.map((p) => p.server.opsPerSec / p.echo.opsPerSec))),
    perCoreSecondRatio: round3(median(rounds.map((p) => perCpu(p.server) / perCpu(p.echo)))),
    transportOnly: {
      throughputRatio: round3(median(rounds.map((p) => p.transport.opsPerSec / p.echo.opsPerSec))),
      perCoreSecondRatio: round3(median(rounds.map((p) => perCpu(p.transport) / perCpu(p.echo)))),
    },
    server: side('server'),
    transport: side('transport'),
    echo: side('echo'),
    rounds: rounds.map((p) =>
      Object.fromEntries(
        (Object.keys(SIDES) as Side[]).map((k) => [k, { ops: p[k].count, ms: Math.round(p[k].elapsedMs), cpuSec: round3(p[k].cpuSec), p50Ms: round3(p[k].p50) }]),
      ),
    ),
  };
};
const describeRun = (x: ReturnType<typeof summarize>, k: Side) =>
  `${k} ${x[k].opsPerSec}/s, ${x[k].opsPerCoreSecond}/core-s, ${x[k].cpuUsPerOp} µs CPU/op, p50 ${x[k].p50Ms} ms`;

console.log(`server bench: ${ROUNDS} interleaved rounds of ${ROUND_MS} ms per side, ${cpus().length} cores, files under ${work}`);
const one = PHASES.has('get1') ? summarize(await getRounds(1)) : undefined;
if (one) {
  console.log(`Get, 1 connection: server/echo throughput ${one.throughputRatio} (transport alone ${one.transportOnly.throughputRatio})`);
  for (const k of Object.keys(SIDES) as Side[]) console.log(`  ${describeRun(one, k)}`);
}
const many = PHASES.has('get64') ? summarize(await getRounds(MANY)) : undefined;
if (many) {
  console.log(`Get, ${MANY} connections: server/echo per core-second ${many.perCoreSecondRatio} (transport alone ${many.transportOnly.perCoreSecondRatio})`);
  for (const k of Object.keys(SIDES) as Side[]) console.log(`  ${describeRun(many, k)}`);
}
await echo.stop();
await transportOnly.stop();

// ---- Encrypt (AES-256-GCM, 64 B and 1 KiB) against Get, on one connection to the same server, interleaved.
async function encryptVsGet() {
  const jobs = [
    { name: 'get', requestHex: getRequest.toString('hex'), replyLength: getReply.length },
    ...ENCRYPT_SIZES.map((n, i) => ({ name: `encrypt${n}`, requestHex: encryptRequests[i].toString('hex'), replyLength: encryptReplyLengths[i] })),
  ];
  const job = (j: (typeof jobs)[number], warmupMs: number) => ({ connections: 1, warmupMs, durationMs: ROUND_MS, requestHex: j.requestHex, replyLength: j.replyLength });
  for (const j of jobs) await load(server, { ...job(j, FIRST_WARMUP_MS), durationMs: 200 });
  const rounds: Record<string, Measured>[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const round: Record<string, Measured> = {};
    for (const j of r % 2 ? [...jobs].reverse() : jobs) round[j.name] = await load(server, job(j, WARMUP_MS));
    rounds.push(round);
  }
  const side = (k: string) => ({
    opsPerSec: Math.round(median(rounds.map((p) => p[k].opsPerSec))),
    cpuUsPerOp: Math.round(median(rounds.map((p) => (p[k].cpuSec * 1e6) / p[k].count))),
    p50Ms: round3(median(rounds.map((p) => p[k].p50))),
  });
  const out: Record<string, unknown> = { get: side('get') };
  const ratios: Record<number, number> = {};
  const cpuPerOp = (m: Measured) => m.cpuSec / m.count;
  for (const n of ENCRYPT_SIZES) {
    ratios[n] = round3(median(rounds.map((p) => p[`encrypt${n}`].opsPerSec / p.get.opsPerSec)));
    // The server's CPU per Get over its CPU per Encrypt: what the throughput ratio would be were both
    // CPU-bound, and steadier than throughput when neighbours load the machine.
    const cpuRatio = round3(median(rounds.map((p) => cpuPerOp(p.get) / cpuPerOp(p[`encrypt${n}`]))));
    out[`encrypt${n}`] = { ...side(`encrypt${n}`), ratioToGet: ratios[n], cpuRatioToGet: cpuRatio };
    console.log(
      `Encrypt AES-256-GCM ${n} B, 1 connection: ${side(`encrypt${n}`).opsPerSec}/s, ${side(`encrypt${n}`).cpuUsPerOp} µs CPU/op; ` +
        `Encrypt/Get throughput ${ratios[n]}, by server CPU per op ${cpuRatio} (Get ${side('get').opsPerSec}/s, ${side('get').cpuUsPerOp} µs CPU/op)`,
    );
  }
  out.rounds = rounds.map((p) => Object.fromEntries(Object.entries(p).map(([k, m]) => [k, { ops: m.count, ms: Math.round(m.elapsedMs), cpuSec: round3(m.cpuSec) }])));
  return { ...out, ratios } as { ratios: Record<number, number> };
}
const enc = PHASES.has('enc1') ? await encryptVsGet() : undefined;

// ---- durable Creates: the server (SQLite, synchronous=FULL) against bare SQLite doing the same writes.
interface RowSizes {
  attributesBytes: number;
  sealedBytes: number;
  names: number;
}
const CREATE_CONNECTIONS = [1, 8];
const createJob = (connections: number, warmupMs: number) => ({
  connections,
  warmupMs,
  durationMs: ROUND_MS,
  requestHex: createRequest.toString('hex'),
  replyLength: createReplyLength,
});

async function durableCreates() {
  await load(server, { ...createJob(1, FIRST_WARMUP_MS), durationMs: 200 });
  // The bare writes copy the row sizes the server actually wrote.
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(work, 'server', 'kmipkit.db'), { readonly: true });
  let sizes: RowSizes;
  try {
    const r = db
      .prepare(
        `SELECT avg(length(o.attributes)) AS a, avg(length(m.sealed)) AS s,
           (SELECT count(*) FROM object_names) * 1.0 / count(*) AS n
         FROM objects o JOIN material m ON m.uid = o.uid`,
      )
      .get() as { a: number; s: number; n: number };
    sizes = { attributesBytes: Math.round(r.a), sealedBytes: Math.round(r.s), names: Math.round(r.n) };
  } finally {
    db.close();
  }
  await bareSqlite(sizes, FIRST_WARMUP_MS);
  const out: Record<string, unknown> = { rowSizes: sizes };
  for (const connections of CREATE_CONNECTIONS) {
    const rounds: { server: LoadResult & { cpuSec: number }; bare: { count: number; opsPerSec: number; cpuMsPerCommit: number } }[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let s, b;
      if (r % 2 === 0) {
        s = await load(server, createJob(connections, WARMUP_MS));
        b = await bareSqlite(sizes, WARMUP_MS);
      } else {
        b = await bareSqlite(sizes, WARMUP_MS);
        s = await load(server, createJob(connections, WARMUP_MS));
      }
      rounds.push({ server: s, bare: b });
    }
    const d = {
      ratio: round3(median(rounds.map((c) => c.server.opsPerSec / c.bare.opsPerSec))),
      server: {
        opsPerSec: Math.round(median(rounds.map((c) => c.server.opsPerSec))),
        cpuMsPerCreate: round3(median(rounds.map((c) => (c.server.cpuSec * 1000) / c.server.count))),
        p50Ms: round3(median(rounds.map((c) => c.server.p50))),
      },
      bareSqlite: { opsPerSec: Math.round(median(rounds.map((c) => c.bare.opsPerSec))), cpuMsPerCommit: round3(median(rounds.map((c) => c.bare.cpuMsPerCommit))) },
      rounds: rounds.map((c) => ({ server: Math.round(c.server.opsPerSec), bare: Math.round(c.bare.opsPerSec) })),
    };
    console.log(
      `Create (durable), ${connections} connection${connections > 1 ? 's' : ''}: server ${d.server.opsPerSec}/s (${d.server.cpuMsPerCreate} ms CPU each), bare SQLite ${d.bareSqlite.opsPerSec}/s (${d.bareSqlite.cpuMsPerCommit} ms CPU each), ratio ${d.ratio}`,
    );
    out[`connections${connections}`] = d;
  }
  return out as { rowSizes: RowSizes; connections1: { ratio: number }; connections8: { ratio: number } };
}
const durable = PHASES.has('create') ? await durableCreates() : undefined;
await server.stop();
children.delete(server.proc);

if (FULL && one && many && enc && durable) {
  const targets = [
    { target: 'Get, 1 connection: server/echo throughput >= 0.75', value: one.throughputRatio, met: one.throughputRatio >= 0.75 },
    { target: `Get, ${MANY} connections: server/echo ops per server core-second >= 0.4`, value: many.perCoreSecondRatio, met: many.perCoreSecondRatio >= 0.4 },
    { target: 'Get, 1 connection: p50 latency < 0.25 ms', value: one.server.p50Ms, met: one.server.p50Ms < 0.25 },
    ...ENCRYPT_SIZES.map((n) => ({ target: `Encrypt (AES-256-GCM, ${n} B), 1 connection: ops/s >= 0.8x Get on the same connection`, value: enc.ratios[n], met: enc.ratios[n] >= 0.8 })),
    // Read on 8 connections: Creates in flight together share a commit (group commit), and each reply
    // still leaves only after the fsync of the commit that holds it. On 1 connection every Create is its
    // own commit, plus a TLS round trip and the engine's work in series with the fsync (reported beside it).
    { target: 'durable Create, 8 connections (group commit; every reply after its fsync): server/bare SQLite >= 0.8', value: durable.connections8.ratio, met: durable.connections8.ratio >= 0.8 },
  ];
  const result = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    rounds: ROUNDS,
    roundMs: ROUND_MS,
    tls: tlsInfo,
    messages: {
      getRequestBytes: getRequest.length, getResponseBytes: getReply.length, createRequestBytes: createRequest.length, createResponseBytes: createReplyLength,
      encryptRequestBytes: encryptRequests.map((r) => r.length), encryptResponseBytes: encryptReplyLengths,
    },
    targets,
    get1: one,
    [`get${MANY}`]: many,
    encrypt1: enc,
    durableCreate: durable,
    totalSeconds: Math.round((performance.now() - started) / 1000),
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/server.json'), JSON.stringify(result, null, 2) + '\n');
  for (const t of targets) console.log(`${t.met ? 'met   ' : 'missed'}  ${t.target}: ${t.value}`);
  console.log(`wrote bench/results/server.json (${result.totalSeconds} s)`);
} else {
  console.log(`phases ${[...PHASES].join(',')} only: bench/results/server.json not written`);
}
