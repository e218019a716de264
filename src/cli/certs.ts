// `kmipkit certs init`: the development CA, server and client certificates, without starting a server.
// Exit codes: 0 written; 1 usage, or files already there without --force; 2 could not write.
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { CERT_FILES, CertsError } from '../server/certfiles.js';

export const DEFAULT_CERTS_DIR = 'kmipkit-data/certs';

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function registerCerts(program: Command): void {
  const certs = program.command('certs').description('development certificates for mutual TLS');
  certs
    .command('init')
    .description('create a CA, a server certificate and a client certificate (RSA-2048, PEM)')
    .option('--data-dir <dir>', 'the data directory `kmipkit serve --data-dir` will use: writes DIR/certs')
    .option('--dir <dir>', `where to write them, exactly (default ${DEFAULT_CERTS_DIR}; kmipkit serve reads DATA_DIR/certs)`)
    .option('--force', 'replace files that exist (clients then need the new client certificate)', false)
    .option('--hostname <name>', 'a name or address the server certificate is valid for (repeatable; default localhost, 127.0.0.1, ::1)', collect, [])
    .option('--client-cn <name>', 'subject CN of the client certificate: the principal that owns what the client creates', 'kmipkit-client')
    .action(async (opts: { dir?: string; dataDir?: string; force: boolean; hostname: string[]; clientCn: string }) => {
      if (opts.dir !== undefined && opts.dataDir !== undefined) fail('give --data-dir or --dir, not both', 1);
      const dir = resolve(opts.dataDir !== undefined ? join(opts.dataDir, 'certs') : (opts.dir ?? DEFAULT_CERTS_DIR));
      const { generateDevCertificates, DEFAULT_HOSTNAMES } = await import('../server/certs.js');
      const hostnames = opts.hostname.length > 0 ? opts.hostname : DEFAULT_HOSTNAMES;
      try {
        await generateDevCertificates({ dir, force: opts.force, hostnames, clientCommonName: opts.clientCn });
      } catch (err) {
        if (err instanceof CertsError) fail(err.message, err.code === 'ERR_CERTS_EXISTS' ? 1 : 2);
        throw err;
      }
      const out = process.stdout;
      out.write(`kmipkit certs: wrote ${Object.values(CERT_FILES).join(', ')} to ${dir}\n`);
      out.write(`  server certificate valid for: ${hostnames.join(', ')}\n`);
      out.write(`  client certificate CN: ${opts.clientCn}\n`);
      out.write(`  give a client ca.crt, client.crt and client.key; keep ca.key off the server once you are done issuing\n`);
    });
}

function fail(message: string, code: number): never {
  process.stderr.write(`kmipkit certs: ${message}\n`);
  process.exit(code);
}
