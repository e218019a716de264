// The scanners under test: the pure-TS one always, the native one whenever it loaded.
// test/ttlv/loader.test.ts fails when KMIPKIT_NATIVE=require and it did not, so nothing hides here.
import { codecInfo, type DecodeOptions } from '../../src/ttlv/index.js';

export type Scanner = NonNullable<DecodeOptions['scanner']>;
export const SCANNERS: Scanner[] = codecInfo.native ? ['ts', 'native'] : ['ts'];
