#!/usr/bin/env node
// The README's test command: dictionary check, the Rust core's own tests, the TypeScript suite with
// the native scanner required, then with it off, then the conformance run (the OASIS test cases replayed
// against our server, on the in-memory and on the SQLite store). Stops at the first failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const steps = [
  ['dictionary is up to date', 'node', ['scripts/gen-dictionary.mjs', '--check']],
  ['typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']],
  ['build dist (the package entry points are tested from it)', 'npx', ['tsc', '-p', 'tsconfig.build.json']],
  ['cargo test (Rust core)', 'cargo', ['test', '--manifest-path', 'crate/Cargo.toml', '-p', 'kmipkit-core', '--release']],
  ['native addon built', 'node', ['scripts/build-native.mjs']],
  ['vitest, KMIPKIT_NATIVE=require', 'npx', ['vitest', 'run'], { KMIPKIT_NATIVE: 'require' }],
  // With the addon off, everything but the CLI's and the PyKMIP interop files, which spawn processes for
  // six minutes and reach no codec or crypto path the others do not (they run with the addon above).
  ['vitest, KMIPKIT_NATIVE=off (without test/cli and test/interop)', 'npx', ['vitest', 'run', '--exclude', 'test/cli/**', '--exclude', 'test/interop/**'], { KMIPKIT_NATIVE: 'off' }],
  ['conformance: the OASIS test cases against our server (in-memory store)', 'node', ['scripts/conformance.mjs']],
  // Again on SQLite, what `kmipkit serve` runs: its transactions, group commit and the Get fast path.
  ['conformance: the OASIS test cases against our server (SQLite store)', 'node', ['scripts/conformance.mjs', '--store', 'sqlite']],
];

const only = process.argv.slice(2);
for (const [name, cmd, args, env] of steps) {
  if (only.length && !only.some((o) => name.includes(o))) continue;
  if (cmd === 'cargo' && !existsSync('crate/Cargo.toml')) throw new Error('crate/Cargo.toml missing');
  const started = Date.now();
  console.log(`\n=== ${name}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n=== FAILED: ${name} (${secs}s)`);
    process.exit(r.status ?? 1);
  }
  console.log(`=== ok: ${name} (${secs}s)`);
}
