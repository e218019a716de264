// The load generator, run as its own process so it does not share an event loop with the server:
// N connections, one request in flight on each (closed loop), for a fixed time after a warm-up.
// Tells the parent over IPC when the measured window opens ('measuring') and closes ('done'), so the
// parent can read the server's CPU time at both ends; then prints one JSON line: requests completed
// in the window, its length, latency percentiles, the negotiated TLS protocol and cipher, and how many
// replies had the wrong length (a Get or Create that failed answers with a shorter error response).
import { readFileSync } from 'node:fs';
import { Conn } from './conn.js';

export interface LoadJob {
  host: string;
  port: number;
  tls: { ca: string; cert: string; key: string };
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Hex of the request sent over and over. */
  requestHex: string;
  /** Byte length every reply must have. */
  replyLength: number;
}

export interface LoadResult {
  count: number;
  elapsedMs: number;
  opsPerSec: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  badReplies: number;
  protocol: string;
  cipher: string;
}

const job = JSON.parse(process.argv[2]) as LoadJob;
const request = Buffer.from(job.requestHex, 'hex');
const tls = { ca: readFileSync(job.tls.ca, 'utf8'), cert: readFileSync(job.tls.cert, 'utf8'), key: readFileSync(job.tls.key, 'utf8') };
const conns = await Promise.all(Array.from({ length: job.connections }, () => Conn.open(job.host, job.port, tls)));

const latencies: number[] = [];
let measuring = false;
let stop = false;
let bad = 0;

async function loop(c: Conn): Promise<void> {
  while (!stop) {
    const t0 = performance.now();
    const reply = await c.send(request);
    const dt = performance.now() - t0;
    if (reply.length !== job.replyLength) bad++;
    if (measuring) latencies.push(dt);
  }
}

const loops = conns.map(loop);
await new Promise((r) => setTimeout(r, job.warmupMs));
measuring = true;
process.send?.({ phase: 'measuring' });
const t0 = performance.now();
await new Promise((r) => setTimeout(r, job.durationMs));
measuring = false;
const elapsed = performance.now() - t0;
process.send?.({ phase: 'done' });
stop = true;
await Promise.all(loops);
const { protocol, cipher } = conns[0].tlsInfo();
for (const c of conns) c.close();

latencies.sort((a, b) => a - b);
const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
const result: LoadResult = {
  count: latencies.length,
  elapsedMs: elapsed,
  opsPerSec: (latencies.length * 1000) / elapsed,
  p50: pct(50),
  p90: pct(90),
  p99: pct(99),
  max: latencies.at(-1) ?? NaN,
  badReplies: bad,
  protocol,
  cipher,
};
process.stdout.write(JSON.stringify(result) + '\n');
process.disconnect?.();
