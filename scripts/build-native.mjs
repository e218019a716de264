#!/usr/bin/env node
// Builds the Rust addon (crate/node) and copies it to native/kmipkit.<triple>.node.
//
// This is the package's npm `install` script, and `npm run build` runs it with --force.
//   - no crate/Cargo.toml (installed from the registry): exit 0 silently;
//   - no cargo on PATH: one warning line, exit 0 (the pure-TypeScript codec is used),
//     or exit 1 when KMIPKIT_NATIVE=require;
//   - the .node file is newer than every Rust source and Cargo file: nothing to do (unless --force);
//   - otherwise `cargo build --release -p kmipkit-node`, exit non-zero if it fails.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const crateDir = join(root, 'crate');
const manifest = join(crateDir, 'Cargo.toml');
const force = process.argv.includes('--force');
/** `--name value` from the command line (the release workflow cross-builds with --target and --triple). */
function flag(name) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const rustTarget = flag('--target');
const mode = (process.env.KMIPKIT_NATIVE ?? 'auto').trim().toLowerCase();
const required = mode === 'require' || mode === 'required';

if (!existsSync(manifest)) process.exit(0);

/** The napi-rs platform triple (same rule as src/ttlv/native.ts). */
function platformTriple() {
  const { platform, arch } = process;
  if (platform === 'linux') {
    const report = process.report?.getReport?.();
    return `linux-${arch}-${report?.header?.glibcVersionRuntime ? 'gnu' : 'musl'}`;
  }
  if (platform === 'win32') return `win32-${arch}-msvc`;
  return `${platform}-${arch}`;
}

/** File name cargo gives the cdylib on this platform. */
function libraryName() {
  if (process.platform === 'win32') return 'kmipkit_node.dll';
  if (process.platform === 'darwin') return 'libkmipkit_node.dylib';
  return 'libkmipkit_node.so';
}

/** Newest modification time among the files that affect the build. */
function newestInput() {
  let newest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const st = statSync(path);
    if (st.isDirectory()) {
      for (const name of readdirSync(path)) visit(join(path, name));
    } else {
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of [
    join(crateDir, 'core', 'src'),
    join(crateDir, 'node', 'src'),
    manifest,
    join(crateDir, 'Cargo.lock'),
    join(crateDir, 'core', 'Cargo.toml'),
    join(crateDir, 'node', 'Cargo.toml'),
    join(crateDir, 'node', 'build.rs'),
  ]) {
    visit(p);
  }
  return newest;
}

const out = join(root, 'native', `kmipkit.${flag('--triple') ?? platformTriple()}.node`);

if (!force && mode === 'off') process.exit(0);
if (!force && existsSync(out) && statSync(out).mtimeMs > newestInput()) process.exit(0);

const cargo = process.env.CARGO || 'cargo';
const probe = spawnSync(cargo, ['--version'], { stdio: 'ignore' });
if (probe.error || probe.status !== 0) {
  if (required) {
    console.error('kmipkit: KMIPKIT_NATIVE=require but cargo was not found on PATH; cannot build the native addon');
    process.exit(1);
  }
  console.warn('kmipkit: cargo not found on PATH; the pure-TypeScript codec will be used');
  process.exit(0);
}

const cargoArgs = ['build', '--release', '-p', 'kmipkit-node', '--manifest-path', manifest];
if (rustTarget) cargoArgs.push('--target', rustTarget);
const build = spawnSync(cargo, cargoArgs, {
  cwd: root,
  stdio: 'inherit',
});
if (build.error) {
  console.error(`kmipkit: could not run cargo: ${build.error.message}`);
  process.exit(1);
}
if (build.status !== 0) {
  console.error(`kmipkit: cargo build failed (exit ${build.status ?? build.signal})`);
  process.exit(build.status || 1);
}

const targetEnv = process.env.CARGO_TARGET_DIR;
const targetDir = targetEnv ? (isAbsolute(targetEnv) ? targetEnv : resolve(root, targetEnv)) : join(crateDir, 'target');
const lib = join(targetDir, ...(rustTarget ? [rustTarget] : []), 'release', libraryName());
if (!existsSync(lib)) {
  console.error(`kmipkit: cargo succeeded but ${lib} is missing`);
  process.exit(1);
}

// Copy then rename, so a process that has the old addon loaded keeps a valid mapping.
mkdirSync(dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
try {
  copyFileSync(lib, tmp);
  renameSync(tmp, out);
} catch (err) {
  rmSync(tmp, { force: true });
  console.error(`kmipkit: could not install ${out}: ${err.message}`);
  process.exit(1);
}
console.log(`kmipkit: native addon built: ${out}`);
