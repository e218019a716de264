// Locates the vendored OASIS material (testdata/kmip-testcases, an unmodified copy of
// ../shared/kmip-testcases; test/testdata.test.ts checks every file against its MANIFEST sha256).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TESTCASES = join(ROOT, 'testdata', 'kmip-testcases');

export function readJson<T = unknown>(rel: string): T {
  return JSON.parse(readFileSync(join(TESTCASES, rel), 'utf8')) as T;
}
