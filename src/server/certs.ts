// Development PKI: one CA, a server certificate and a client certificate, so that `kmipkit serve`
// works with mutual TLS out of the box. Loaded lazily (@peculiar/x509 and reflect-metadata are heavy).
//
// Every key is RSA-2048: the KMIP 1.4 Basic Authentication Suite uses RSA key exchange, which needs an
// RSA server key, and older clients (PyKMIP on old OpenSSL builds) handle RSA everywhere.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { writeCertificateFiles, type CertificateSet } from './certfiles.js';

export interface DevCertificateOptions {
  /** Write ca.crt, ca.key, server.crt, server.key, client.crt, client.key here (keys mode 0600). */
  dir?: string;
  /** Replace files that exist in `dir` (refused otherwise). */
  force?: boolean;
  /** Names and addresses the server certificate is valid for. */
  hostnames?: readonly string[];
  /** Subject CN of the client certificate: the principal that owns what the client creates. */
  clientCommonName?: string;
  /** Validity of the server and client certificates, in days (the CA gets ten times this). */
  days?: number;
}

export const DEFAULT_HOSTNAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];
export const DEFAULT_CLIENT_COMMON_NAME = 'kmipkit-client';
/** Leaf validity: under the 825 days some platforms (macOS) cap TLS server certificates at. */
export const DEFAULT_DAYS = 730;
/** Issued an hour in the past, so that a peer whose clock runs a little behind still accepts them. */
const BACKDATE_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

const RSA: webcrypto.RsaHashedKeyGenParams = {
  name: 'RSASSA-PKCS1-v1_5',
  modulusLength: 2048,
  publicExponent: new Uint8Array([1, 0, 1]),
  hash: 'SHA-256',
};

const crypto = webcrypto;
x509.cryptoProvider.set(crypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

function serialNumber(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[0] &= 0x7f; // positive, as RFC 5280 requires
  bytes[0] |= 0x01; // and never with a leading zero byte to strip
  return Buffer.from(bytes).toString('hex');
}

async function keyPair(): Promise<webcrypto.CryptoKeyPair> {
  return (await crypto.subtle.generateKey(RSA, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
}

async function privateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = new Uint8Array(await crypto.subtle.exportKey('pkcs8', key));
  try {
    return x509.PemConverter.encode(der, 'PRIVATE KEY');
  } finally {
    der.fill(0);
  }
}

/** Generates the CA, server and client certificates (and writes them when `dir` is given). */
export async function generateDevCertificates(options: DevCertificateOptions = {}): Promise<CertificateSet> {
  const hostnames = options.hostnames && options.hostnames.length > 0 ? options.hostnames : DEFAULT_HOSTNAMES;
  const clientCn = options.clientCommonName ?? DEFAULT_CLIENT_COMMON_NAME;
  const days = options.days ?? DEFAULT_DAYS;
  const notBefore = new Date(Date.now() - BACKDATE_MS);
  const leafNotAfter = new Date(notBefore.getTime() + days * DAY_MS);

  const [caKeys, serverKeys, clientKeys] = await Promise.all([keyPair(), keyPair(), keyPair()]);
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serialNumber(),
    name: [{ CN: ['kmipkit development CA'] }, { O: ['kmipkit'] }],
    notBefore,
    notAfter: new Date(notBefore.getTime() + 10 * days * DAY_MS),
    keys: caKeys,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const aki = await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey);

  const leaf = async (cn: string, keys: webcrypto.CryptoKeyPair, eku: string, extra: x509.Extension[]) =>
    x509.X509CertificateGenerator.create({
      serialNumber: serialNumber(),
      subject: [{ CN: [cn] }, { O: ['kmipkit'] }],
      issuer: ca.subjectName,
      notBefore,
      notAfter: leafNotAfter,
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: RSA,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        // keyEncipherment: RSA key exchange (Basic Authentication Suite) encrypts the premaster secret to this key.
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
        new x509.ExtendedKeyUsageExtension([eku], false),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
        aki,
        ...extra,
      ],
    });

  const san = new x509.SubjectAlternativeNameExtension(
    hostnames.map((h) => (isIP(h) ? { type: 'ip' as const, value: h } : { type: 'dns' as const, value: h })),
    false,
  );
  const server = await leaf(hostnames[0], serverKeys, x509.ExtendedKeyUsage.serverAuth, [san]);
  // PyKMIP's client insists on the clientAuth extended key usage.
  const client = await leaf(clientCn, clientKeys, x509.ExtendedKeyUsage.clientAuth, []);

  const set: CertificateSet = {
    caPem: ca.toString('pem'),
    caKeyPem: await privateKeyPem(caKeys.privateKey),
    serverCertPem: server.toString('pem'),
    serverKeyPem: await privateKeyPem(serverKeys.privateKey),
    clientCertPem: client.toString('pem'),
    clientKeyPem: await privateKeyPem(clientKeys.privateKey),
  };
  if (options.dir !== undefined) return writeCertificateFiles(options.dir, set, options.force ?? false);
  return set;
}
