// The error classes, and the three kinds of failure kept apart: a KMIP failure (KmipError and its
// per-reason subclasses), an answer that is not a KMIP response (KmipProtocolError, from a real TLS
// peer that answers nonsense), and no answer at all (KmipTransportError).
import { createServer as createTlsServer, type Server } from 'node:tls';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from '../../src/client/index.js';
import { KmipClient, KmipError, KmipProtocolError, KmipTransportError, errorClassFor, errorClassName, kmipError } from '../../src/client/index.js';
import { parseResponse, requestMessage } from '../../src/client/messages.js';
import { Tag, enumByName } from '../../src/dict/index.js';
import { enm, int, struct } from '../../src/kmip/items.js';
import { generateDevCertificates, type CertificateSet } from '../../src/server/index.js';
import { encode } from '../../src/ttlv/index.js';

describe('one class per Result Reason', () => {
  const reasons = enumByName('ResultReason')!.values;

  it('every Result Reason of the dictionary has its exported subclass, and no class lacks a reason', () => {
    const exported = client as unknown as Record<string, unknown>;
    for (const [name, code] of reasons) {
      const C = exported[errorClassName(name)];
      expect(C, name).toBeTypeOf('function');
      expect(errorClassFor(code)).toBe(C);
      const e = kmipError({ status: 'OperationFailed', reasonCode: code, resultMessage: 'm', batchIndex: 2, operation: 'Get' });
      expect(e).toBeInstanceOf(C as new () => Error);
      expect(e).toBeInstanceOf(KmipError);
      expect(e).toBeInstanceOf(Error);
      expect(e).toMatchObject({ name: errorClassName(name), reason: name, reasonCode: code, batchIndex: 2, status: 'OperationFailed', operation: 'Get' });
    }
    const classes = Object.entries(exported).filter(([, v]) => typeof v === 'function' && (v as { prototype: unknown }).prototype instanceof KmipError);
    expect(classes.length).toBe(reasons.length);
  });

  it('subclasses are distinct: an ItemNotFoundError is not a PermissionDeniedError', () => {
    const e = kmipError({ status: 'OperationFailed', reasonCode: 0x01 });
    expect(e).toBeInstanceOf(client.ItemNotFoundError);
    expect(e).not.toBeInstanceOf(client.PermissionDeniedError);
    expect(e.message).toBe('OperationFailed (ItemNotFound)');
  });

  it('a reason code no edition defines is a plain KmipError with the code kept', () => {
    const e = kmipError({ status: 'OperationFailed', reasonCode: 0x8000_0001 });
    expect(e.constructor).toBe(KmipError);
    expect(e.reasonCode).toBe(0x8000_0001);
  });

  it('transport and protocol errors are not KmipErrors', () => {
    expect(new KmipProtocolError('x')).not.toBeInstanceOf(KmipError);
    expect(new KmipTransportError('CLOSED', 'x')).not.toBeInstanceOf(KmipError);
  });
});

describe('responses that are not KMIP responses', () => {
  const items = [{ operation: 'Query', payload: [] }];
  const header = (count: number) => struct(Tag.ResponseHeader, [
    struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, 2), int(Tag.ProtocolVersionMinor, 1)]), int(Tag.BatchCount, count),
  ]);
  const cases: [string, Uint8Array][] = [
    ['not TTLV', new Uint8Array([1, 2, 3])],
    ['a request, not a response', encode(requestMessage(21, items))],
    ['no header', encode(struct(Tag.ResponseMessage, []))],
    ['batch count 2, one item', encode(struct(Tag.ResponseMessage, [header(2), struct(Tag.BatchItem, [enm(Tag.Operation, 0x18), enm(Tag.ResultStatus, 0)])]))],
    ['no Result Status', encode(struct(Tag.ResponseMessage, [header(1), struct(Tag.BatchItem, [enm(Tag.Operation, 0x18)])]))],
    ['the answer to another operation', encode(struct(Tag.ResponseMessage, [header(1), struct(Tag.BatchItem, [enm(Tag.Operation, 0x0a), enm(Tag.ResultStatus, 0)])]))],
    ['Result Status of the wrong type', encode(struct(Tag.ResponseMessage, [header(1), struct(Tag.BatchItem, [enm(Tag.Operation, 0x18), int(Tag.ResultStatus, 0)])]))],
  ];
  it.each(cases)('%s: KmipProtocolError', (_, bytes) => {
    expect(() => parseResponse(bytes, items)).toThrow(KmipProtocolError);
  });

  it('a failed item without a payload is a typed error, not a crash (RELIABILITY #15)', () => {
    const bytes = encode(struct(Tag.ResponseMessage, [header(1), struct(Tag.BatchItem, [enm(Tag.Operation, 0x18), enm(Tag.ResultStatus, 1), enm(Tag.ResultReason, 0x0c)])]));
    const r = parseResponse(bytes, items);
    expect(r.items[0]?.error).toBeInstanceOf(client.PermissionDeniedError);
  });

  describe('a real TLS peer that echoes requests back', () => {
    let certs: CertificateSet;
    let peer: Server;
    let port: number;
    beforeAll(async () => {
      certs = await generateDevCertificates();
      peer = createTlsServer({ ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem, requestCert: true }, (s) => s.on('data', (d) => s.write(d)));
      await new Promise<void>((r) => peer.listen(0, '127.0.0.1', r));
      port = (peer.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((r) => peer.close(() => r())));

    it('is a KmipProtocolError, both when negotiating and on a pinned version', async () => {
      const tls = { ca: certs.caPem, cert: certs.clientCertPem!, key: certs.clientKeyPem! };
      for (const version of [undefined, '2.1'] as const) {
        const c = new KmipClient({ servers: [{ host: '127.0.0.1', port }], tls, version });
        try {
          await expect(c.query()).rejects.toBeInstanceOf(KmipProtocolError);
        } finally {
          await c.close();
        }
      }
    });
  });

  it('a peer that never answers: KmipTransportError TIMEOUT within the call\'s timeoutMs, retries included', async () => {
    const certs = await generateDevCertificates();
    const silent = createTlsServer({ ca: certs.caPem, cert: certs.serverCertPem, key: certs.serverKeyPem, requestCert: true }, (s) => s.resume());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const c = new KmipClient({ servers: [{ host: '127.0.0.1', port }], version: '2.1', tls: { ca: certs.caPem, cert: certs.clientCertPem!, key: certs.clientKeyPem! } });
    try {
      const t0 = Date.now();
      const err = await c.query(undefined, { timeoutMs: 400 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmipTransportError);
      expect(err).toMatchObject({ code: 'TIMEOUT' });
      // Bounded: not the 30 s default (the figure is loose on purpose; this machine is shared).
      expect(Date.now() - t0).toBeLessThan(5_000);
    } finally {
      await c.close();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('an AbortSignal stops a call stuck in the TLS handshake (a peer that accepts TCP and says nothing)', async () => {
    const certs = await generateDevCertificates();
    const held = new Set<Socket>();
    const mute = createNetServer((s) => held.add(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', r));
    const port = (mute.address() as AddressInfo).port;
    const c = new KmipClient({ servers: [{ host: '127.0.0.1', port }], tls: { ca: certs.caPem, cert: certs.clientCertPem!, key: certs.clientKeyPem! } });
    try {
      const err = await c.query(undefined, { signal: AbortSignal.timeout(200) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmipTransportError);
      expect(err).toMatchObject({ code: 'ABORTED' });
    } finally {
      await c.close();
      for (const s of held) s.destroy();
      await new Promise<void>((r) => mute.close(() => r()));
    }
  });

  it('no server: KmipTransportError CONNECT, naming the server', async () => {
    const certs = await generateDevCertificates();
    const idle = createTlsServer({});
    await new Promise<void>((r) => idle.listen(0, '127.0.0.1', r));
    const port = (idle.address() as AddressInfo).port;
    await new Promise<void>((r) => idle.close(() => r()));
    const c = new KmipClient({ servers: [`127.0.0.1:${port}`], tls: { ca: certs.caPem, cert: certs.clientCertPem!, key: certs.clientKeyPem! } });
    try {
      const err = await c.get('x').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KmipTransportError);
      expect(err).toMatchObject({ code: 'CONNECT' });
      expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    } finally {
      await c.close();
    }
  });
});
