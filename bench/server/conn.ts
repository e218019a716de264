// A bare mTLS KMIP connection for the load generator: write a message, read one framed reply.
import { connect, type TLSSocket } from 'node:tls';

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export class Conn {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: ((b: Buffer) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;
  private closed = false;
  private constructor(private readonly socket: TLSSocket) {
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
      this.drain();
    });
    socket.on('error', (e) => this.failed?.(e));
    socket.on('close', () => {
      this.closed = true;
      this.failed?.(new Error('connection closed'));
    });
  }

  static open(host: string, port: number, tls: TlsFiles): Promise<Conn> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, ca: tls.ca, cert: tls.cert, key: tls.key, servername: 'localhost' }, () => resolve(new Conn(s)));
      s.setNoDelay(true);
      s.once('error', reject);
    });
  }

  private drain(): void {
    if (!this.waiting || this.buf.length < 8) return;
    const total = 8 + this.buf.readUInt32BE(4);
    if (this.buf.length < total) return;
    const msg = this.buf.subarray(0, total);
    this.buf = this.buf.subarray(total);
    const w = this.waiting;
    this.waiting = undefined;
    w(msg);
  }

  send(msg: Uint8Array): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new Error('connection closed'));
      this.waiting = resolve;
      this.failed = reject;
      this.socket.write(msg);
      this.drain();
    });
  }

  tlsInfo(): { protocol: string; cipher: string } {
    return { protocol: this.socket.getProtocol() ?? '?', cipher: this.socket.getCipher().standardName };
  }

  close(): void {
    this.socket.destroy();
  }
}
