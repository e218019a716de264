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
