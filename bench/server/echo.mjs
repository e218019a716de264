// The ceiling: a bare mTLS server that answers every framed request with a canned reply (the bytes
// of a real Get response of the key under test), so the KMIP server is compared with TLS and framing
// alone. Same TLS settings as the transport (versions, cipher list from dist/). Plain JS run by node
// itself, like the server child, so neither carries a loader. Reports its port and, when asked over
// IPC, its own CPU time.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';
import { pathToFileURL } from 'node:url';

/** @type {{ dist: string; tls: { ca: string; cert: string; key: string }; replyHex: string; mode?: string }} */
const cfg = JSON.parse(process.argv[2]);
const { MODERN_CIPHERS } = await import(pathToFileURL(`${cfg.dist}/server/transport.js`).href);
const reply = Buffer.from(cfg.replyHex, 'hex');
const server = createServer(
  {
    ca: readFileSync(cfg.tls.ca),
    cert: readFileSync(cfg.tls.cert),
    key: readFileSync(cfg.tls.key),
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
    ciphers: MODERN_CIPHERS,
    honorCipherOrder: true,
    sessionTimeout: 300,
  },
  (socket) => {
    if (!cfg.mode?.includes('nagle')) socket.setNoDelay(true);
    /** @type {Buffer} */
    let buf = Buffer.alloc(0);
    socket.on('data', (/** @type {Buffer} */ d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      // One canned reply per whole TTLV message (8-byte header: tag, type, 4-byte length).
      while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
        buf = buf.subarray(8 + buf.readUInt32BE(4));
        if (cfg.mode?.includes('pause')) {
          // Diagnostic only (BENCH_ECHO_MODE=pause): what the transport does around each request.
          socket.pause();
          Promise.resolve().then(() => {
            socket.write(reply);
            socket.resume();
          });
        } else if (cfg.mode?.includes('micro')) {
          Promise.resolve().then(() => socket.write(reply));
        } else socket.write(reply);
      }
    });
    socket.on('error', () => socket.destroy());
  },
);
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send?.({ port: typeof addr === 'object' && addr ? addr.port : 0 });
});
process.on('message', (/** @type {{ cmd: string }} */ m) => {
  if (m.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage() });
  if (m.cmd === 'exit') {
    server.close(() => process.exit(0));
    for (const c of sockets) c.destroy();
  }
});
/** @type {Set<import('node:net').Socket>} */
const sockets = new Set();
server.on('secureConnection', (s) => {
  sockets.add(s);
  s.once('close', () => sockets.delete(s));
});
process.on('disconnect', () => process.exit(0));
