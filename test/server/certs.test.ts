// The development PKI, checked by node's own X.509 parser (independent of @peculiar/x509) and by a real
// mutual-TLS handshake; the certificate directory's file modes and no-overwrite rule.
import { spawnSync } from 'node:child_process';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CERT_FILES, CertsError, readCertificateDir, type CertificateSet } from '../../src/server/certfiles.js';
import { generateDevCertificates } from '../../src/server/certs.js';
import { ROOT } from '../helpers/testdata.js';

const dir = mkdtempSync(join(tmpdir(), 'kmipkit-certs-'));
let set: CertificateSet;

beforeAll(async () => {
  set = await generateDevCertificates();
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('generateDevCertificates', () => {
  it('a CA, a serverAuth certificate with the default SANs and a clientAuth certificate, all chaining to the CA', () => {
    const ca = new X509Certificate(set.caPem);
    const server = new X509Certificate(set.serverCertPem);
    const client = new X509Certificate(set.clientCertPem!);
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(server.ca).toBe(false);
    expect(client.ca).toBe(false);

    // Node calls the extended key usage OIDs `keyUsage`.
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(client.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(server.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(server.checkHost('localhost')).toBe('localhost');
    expect(server.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(server.checkIP('::1')).toBe('::1');
    expect(client.subject).toMatch(/^CN=kmipkit-client$/m);

    for (const leaf of [server, client]) {
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.issuer).toBe(ca.subject);
      expect(new Date(leaf.validFrom).getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it('RSA-2048 keys that match their certificates, as unencrypted PKCS#8', () => {
    const pairs: [string, string][] = [
      [set.caPem, set.caKeyPem!],
      [set.serverCertPem, set.serverKeyPem],
      [set.clientCertPem!, set.clientKeyPem!],
    ];
    for (const [certPem, keyPem] of pairs) {
      expect(keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
      const key = createPrivateKey(keyPem);
      expect(key.asymmetricKeyType).toBe('rsa');
      expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
      expect(new X509Certificate(certPem).checkPrivateKey(key)).toBe(true);
    }
  });

  it('honours hostnames and the client common name, and gives each certificate its own serial', async () => {
    const custom = await generateDevCertificates({ hostnames: ['kms.example.test', '10.1.2.3'], clientCommonName: 'app-7' });
    const server = new X509Certificate(custom.serverCertPem);
    expect(server.subjectAltName).toBe('DNS:kms.example.test, IP Address:10.1.2.3');
    expect(server.checkHost('localhost')).toBeUndefined();
    expect(new X509Certificate(custom.clientCertPem!).subject).toMatch(/^CN=app-7$/m);
    const serials = [custom.caPem, custom.serverCertPem, custom.clientCertPem!, set.serverCertPem].map((p) => new X509Certificate(p).serialNumber);
    expect(new Set(serials).size).toBe(4);
  });

  it('a real mutual-TLS handshake verifies both ends (TLS 1.2 and 1.3)', async () => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      const seen = new Promise<TLSSocket>((resolve) => {
        const server = createServer(
          { ca: set.caPem, cert: set.serverCertPem, key: set.serverKeyPem, requestCert: true, rejectUnauthorized: true, minVersion: version, maxVersion: version },
          (s) => {
            resolve(s);
            s.end();
            server.close();
          },
        ).listen(0, '127.0.0.1', () => {
          const port = (server.address() as { port: number }).port;
          // Default checkServerIdentity: the SAN must name 'localhost'.
          const c = connect({ host: '127.0.0.1', port, servername: 'localhost', ca: set.caPem, cert: set.clientCertPem, key: set.clientKeyPem });
          c.on('secureConnect', () => expect(c.authorized).toBe(true));
          c.on('error', () => {});
          c.resume();
        });
      });
      const s = await seen;
      expect(s.authorized).toBe(true);
      expect(s.getProtocol()).toBe(version);
      expect(s.getPeerCertificate().subject.CN).toBe('kmipkit-client');
    }
  });
});

describe('the certificate directory', () => {
  const certDir = join(dir, 'certs');

  it('writes the six files, private keys mode 0600, the directory 0700', async () => {
    const written = await generateDevCertificates({ dir: certDir });
    expect(written.dir).toBe(certDir);
    expect(statSync(certDir).mode & 0o777).toBe(0o700);
    for (const [part, name] of Object.entries(CERT_FILES)) {
      const path = join(certDir, name);
      expect(readFileSync(path, 'utf8')).toBe(written[part as keyof typeof CERT_FILES]);
      expect(statSync(path).mode & 0o777).toBe(name.endsWith('.key') ? 0o600 : 0o644);
    }
    const read = await readCertificateDir(certDir);
    expect(read).toEqual(written);
  });

  it('never overwrites without force, and writes nothing when refusing', async () => {
    const before = readFileSync(join(certDir, 'server.key'), 'utf8');
    rmSync(join(certDir, 'client.crt'));
    const err = await generateDevCertificates({ dir: certDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CertsError);
    expect((err as CertsError).code).toBe('ERR_CERTS_EXISTS');
    expect((err as CertsError).message).toMatch(/--force/);
    expect(readFileSync(join(certDir, 'server.key'), 'utf8')).toBe(before);
    expect(() => statSync(join(certDir, 'client.crt'))).toThrow();
  });

  it('force replaces every file and restores 0600 on a key someone widened', async () => {
    chmodSync(join(certDir, 'server.key'), 0o644);
    const before = readFileSync(join(certDir, 'server.key'), 'utf8');
    const again = await generateDevCertificates({ dir: certDir, force: true });
    expect(readFileSync(join(certDir, 'server.key'), 'utf8')).toBe(again.serverKeyPem);
    expect(again.serverKeyPem).not.toBe(before);
    expect(statSync(join(certDir, 'server.key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(certDir, 'client.crt')).isFile()).toBe(true);
  });

  it('reading: no files is undefined, a partial set is an error naming what is missing', async () => {
    const empty = join(dir, 'empty');
    expect(await readCertificateDir(empty)).toBeUndefined();
    const partial = join(dir, 'partial');
    await generateDevCertificates({ dir: partial });
    rmSync(join(partial, 'server.key'));
    const err = await readCertificateDir(partial).catch((e: unknown) => e);
    expect((err as CertsError).code).toBe('ERR_CERTS_INCOMPLETE');
    expect((err as CertsError).message).toMatch(/server\.key.*certs init/);
    // The client part may be moved off the server: still enough to serve.
    rmSync(join(certDir, 'client.key'));
    expect((await readCertificateDir(certDir))?.clientKeyPem).toBeUndefined();
  });

  it('a file that is not PEM is refused without quoting it', async () => {
    const bad = join(dir, 'bad');
    await generateDevCertificates({ dir: bad });
    writeFileSync(join(bad, 'server.key'), 'secret-bytes-not-pem');
    const err = await readCertificateDir(bad).catch((e: unknown) => e);
    expect((err as CertsError).code).toBe('ERR_CERTS_IO');
    expect((err as CertsError).message).not.toMatch(/secret-bytes/);
  });
});

it('kmipkit/server does not load the X.509 generator until certificates are generated', () => {
  const script = `
    await import(${JSON.stringify(join(ROOT, 'src/server/index.ts'))});
    const before = typeof Reflect.getMetadata;
    const { generateDevCertificates } = await import(${JSON.stringify(join(ROOT, 'src/server/index.ts'))});
    await generateDevCertificates();
    console.log(before, typeof Reflect.getMetadata);`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  expect(r.stderr).toBe('');
  expect(r.stdout.trim()).toBe('undefined function');
});
