// `kmipkit serve`: a KMIP server over mutual TLS, ready on a fresh machine (certificates, database and
// master key are created in the data directory on first start).
// Exit codes: 0 clean shutdown on SIGINT/SIGTERM; 1 bad configuration or usage; 2 could not start.
import { join } from 'node:path';
import type { Command } from 'commander';
import { CERT_FILES, readPemFile } from '../server/certfiles.js';
import { ConfigError, loadConfig, type ServeConfig } from '../server/config.js';
import { registerCerts } from './certs.js';

interface ServeFlags {
  dataDir?: string;
  port?: string;
  host?: string;
  config?: string;
  memory?: boolean;
  kmip30Algorithms?: boolean;
}

/** Registers `serve` and `certs`. */
export function registerServerCommands(program: Command): void {
  registerServe(program);
  registerCerts(program);
  registerCredentials(program);
}

/** `kmipkit credentials hash`: the passwordHash for a configuration file's credentials entry. */
export function registerCredentials(program: Command): void {
  program
    .command('credentials')
    .description('Username and Password credentials (a second factor on top of client certificates)')
    .command('hash')
    .description('read a password from standard input (one line) and print its scrypt hash for the configuration file')
    .action(async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const text = Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
      chunks.forEach((c) => c.fill(0));
      if (text.length === 0) {
        process.stderr.write('kmipkit credentials hash: no password on standard input (try: printf %s "$PASSWORD" | kmipkit credentials hash)\n');
        process.exit(1);
      }
      const { hashPassword } = await import('../server/credentials.js');
      process.stdout.write(`${hashPassword(text)}\n`);
    });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run a KMIP server (mutual TLS; creates certificates, database and master key on first start)')
    .option('--data-dir <dir>', 'data directory: kmipkit.db, master.key, certs/ (default ./kmipkit-data; env KMIPKIT_DATA_DIR)')
    .option('--port <n>', 'TCP port, 0 for any free one (default 5696; env KMIPKIT_PORT)')
    .option('--host <h>', 'address to listen on (default 0.0.0.0, every interface; env KMIPKIT_HOST)')
    .option('--config <file>', 'JSON configuration file (default DATA_DIR/kmipkit.json when present; env KMIPKIT_CONFIG)')
    .option('--memory', 'keep objects in memory only: everything is lost on exit')
    .option('--kmip30-algorithms', 'serve the KMIP 3.0 draft post-quantum algorithms and Encapsulate/Decapsulate (code points not final; env KMIPKIT_KMIP30_ALGORITHMS)')
    .addHelpText(
      'after',
      [
        '',
        'Environment: KMIPKIT_HOST, KMIPKIT_PORT, KMIPKIT_DATA_DIR, KMIPKIT_STORE (sqlite|memory), KMIPKIT_CONFIG,',
        '  KMIPKIT_TLS_CA, KMIPKIT_TLS_CERT, KMIPKIT_TLS_KEY, KMIPKIT_MAX_CONNECTIONS, KMIPKIT_BASIC_AUTH_SUITE, KMIPKIT_PYKMIP_COMPAT,',
        '  KMIPKIT_KMIP30_ALGORITHMS,',
        '  KMIPKIT_MASTER_KEY (hex or base64; default: DATA_DIR/master.key, created on first start).',
        'Precedence: defaults < configuration file < environment < flags.',
      ].join('\n'),
    )
    .action((flags: ServeFlags) => serve(flags));
}

async function serve(flags: ServeFlags): Promise<void> {
  let config: ServeConfig;
  try {
    config = loadConfig(flags);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.message}`, 1);
    throw err;
  }
  const log = (event: Record<string, unknown>): void => {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...event })}\n`);
  };
  // Loaded here: the store (better-sqlite3), the engine and TLS are not needed by other commands.
  const { createServer } = await import('../server/index.js');
  const { masterKeyFromEnv } = await import('../store/masterkey.js');
  let server: Awaited<ReturnType<typeof createServer>>;
  let masterKey: Buffer | undefined;
  try {
    const tls = config.tls && {
      ca: await readPemFile(config.tls.ca),
      cert: await readPemFile(config.tls.cert),
      key: await readPemFile(config.tls.key),
    };
    masterKey = config.store === 'sqlite' ? masterKeyFromEnv() : undefined;
    server = await createServer({
      host: config.host,
      port: config.port,
      dataDir: config.dataDir,
      store: config.store,
      tls,
      masterKey,
      limits: config.limits,
      compatibility: config.compatibility,
      credentials: config.credentials,
      log,
    });
  } catch (err) {
    fail(startupMessage(err), 2);
  } finally {
    // The store keeps only keys derived from the master key.
    masterKey?.fill(0);
  }
  printBanner(config, server.address, server.certificates.dir);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      process.stderr.write(`kmipkit serve: ${signal} again, exiting without waiting\n`);
      process.exit(1);
    }
    stopping = true;
    process.stderr.write(`kmipkit serve: ${signal}, finishing in-flight requests and closing\n`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => fail(`error while closing: ${(err as Error).message}`, 2),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

function startupMessage(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const hint =
    e.code === 'SEAL'
      ? ' (the database was sealed under another master key: restore DATA_DIR/master.key or set KMIPKIT_MASTER_KEY)'
      : e.code === 'EACCES' || e.code === 'EPERM'
        ? ' (check the permissions of the data directory)'
        : '';
  return `cannot start: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}${hint}`;
}

function printBanner(config: ServeConfig, address: { host: string; port: number }, certDir: string | undefined): void {
  // A wildcard address is not dialable; loopback is, from this machine.
  const dial = address.host === '0.0.0.0' || address.host === '::' ? '127.0.0.1' : address.host;
  const hostPort = dial.includes(':') ? `[${dial}]:${address.port}` : `${dial}:${address.port}`;
  const ca = config.tls?.ca ?? join(certDir ?? '', CERT_FILES.caPem);
  const cert = certDir ? join(certDir, CERT_FILES.clientCertPem) : '<a client certificate issued by the CA>';
  const key = certDir ? join(certDir, CERT_FILES.clientKeyPem) : '<its key>';
  const store = config.store === 'sqlite' ? `SQLite ${join(config.dataDir, 'kmipkit.db')}, master key ${join(config.dataDir, 'master.key')}` : 'memory (lost on exit)';
  const lines = [
    `kmipkit serve: listening on ${address.host}:${address.port} (KMIP over TLS 1.2/1.3, client certificate required${config.compatibility.basicAuthenticationSuite ? ', Basic Authentication Suite ciphers enabled' : ''}${config.compatibility.kmip30Algorithms ? ', KMIP 3.0 draft post-quantum algorithms enabled' : ''}${config.credentials.length ? `, username and password required (${config.credentials.length} credential${config.credentials.length === 1 ? '' : 's'})` : ''})`,
    `  store:        ${store}`,
    `  CA:           ${ca}`,
    `  client cert:  ${cert}`,
    `  client key:   ${key}`,
    `Check the TLS connection:`,
    `  openssl s_client -connect ${hostPort} -CAfile ${ca} -cert ${cert} -key ${key} -brief </dev/null`,
    `PyKMIP client (pykmip.conf [client] section):`,
    `  host=${dial} port=${address.port} ca_certs=${ca} certfile=${cert} keyfile=${key}`,
    `kmipkit or another KMIP client: connect to ${hostPort} with the same three files.`,
    `Stop with Ctrl-C (SIGINT) or SIGTERM.`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

function fail(message: string, code: number): never {
  process.stderr.write(`kmipkit serve: ${message}\n`);
  process.exit(code);
}
