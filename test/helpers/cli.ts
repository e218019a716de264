// The `kmipkit` command as tests run it: a child process through tsx, asynchronous (a server in the
// test's own process keeps answering meanwhile), with an environment holding only what node needs plus
// what the test adds.
import { spawn } from 'node:child_process';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './testdata.js';

export const CLI_MAIN = join(ROOT, 'src/cli/main.ts');
// By path, so that a run in another working directory (the ./kmipkit-data default) still finds it.
const TSX = pathToFileURL(join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

export interface CliRun {
  code: number | null;
  /** Standard output as UTF-8 text, and as bytes. */
  out: string;
  outBytes: Buffer;
  err: string;
}

export function runKmipkit(args: readonly string[], o: { env?: Record<string, string>; input?: string | Buffer; cwd?: string } = {}): Promise<CliRun> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), ...o.env };
  const child = spawn(process.execPath, ['--import', TSX, CLI_MAIN, ...args], { cwd: o.cwd ?? ROOT, env });
  const out: Buffer[] = [];
  let err = '';
  child.stdout.on('data', (c: Buffer) => out.push(c));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  child.stdin.end(o.input ?? '');
  return new Promise((resolve) =>
    child.once('close', (code) => {
      const bytes = Buffer.concat(out);
      resolve({ code, out: bytes.toString('utf8'), outBytes: bytes, err });
    }),
  );
}

/** A port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
