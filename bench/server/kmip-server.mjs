// The kmipkit server under test, in its own process, from the built dist/ (no tsx loader in this
// process: it runs what users run). Plain JS for that reason. Reports its port when listening and,
// when asked over IPC, its own CPU time (process.cpuUsage()), so throughput can be divided by the
// CPU seconds the server itself spent.
//
// With `transportOnly`, it runs the transport (startTransport) with a handler that answers every
// request with the canned reply: the breakdown between the echo (TLS and framing) and the full server.
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

/** @type {{ dist: string; tls: { ca: string; cert: string; key: string }; store?: 'memory' | 'sqlite'; dataDir?: string; transportOnly?: { replyHex: string } }} */
const cfg = JSON.parse(process.argv[2]);
const tls = { ca: readFileSync(cfg.tls.ca, 'utf8'), cert: readFileSync(cfg.tls.cert, 'utf8'), key: readFileSync(cfg.tls.key, 'utf8') };
const { createServer, startTransport } = await import(pathToFileURL(`${cfg.dist}/server/index.js`).href);

/** @type {{ port: number; close(): Promise<void> }} */
let running;
if (cfg.transportOnly) {
  const reply = Buffer.from(cfg.transportOnly.replyHex, 'hex');
  const transport = await startTransport({ host: '127.0.0.1', port: 0, tls }, { handle: async () => reply });
  running = { port: transport.address().port, close: () => transport.close() };
} else {
  const server = await createServer({ host: '127.0.0.1', port: 0, store: cfg.store, dataDir: cfg.dataDir, tls });
  running = { port: server.address.port, close: () => server.close() };
}
process.send?.({ port: running.port });
process.on('message', (/** @type {{ cmd: string }} */ m) => {
  if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  // close() then a normal exit, so --cpu-prof writes its profile.
  if (m.cmd === 'exit') running.close().then(() => process.exit(0), () => process.exit(1));
});
process.on('disconnect', () => running.close().finally(() => process.exit(0)));
