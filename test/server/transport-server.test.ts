// createServer (kmipkit/server) end to end: certificates, store, engine and transport composed, with a
// real TLS client sending real KMIP requests.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { decode, encode, fromXml, toText } from '../../src/entries/ttlv.js';
import { createServer, generateDevCertificates, ServerError, type KmipServer } from '../../src/server/index.js';
import { ROOT } from '../helpers/testdata.js';

const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-createserver-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const createRequest = Buffer.from(readFileSync(join(ROOT, 'examples', 'create-request.hex'), 'utf8').trim(), 'hex');

function getRequest(uid: string): Buffer {
  return encode(
    fromXml(`<RequestMessage><RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
      <ProtocolVersionMinor type="Integer" value="4"/></ProtocolVersion><BatchCount type="Integer" value="1"/></RequestHeader>
      <BatchItem><Operation type="Enumeration" value="Get"/><RequestPayload><UniqueIdentifier type="TextString" value="${uid}"/>
      </RequestPayload></BatchItem></RequestMessage>`),
  );
}

/** One request over a fresh TLS connection with the server's client certificate; the response as text. */
function send(server: KmipServer, request: Buffer): Promise<string> {
  const { caPem, clientCertPem, clientKeyPem } = server.certificates;
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: server.address.port, servername: 'localhost', ca: caPem, cert: clientCertPem, key: clientKeyPem });
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('secureConnect', () => s.write(request));
    s.on('data', (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      if (buf.length >= 8 && buf.length >= 8 + buf.readUInt32BE(4)) {
        s.end();
        resolve(toText(decode(buf)));
      }
    });
    s.on('close', () => reject(new Error(`closed after ${buf.length} bytes`)));
  });
}

const uidOf = (text: string) => /UniqueIdentifier TextString "([^"]+)"/.exec(text)?.[1];

describe('createServer', () => {
  it('with no options: in-memory store, in-memory development certificates, loopback only', async () => {
    const server = await createServer({ port: 0 });
    try {
      expect(server.address.host).toBe('127.0.0.1');
      expect(server.storeKind).toBe('memory');
      expect(server.certificates.dir).toBeUndefined();
      const created = await send(server, createRequest);
      expect(created).toMatch(/ResultStatus Enumeration Success/);
      expect(await send(server, getRequest(uidOf(created)!))).toMatch(/ResultStatus Enumeration Success[\s\S]*SymmetricKey/);
    } finally {
      await server.close();
    }
    await expect(send(server, createRequest)).rejects.toThrow();
  });

  it('with a data directory: SQLite and certificates on disk; objects survive a restart', async () => {
    const dataDir = join(tmp, 'data');
    const first = await createServer({ port: 0, dataDir });
    let uid: string | undefined;
    try {
      expect(first.storeKind).toBe('sqlite');
      expect(first.certificates.dir).toBe(join(dataDir, 'certs'));
      expect(statSync(join(dataDir, 'kmipkit.db')).isFile()).toBe(true);
      expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
      uid = uidOf(await send(first, createRequest));
      expect(uid).toBeDefined();
    } finally {
      await first.close();
    }
    const second = await createServer({ port: 0, dataDir });
    try {
      expect(second.certificates.caPem).toBe(first.certificates.caPem);
      expect(await send(second, getRequest(uid!))).toMatch(/ResultStatus Enumeration Success/);
    } finally {
      await second.close();
    }
  });

  it('with certificates given: uses them, passes the client pair through, refuses other CAs', async () => {
    const [set, other] = await Promise.all([generateDevCertificates(), generateDevCertificates()]);
    const server = await createServer({
      port: 0,
      tls: { ca: set.caPem, cert: set.serverCertPem, key: set.serverKeyPem, clientCert: set.clientCertPem, clientKey: set.clientKeyPem },
    });
    try {
      expect(server.certificates).toEqual({ caPem: set.caPem, clientCertPem: set.clientCertPem, clientKeyPem: set.clientKeyPem, dir: undefined });
      expect(await send(server, createRequest)).toMatch(/ResultStatus Enumeration Success/);
      const stranger = { ...server, certificates: { caPem: set.caPem, clientCertPem: other.clientCertPem!, clientKeyPem: other.clientKeyPem! } };
      await expect(send(stranger, createRequest)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });

  it("store 'sqlite' without a data directory is a typed options error", async () => {
    const err = await createServer({ port: 0, store: 'sqlite' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).code).toBe('ERR_SERVER_OPTIONS');
    expect((err as ServerError).message).toMatch(/needs dataDir/);
  });

  it('a port in use fails createServer with ERR_TRANSPORT_LISTEN', async () => {
    const a = await createServer({ port: 0 });
    try {
      await expect(createServer({ port: a.address.port })).rejects.toMatchObject({ code: 'ERR_TRANSPORT_LISTEN' });
    } finally {
      await a.close();
    }
  });
});
