// The ceiling: a bare mTLS server that answers every framed request with a canned reply of the same
// size as the real server's, so the KMIP server is compared with TLS and framing alone. Runs as its
// own process; reports its port and, when asked, its CPU time over IPC.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:tls';

const { tls, replyHex } = JSON.parse(process.argv[2]) as { tls: { ca: string; cert: string; key: string }; replyHex: string };
const reply = Buffer.from(replyHex, 'hex');
const server = createServer(
  { ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), requestCert: true, rejectUnauthorized: true },
  (socket) => {
    socket.setNoDelay(true);
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      while (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
        buf = buf.subarray(8 + buf.readUInt32BE(4));
        socket.write(reply);
      }
    });
    socket.on('error', () => socket.destroy());
  },
);
server.listen(0, '127.0.0.1', () => {
  const addr = server.address();
  process.send!({ port: typeof addr === 'object' && addr ? addr.port : 0 });
});
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'cpu') process.send!({ cpu: process.cpuUsage() });
  if (m.cmd === 'exit') server.close(() => process.exit(0));
});
