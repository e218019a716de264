// Turns a byte stream, split or coalesced anyhow, into whole TTLV messages. The declared length is
// checked against the size limit on the 8-byte header, before any of the body is buffered.
import { Transform, type TransformCallback } from 'node:stream';
import { TtlvError, TtlvErrorCode as E } from './errors.js';
import { MAX_MESSAGE_SIZE } from './limits.js';

export interface FramerOptions {
  /** Largest message accepted, header included. */
  maxSize?: number;
}

/** Total size of the message whose header starts at `p`, or throws on a header no message can have. */
function messageSize(head: Uint8Array, p: number, streamOffset: number, maxSize: number): number {
  const b0 = head[p];
  if (b0 !== 0x42 && b0 !== 0x54) throw new TtlvError(E.BAD_TAG, streamOffset);
  const type = head[p + 3];
  if (type < 1 || type > 11) throw new TtlvError(E.BAD_TYPE, streamOffset + 3);
  const len = ((head[p + 4] << 24) | (head[p + 5] << 16) | (head[p + 6] << 8) | head[p + 7]) >>> 0;
  if (8 + len > maxSize) throw new TtlvError(E.TOO_LARGE, streamOffset + 4);
  return 8 + (len % 8 === 0 ? len : len + 8 - (len % 8));
}

export class TtlvFramer {
  private readonly maxSize: number;
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Stream offset of the first buffered byte (error offsets are relative to the stream start). */
  private consumed = 0;
  private failed: TtlvError | undefined;
  /** Size of the message being buffered, once its header is known (0 before). */
  private need = 0;

  constructor(opts: FramerOptions = {}) {
    this.maxSize = opts.maxSize ?? MAX_MESSAGE_SIZE;
  }

  /** Bytes held for a message not complete yet. */
  get pending(): number {
    return this.buffered;
  }

  /** The header error that stopped this framer, once there is one: every later push() and end() throws it. */
  get error(): TtlvError | undefined {
    return this.failed;
  }

  /** Feeds a chunk; returns the messages it completes (each a view of one buffer, valid until reused).
   *
   *  A bad header throws, unless whole messages came before it in the same chunk: then push() returns
   *  those messages, records the error in `error`, and the next push() or end() throws it. A caller
   *  answers what it got and then checks `error` (the stream cannot be resynchronised past it). */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.failed) throw this.failed;
    let data = chunk;
    if (this.buffered > 0) {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      // Join chunks only when the header, then the whole message, is there: 1-byte chunks stay linear.
      if (this.buffered < 8) return [];
      if (this.need === 0) this.need = this.guard(() => messageSize(this.flatten(), 0, this.consumed, this.maxSize));
      if (this.buffered < this.need) return [];
      data = this.flatten();
    }
    const out: Uint8Array[] = [];
    let p = 0;
    this.need = 0;
    while (data.length - p >= 8) {
      const at = p;
      let size: number;
      try {
        size = this.guard(() => messageSize(data, at, this.consumed + at, this.maxSize));
      } catch (err) {
        // Messages complete before the bad header are still delivered; the error waits for the next call.
        if (out.length === 0) throw err;
        return out;
      }
      if (data.length - p < size) {
        this.need = size;
        break;
      }
      out.push(data.subarray(p, p + size));
      p += size;
    }
    this.consumed += p;
    const rest = data.length - p;
    // Keep only the unfinished tail, copied (Buffer#slice would not copy) so the caller may reuse its chunk.
    this.chunks = rest > 0 ? [new Uint8Array(data.subarray(p))] : [];
    this.buffered = rest;
    return out;
  }

  private guard(f: () => number): number {
    try {
      return f();
    } catch (err) {
      this.failed = err as TtlvError;
      this.chunks = [];
      this.buffered = 0;
      throw err;
    }
  }

  /** Call at end of stream: a partial message left over is an error. */
  end(): void {
    if (this.failed) throw this.failed;
    if (this.buffered === 0) return;
    const at = this.consumed;
    this.chunks = [];
    const code = this.buffered < 8 ? E.TRUNCATED_HEADER : E.TRUNCATED;
    this.buffered = 0;
    throw new TtlvError(code, code === E.TRUNCATED ? at + 4 : at);
  }

  private flatten(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0];
    const all = new Uint8Array(this.buffered);
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    this.chunks = [all];
    return all;
  }
}

/** A Transform stream: bytes in, one whole message per chunk out (object mode on the readable side). */
export function createFramerStream(opts: FramerOptions = {}): Transform {
  const framer = new TtlvFramer(opts);
  return new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback) {
      try {
        for (const m of framer.push(chunk)) this.push(m);
        cb(framer.error);
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb: TransformCallback) {
      try {
        framer.end();
        cb();
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}
