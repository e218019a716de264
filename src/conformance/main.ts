// `npm run conformance`: selects OASIS test cases, replays them against a server, prints the verdicts.
// Exit code 1 when any selected file fails, 2 on a usage or start-up error.
import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { caseInfo, DEFAULT_PROFILES, DEFAULT_SELECTION, DEFAULT_VERSIONS, selectCases, type Selection } from './cases.js';
import { predecessorOf } from './chains.js';
import { Bindings } from './placeholders.js';
import { ConformanceError } from './errors.js';
import { startPyKmip } from './pykmip.js';
import { runCase, type FileResult } from './replay.js';
import { formatTable, summarize } from './report.js';
import { dataDirTarget, externalTarget, inProcessTarget, type Target, type TargetFactory } from './target.js';

export interface RunOptions {
  selection: Selection;
  factory: TargetFactory;
  onResult?: (r: FileResult) => void;
}

/**
 * Runs the selected files; a fresh target per file when the factory provides one. A chained file
 * (chains.ts) runs on its predecessor's target right after it: when the predecessor is not the file
 * just run, it is replayed first on the fresh target as set-up (its verdict is not reported, but a
 * failure of it is named in the chained file's reason).
 */
export async function runConformance(o: RunOptions): Promise<FileResult[]> {
  const cases = selectCases(o.selection);
  if (cases.length === 0) throw new ConformanceError('NO_FILES', 'the selection matches no test-case file');
  const results: FileResult[] = [];
  let shared = o.factory.fresh ? undefined : await o.factory.start();
  // The last file run, with its target kept open when the next file chains onto it.
  let last: { path: string; bindings: Bindings; result: FileResult; target?: Target } | undefined;
  try {
    for (const [i, info] of cases.entries()) {
      const pred = predecessorOf(info.path);
      const bindings = new Bindings();
      const follows = pred !== undefined && last?.path === pred;
      let setup: FileResult | undefined;
      if (follows) {
        bindings.inherit(last!.bindings);
        setup = last!.result;
      }
      let target = shared ?? (follows ? last!.target : undefined);
      if (!target) {
        target = await o.factory.start();
        if (pred && !follows) {
          const before = new Bindings();
          setup = await runCase(caseInfo(pred, readFileSync(pred, 'utf8')), target, { bindings: before });
          bindings.inherit(before);
        }
      }
      if (last?.target && last.target !== target) await last.target.close();
      last = undefined;
      let r: FileResult;
      try {
        r = await runCase(info, target, { bindings });
      } catch (e) {
        if (!shared) await target.close();
        throw e;
      }
      if (setup && setup.status !== 'PASS' && r.status !== 'PASS') {
        r = { ...r, reason: `(after ${setup.file}, which did not pass: ${setup.status} at step ${setup.step ?? '?'}) ${r.reason}` };
      }
      results.push(r);
      o.onResult?.(r);
      const next = cases[i + 1];
      const keep = !shared && next !== undefined && predecessorOf(next.path) === info.path;
      if (!shared && !keep) await target.close();
      last = { path: info.path, bindings, result: r, target: keep ? target : undefined };
    }
  } finally {
    await last?.target?.close();
    await shared?.close();
    shared = undefined;
  }
  return results;
}

const list = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

export async function main(argv: string[]): Promise<number> {
  const program = new Command('conformance')
    .description('Replay the OASIS KMIP XML test cases against a KMIP server over mutual TLS')
    .argument('[files...]', 'test-case files or globs (relative to testdata/kmip-testcases or the working directory)')
    .option('--profile <list>', `profiles, e.g. ${DEFAULT_PROFILES.join(',')}`, list)
    .option('--version <list>', `protocol versions, e.g. ${DEFAULT_VERSIONS.join(',')}`, list)
    .option('--mandatory', 'only mandatory (-M-) test cases')
    .option('--folder <list>', 'folders: profiles, ovh-kmip-go, testcases', list)
    .option('--server <host:port>', 'an already running server (state is shared across files)')
    .option('--ca <file>', 'CA certificate (PEM) for --server')
    .option('--cert <file>', 'client certificate (PEM) for --server')
    .option('--key <file>', 'client key (PEM) for --server')
    .option('--data-dir <dir>', 'use DIR/certs/{ca.crt,client.crt,client.key} (with --server, default 127.0.0.1:5696)')
    .addOption(new Option('--pykmip', 'start a PyKMIP server per file (validates the harness against a peer)').conflicts(['server', 'dataDir']))
    .addOption(new Option('--store <kind>', 'the in-process server\'s store: memory (default) or sqlite (a new database per file)').choices(['memory', 'sqlite']).conflicts(['server', 'dataDir', 'pykmip']))
    .option('--json', 'print a machine-readable summary')
    .helpOption('-h, --help')
    .exitOverride();
  program.configureOutput({ writeErr: (s) => process.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    return code === 0 ? 0 : 2;
  }
  const o = program.opts<{
    profile?: string[]; version?: string[]; mandatory?: boolean; folder?: string[];
    server?: string; ca?: string; cert?: string; key?: string; dataDir?: string; pykmip?: boolean; json?: boolean; store?: 'memory' | 'sqlite';
  }>();
  const files = program.args;
  const filtered = o.profile || o.version || o.mandatory || o.folder;
  const selection: Selection = files.length > 0 || filtered
    ? { patterns: files, profiles: o.profile, versions: o.version, mandatory: o.mandatory, folders: o.folder }
    : DEFAULT_SELECTION;
  try {
    let factory: TargetFactory;
    if (o.pykmip) factory = { describe: 'PyKMIP (fresh per file)', fresh: true, start: () => startPyKmip() };
    else if (o.dataDir) factory = dataDirTarget(o.dataDir, o.server ?? '127.0.0.1:5696');
    else if (o.server) {
      if (!o.ca || !o.cert || !o.key) throw new ConformanceError('BAD_ARGS', '--server needs --ca, --cert and --key (or --data-dir)');
      factory = externalTarget({ server: o.server, ca: o.ca, cert: o.cert, key: o.key });
    } else factory = inProcessTarget(o.store ?? 'memory');
    const onResult = o.json ? undefined : (r: FileResult) => process.stderr.write(`${r.status.padEnd(13)} ${r.file}\n`);
    const results = await runConformance({ selection, factory, onResult });
    if (o.json) process.stdout.write(JSON.stringify(summarize(results), null, 2) + '\n');
    else process.stdout.write(formatTable(results, factory.describe) + '\n');
    return results.some((r) => r.status === 'FAIL') ? 1 : 0;
  } catch (e) {
    const err = e as Error & { code?: string };
    process.stderr.write(`conformance: ${err.code ? err.code + ': ' : ''}${err.message}\n`);
    return 2;
  }
}
