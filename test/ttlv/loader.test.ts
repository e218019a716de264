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
