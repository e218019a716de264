// The vendored OASIS material must stay byte-identical to what MANIFEST.json records (its licence
// forbids edits; corrections belong in the test harness).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readJson, TESTCASES } from './helpers/testdata.js';

describe('testdata/kmip-testcases', () => {
  it('every file listed in MANIFEST.json has its recorded sha256', () => {
    const manifest = readJson<{ file: string; sha256: string }[]>('MANIFEST.json');
    expect(manifest).toHaveLength(905);
    const changed = manifest.filter((e) => createHash('sha256').update(readFileSync(join(TESTCASES, e.file))).digest('hex') !== e.sha256);
    expect(changed.map((e) => e.file)).toEqual([]);
  });
});
