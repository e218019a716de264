// The load generator, run as its own process so it does not share a core's event loop with the
// server: N connections, one request in flight on each (closed loop), for a fixed time after a
// warm-up. Prints one JSON line: requests completed, elapsed time and latency percentiles.
import { readFileSync } from 'node:fs';
import { Conn } from './conn.js';

interface Job {
  host: string;
  port: number;
  tls: { ca: string; cert: string; key: string };
  connections: number;
  warmupMs: number;
  durationMs: number;
  /** Hex of the request sent over and over; `expectPrefix` hex checks each reply starts right. */
  requestHex: string;
  /** Byte length every reply must have (a KMIP Get of the same key answers with the same size). */
  replyLength?: number;
}

const job: Job = JSON.parse(readFileSync(0, 'utf8'));
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
    if (job.replyLength !== undefined && reply.length !== job.replyLength) bad++;
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
for (const c of conns) c.close();

latencies.sort((a, b) => a - b);
const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
process.stdout.write(
  JSON.stringify({ count: latencies.length, elapsedMs: elapsed, opsPerSec: (latencies.length * 1000) / elapsed, p50: pct(50), p90: pct(90), p99: pct(99), max: latencies.at(-1), badReplies: bad }) + '\n',
);
