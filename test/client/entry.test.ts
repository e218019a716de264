// kmipkit/client as a user imports it (from dist/, which `npm test` builds first), against a real server.
import { describe, expect, it } from 'vitest';

describe('kmipkit/client entry point', () => {
  it('exports the client, the error classes and connect(); they work against kmipkit/testing', async () => {
    const m = await import('kmipkit/client');
    for (const name of ['KmipClient', 'connect', 'KmipBatch', 'KmipError', 'KmipProtocolError', 'KmipTransportError', 'ItemNotFoundError', 'PermissionDeniedError', 'ObjectNotFoundError', 'errorClassFor'])
      expect(typeof (m as Record<string, unknown>)[name], name).toBe('function');
    const { createClientAndServer } = await import('kmipkit/testing');
    const kmip = await createClientAndServer();
    const client = await m.connect({ servers: [kmip.server.address], tls: kmip.tls });
    try {
      const { uniqueIdentifier } = await client.create({ cryptographicAlgorithm: 'AES', cryptographicLength: 128, cryptographicUsageMask: ['Encrypt'] });
      expect((await client.getAttributes(uniqueIdentifier, ['cryptographicLength'])).attributes).toEqual({ cryptographicLength: 128 });
      await expect(client.get('missing')).rejects.toBeInstanceOf(m.ObjectNotFoundError);
    } finally {
      await client.close();
      await kmip.close();
    }
  });
});
