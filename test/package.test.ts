// The published entry points, imported by package name as a user would (from dist/, which
// `npm test` builds first).
import { describe, expect, it } from 'vitest';

describe('package entry points', () => {
  it('kmipkit/ttlv has the codec, the framer, the loader info and the XML/JSON encodings', async () => {
    const m = await import('kmipkit/ttlv');
    for (const name of ['decode', 'encode', 'decodePrefix', 'validate', 'scan', 'TtlvFramer', 'createFramerStream', 'fromXml', 'toXml', 'fromJson', 'toJson', 'toText'])
      expect(typeof (m as Record<string, unknown>)[name], name).toBe('function');
    const item = m.fromXml('<Operation type="Enumeration" value="Get"/>');
    expect(m.toHex(m.encode(item))).toBe('42005C05000000040000000A00000000');
    expect(m.codecInfo.mode).toMatch(/^(off|auto|require)$/);
  });

  it('kmipkit/dict and kmipkit', async () => {
    const dict = await import('kmipkit/dict');
    expect(dict.Tag.ActivationDate).toBe(0x420001);
    const root = await import('kmipkit');
    expect(root.dict.tagName(0x420001)).toBe('ActivationDate');
    expect(typeof root.decode).toBe('function');
  });

  it('kmipkit/testing: a client and a real server in one call; the server entry is kmipkit/server', async () => {
    const { createServer } = await import('kmipkit/server');
    expect(typeof createServer).toBe('function');
    const t = await import('kmipkit/testing');
    const { dict } = await import('kmipkit');
    const { Tag, ObjectType, CryptographicAlgorithm } = dict;
    const kmip = await t.createClientAndServer();
    try {
      expect(kmip.server.address.port).toBeGreaterThan(0);
      const created = await kmip.client.call('Create', [
        t.enm(Tag.ObjectType, ObjectType.SymmetricKey),
        t.struct(Tag.Attributes, [t.enm(Tag.CryptographicAlgorithm, CryptographicAlgorithm.AES), t.int(Tag.CryptographicLength, 256), t.int(Tag.CryptographicUsageMask, 12)]),
      ]);
      const uid = t.read.text(t.child(created, Tag.UniqueIdentifier))!;
      expect(uid).toMatch(/\S/);
      // A second connection, as the same principal, at KMIP 1.4: Get returns 32 bytes of key.
      const other = await kmip.connect([1, 4]);
      const got = await other.call('Get', [t.text(Tag.UniqueIdentifier, uid)]);
      const keyBytes = t.read.bytes(t.child(t.child(t.child(t.child(got, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial));
      expect(keyBytes?.length).toBe(32);
      // A failure is a KmipResultError carrying the Result Reason by name.
      const err = await kmip.client.call('Get', [t.text(Tag.UniqueIdentifier, 'no-such-object')]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(t.KmipResultError);
      expect((err as InstanceType<typeof t.KmipResultError>).reason).toBe('ObjectNotFound');
      const files = kmip.tlsFiles();
      const { readFileSync } = await import('node:fs');
      expect(readFileSync(files.ca, 'utf8')).toBe(kmip.tls.ca);
    } finally {
      await kmip.close();
    }
    // Closed means closed: the port no longer accepts TLS.
    const { connect } = await import('node:net');
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(kmip.server.address.port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(false); });
      s.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });
});
