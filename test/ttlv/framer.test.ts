// Class 14 (framing) and class 1 at end of stream: however the bytes are cut, the same messages come out.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createFramerStream, decode, encode, ItemType, TtlvFramer, type TtlvItem } from '../../src/ttlv/index.js';

function message(n: number, payload: number): Buffer {
  const item: TtlvItem = {
    tag: 0x420078,
    type: ItemType.Structure,
    value: [
      { tag: 0x420020, type: ItemType.Integer, value: n },
      { tag: 0x420021, type: ItemType.ByteString, value: new Uint8Array(payload).fill(n & 0xff) },
    ],
  };
  return encode(item);
}

const msgs = [message(1, 0), message(2, 5), message(3, 1000), message(4, 13)];
const stream = Buffer.concat(msgs);

function feed(framer: TtlvFramer, cuts: number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const cut of [...cuts, stream.length]) {
    for (const m of framer.push(stream.subarray(at, cut))) out.push(Buffer.from(m));
    at = cut;
  }
  framer.end();
  return out;
}

describe('TtlvFramer', () => {
  it('splits coalesced messages from one chunk', () => {
    expect(feed(new TtlvFramer(), [])).toEqual(msgs);
  });

  it('joins one message from 1-byte chunks', () => {
    const cuts = Array.from({ length: stream.length - 1 }, (_, i) => i + 1);
    expect(feed(new TtlvFramer(), cuts)).toEqual(msgs);
  });

  it('gives identical results for random cut points', () => {
    for (let round = 0; round < 200; round++) {
      const cuts = [...new Set(Array.from({ length: 1 + (round % 20) }, () => Math.floor(Math.random() * stream.length)))].sort((a, b) => a - b);
      expect(feed(new TtlvFramer(), cuts)).toEqual(msgs);
    }
  });

  it('copies the unfinished tail, so a reused chunk buffer cannot corrupt it', () => {
    const framer = new TtlvFramer();
    const chunk = Buffer.from(msgs[2].subarray(0, 100));
    expect(framer.push(chunk)).toEqual([]);
    chunk.fill(0xee);
    const [m] = framer.push(msgs[2].subarray(100));
    expect(Buffer.from(m)).toEqual(msgs[2]);
  });

  it('reports a stream that ends inside a header or a body', () => {
    const a = new TtlvFramer();
    a.push(stream.subarray(0, 3));
    expect(() => a.end()).toThrow(expect.objectContaining({ code: 'ERR_TTLV_TRUNCATED_HEADER', offset: 0 }));
    const b = new TtlvFramer();
    b.push(stream.subarray(0, msgs[0].length + 10));
    expect(() => b.end()).toThrow(expect.objectContaining({ code: 'ERR_TTLV_TRUNCATED', offset: msgs[0].length + 4 }));
  });

  it('refuses a bad header with its stream offset, then stays failed', () => {
    const framer = new TtlvFramer();
    expect(framer.push(msgs[0].subarray(0, 10))).toEqual([]);
    const bad = Buffer.concat([msgs[0].subarray(10), Buffer.from('GET / HTTP/1.1\r\n')]);
    // The first message completes in this chunk, so it is delivered; the error waits for the next call.
    expect(framer.push(bad).map((m) => Buffer.from(m))).toEqual([msgs[0]]);
    expect(framer.error).toMatchObject({ code: 'ERR_TTLV_BAD_TAG', offset: msgs[0].length });
    expect(() => framer.push(msgs[1])).toThrow(expect.objectContaining({ code: 'ERR_TTLV_BAD_TAG', offset: msgs[0].length }));
    expect(() => framer.end()).toThrow(expect.objectContaining({ code: 'ERR_TTLV_BAD_TAG' }));
    expect(framer.pending).toBe(0);
  });

  it('a chunk of complete messages then a bad header: the messages first, then the error', () => {
    const good = Buffer.concat([msgs[0], msgs[1], msgs[2]]);
    const badType = Buffer.from('42007800000000080000000000000000', 'hex'); // item type 0x00
    const tooLarge = Buffer.from('42007801ffffffff', 'hex');
    const cases: [Buffer, string, number][] = [
      [Buffer.from('GET / HTTP/1.1\r\n'), 'ERR_TTLV_BAD_TAG', good.length],
      [badType, 'ERR_TTLV_BAD_TYPE', good.length + 3],
      [tooLarge, 'ERR_TTLV_TOO_LARGE', good.length + 4],
    ];
    for (const [tail, code, offset] of cases) {
      const framer = new TtlvFramer({ maxSize: 4096 });
      expect(framer.push(Buffer.concat([good, tail])).map((m) => Buffer.from(m))).toEqual([msgs[0], msgs[1], msgs[2]]);
      expect(framer.error).toMatchObject({ code, offset });
      expect(() => framer.push(msgs[3])).toThrow(expect.objectContaining({ code, offset }));
      // With nothing complete before it, the bad header throws at once, at the same offset.
      const direct = new TtlvFramer({ maxSize: 4096 });
      expect(direct.push(good)).toHaveLength(3);
      expect(direct.error).toBeUndefined();
      expect(() => direct.push(tail)).toThrow(expect.objectContaining({ code, offset }));
      expect(direct.error).toMatchObject({ code, offset });
    }
  });

  it('as a stream, the messages before a bad header are emitted before the error', async () => {
    const out: number[] = [];
    const s = Readable.from([Buffer.concat([msgs[0], msgs[1], Buffer.from('not ttlv')])]).pipe(createFramerStream());
    const failed = new Promise<unknown>((resolve) => s.once('error', resolve));
    s.on('data', (m: Uint8Array) => out.push((decode(m).value as TtlvItem[])[0].value as number));
    expect(await failed).toMatchObject({ code: 'ERR_TTLV_BAD_TAG', offset: msgs[0].length + msgs[1].length });
    expect(out).toEqual([1, 2]);
  });

  it('checks the size limit before buffering the body', () => {
    const framer = new TtlvFramer({ maxSize: 512 });
    expect(framer.push(msgs[1])).toHaveLength(1);
    expect(() => framer.push(msgs[2].subarray(0, 8))).toThrow(expect.objectContaining({ code: 'ERR_TTLV_TOO_LARGE' }));
    expect(framer.pending).toBe(0);
  });

  it('works as a stream, and each message decodes', async () => {
    const chunks = [stream.subarray(0, 5), stream.subarray(5, 700), stream.subarray(700)];
    const out: Uint8Array[] = [];
    for await (const m of Readable.from(chunks).pipe(createFramerStream())) out.push(m as Uint8Array);
    expect(out.map((m) => (decode(m).value as TtlvItem[])[0].value)).toEqual([1, 2, 3, 4]);
  });
});
