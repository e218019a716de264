#!/usr/bin/env node
// `npm run bench -- <suite>`: runs bench/<suite>.bench.ts (all suites when none is named).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const all = readdirSync('bench').filter((f) => f.endsWith('.bench.ts')).map((f) => f.replace('.bench.ts', ''));
const wanted = process.argv.slice(2);
for (const suite of wanted.length ? wanted : all) {
  if (!all.includes(suite)) {
    console.error(`no bench suite '${suite}' (have: ${all.join(', ')})`);
    process.exit(1);
  }
  const r = spawnSync(process.execPath, ['--import', 'tsx', `bench/${suite}.bench.ts`], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
