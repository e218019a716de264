// The loader tells which scanner is active and obeys KMIPKIT_NATIVE.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { codecInfo, decode, fromHex } from '../../src/ttlv/index.js';
import { ROOT } from '../helpers/testdata.js';

const mode = process.env.KMIPKIT_NATIVE ?? 'auto';

describe('native loader', () => {
  it('reports the mode it was given', () => {
    expect(codecInfo.mode).toBe(mode === 'off' || mode === 'require' ? mode : 'auto');
  });

  it.runIf(mode === 'require')('KMIPKIT_NATIVE=require means the addon is loaded and used', () => {
    expect(codecInfo.native).toBe(true);
    expect(decode(fromHex('42002002000000040000000800000000'), { scanner: 'native' }).value).toBe(8);
  });

  it.runIf(mode === 'off')('KMIPKIT_NATIVE=off means no addon, and asking for it fails', () => {
    expect(codecInfo.native).toBe(false);
    expect(() => decode(fromHex('42002002000000040000000800000000'), { scanner: 'native' })).toThrow(/not loaded/);
  });

  it('refuses an unknown KMIPKIT_NATIVE value at load time', () => {
    const script = `import('./src/ttlv/native.ts').then(() => console.log('loaded'), (e) => console.log(e.message))`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT,
      env: { ...process.env, KMIPKIT_NATIVE: 'sometimes' },
    }).toString();
    expect(out).toMatch(/KMIPKIT_NATIVE must be off, auto or require/);
  });
});

describe.runIf(codecInfo.native)('the addon keeps the right index registered', () => {
  it('a message larger than the scratch index uses a one-off index, and the next small one the scratch again', async () => {
    const { encode } = await import('../../src/ttlv/index.js');
    const big = encode({ tag: 0x420078, type: 0x01, value: Array.from({ length: 300_000 }, (_, i) => ({ tag: 0x420020, type: 0x02, value: i })) });
    expect(big.length).toBeGreaterThan(2 << 20);
    const root = decode(big, { scanner: 'native' });
    expect((root.value as { value: number }[])[299_999].value).toBe(299_999);
    expect(decode(fromHex('42002002000000040000000800000000'), { scanner: 'native' }).value).toBe(8);
    expect(() => decode(fromHex('4200200C000000080000000000000000'), { scanner: 'native' })).toThrow(expect.objectContaining({ code: 'ERR_TTLV_BAD_TYPE', offset: 3 }));
  });
});

describe.runIf(codecInfo.native)('the addon boundary (setIndex, scanRegistered)', () => {
  it('refuses arguments of the wrong kind with a RangeError, and keeps the registered index', async () => {
    const { nativeBinding } = await import('../../src/ttlv/native.js');
    const b = nativeBinding!;
    const call = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const bad = [
      call(() => b.setIndex(new Uint8Array(16) as unknown as Uint32Array)),
      call(() => (b.setIndex as unknown as () => void)()),
      call(() => b.scanRegistered(new Uint16Array(8) as unknown as Uint8Array)),
      call(() => b.scanRegistered('4200200200000004' as unknown as Uint8Array)),
      call(() => (b.scanRegistered as unknown as () => number)()),
    ];
    for (const e of bad) expect(e).toBeInstanceOf(RangeError);
    expect(String((bad[0] as Error).message)).toMatch(/Uint32Array/);
    expect(String((bad[2] as Error).message)).toMatch(/Uint8Array/);
    // The loader's registered scratch index is still the one in use.
    expect(decode(fromHex('42002002000000040000000800000000'), { scanner: 'native' }).value).toBe(8);
  });

  it('works in worker threads, each with its own registered index, and survives their exit', async () => {
    const { Worker } = await import('node:worker_threads');
    // Worker n scans a structure of n integers, 1000 times, and reports the count and root end
    // each scan gave: an index shared between threads would mix them up.
    const script = `
      const { parentPort, workerData } = require('node:worker_threads');
      const b = require(workerData.addon);
      const n = workerData.n;
      const index = new Uint32Array(64);
      b.setIndex(index);
      const msg = Buffer.from('42007801' + (16 * n).toString(16).padStart(8, '0') + '42002002000000040000000700000000'.repeat(n), 'hex');
      const seen = new Set();
      for (let i = 0; i < 1000; i++) {
        index[0] = 64; index[1] = 1 << 24; index[2] = 0;
        const count = b.scanRegistered(msg);
        seen.add(count + '/' + index[4 * count]);
      }
      parentPort.postMessage([...seen]);`;
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        [1, 2, 3].map(
          (n) =>
            new Promise<string[]>((resolve, reject) => {
              const w = new Worker(script, { eval: true, workerData: { addon: codecInfo.detail, n } });
              w.once('message', (m: string[]) => {
                resolve(m);
                void w.terminate();
              });
              w.once('error', reject);
            }),
        ),
      );
      expect(results).toEqual([['2/24'], ['3/40'], ['4/56']]);
    }
    expect(decode(fromHex('42002002000000040000000800000000'), { scanner: 'native' }).value).toBe(8);
  });
});
