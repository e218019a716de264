// collectServer's decisions with a scripted client (the real servers are in test/cli/inventory.test.ts):
// the fallback to named attributes, objects that vanish or are refused, refused storage masks, and
// failures at every stage, each reported rather than thrown.
import { describe, expect, it } from 'vitest';
import {
  KmipTransportError, PermissionDeniedError, ItemNotFoundError, OperationNotSupportedError, InvalidFieldError, KmipProtocolError,
  type KmipClientOptions, type Attributes,
} from '../../src/client/index.js';
import { ResultReason } from '../../src/dict/index.js';
import { collectServer, runInventory, type InventoryClient, type InventoryTarget } from '../../src/inventory/index.js';

const TARGET: InventoryTarget = { name: 'fake', client: { servers: ['127.0.0.1:1'], tls: { ca: '', cert: '', key: '' } } };

interface Script {
  version?: string | Error;
  locate?: (filter: Record<string, unknown>) => string[] | Error;
  attrs?: (uid: string, names: readonly string[] | undefined) => Attributes | Error;
}

function fake(script: Script): { create: (o: KmipClientOptions) => InventoryClient; calls: string[]; closed: () => boolean; options: () => KmipClientOptions | undefined } {
  const calls: string[] = [];
  let closed = false;
  let seen: KmipClientOptions | undefined;
  const create = (o: KmipClientOptions): InventoryClient => {
    seen = o;
    return {
      version: async () => {
        calls.push('version');
        if (script.version instanceof Error) throw script.version;
        return script.version ?? '2.1';
      },
      locateAll: async function* (_attrs: unknown, filter: Record<string, unknown> = {}) {
        calls.push(`locate ${JSON.stringify(filter.storageStatusMask ?? null)}`);
        const r = script.locate ? script.locate(filter) : [];
        if (r instanceof Error) throw r;
        yield* r;
      } as InventoryClient['locateAll'],
      getAttributes: async (uid: string, names?: readonly string[]) => {
        calls.push(`attrs ${uid}${names ? ' named' : ''}`);
        const r = script.attrs ? script.attrs(uid, names) : { state: 'Active' };
        if (r instanceof Error) throw r;
        return { uniqueIdentifier: uid, attributes: r };
      },
      close: async () => {
        closed = true;
      },
    };
  };
  return { create, calls, closed: () => closed, options: () => seen };
}

const refused = (E: typeof PermissionDeniedError, operation: string) =>
  new E({ status: 'OperationFailed', reasonCode: ResultReason[E.name.replace(/Error$/, '') as keyof typeof ResultReason], operation });

describe('collectServer', () => {
  it('asks for archived and (2.0+) destroyed objects; rows in Locate order; the client is closed', async () => {
    const f = fake({ locate: () => ['a', 'b', 'c'], attrs: (uid) => ({ state: uid === 'b' ? 'Destroyed' : 'Active', name: [uid] }) });
    const { server, objects } = await collectServer(TARGET, { createClient: f.create, concurrency: 3 });
    expect(server).toEqual({ name: 'fake', address: '127.0.0.1:1', status: 'ok', version: '2.1', located: 3, objects: 3, complete: true, notes: [] });
    expect(objects.map((o) => [o.uniqueIdentifier, o.state])).toEqual([['a', 'Active'], ['b', 'Destroyed'], ['c', 'Active']]);
    expect(f.calls[1]).toBe('locate ["OnLineStorage","ArchivalStorage","DestroyedStorage"]');
    expect(f.options()!.maxConnectionsPerServer).toBe(3);
    expect(f.closed()).toBe(true);

    const old = fake({ version: '1.4', locate: () => ['a'] });
    const r14 = await collectServer(TARGET, { createClient: old.create });
    expect(old.calls[1]).toBe('locate ["OnLineStorage","ArchivalStorage"]');
    expect(r14.server.notes).toEqual(['KMIP 1.4 cannot ask for destroyed objects: they are not listed']);
    const noDestroyed = fake({ locate: () => [] });
    const r0 = await collectServer(TARGET, { createClient: noDestroyed.create, includeDestroyed: false });
    expect(noDestroyed.calls[1]).toBe('locate ["OnLineStorage","ArchivalStorage"]');
    expect(r0.server).toMatchObject({ status: 'ok', located: 0, objects: 0, complete: true, notes: [] });
  });

  it('a refused storage mask falls back to a plain Locate, with a note', async () => {
    const f = fake({ locate: (filter) => (filter.storageStatusMask ? refused(InvalidFieldError, 'Locate') : ['x']) });
    const { server, objects } = await collectServer(TARGET, { createClient: f.create });
    expect(f.calls.slice(1, 3)).toEqual(['locate ["OnLineStorage","ArchivalStorage","DestroyedStorage"]', 'locate null']);
    expect(server.notes).toEqual([expect.stringMatching(/^Locate with Storage Status Mask OnLineStorage\|ArchivalStorage\|DestroyedStorage was refused .*: on-line objects only$/)]);
    expect(objects.map((o) => o.uniqueIdentifier)).toEqual(['x']);
  });

  it('"all attributes" refused: asks by name from then on, noted once; refused or vanished objects keep a row with the reason', async () => {
    const f = fake({
      locate: () => ['1', '2', 'gone', 'secret'],
      attrs: (uid, names) => {
        if (uid === 'gone') return refused(ItemNotFoundError, 'GetAttributes');
        if (!names) return refused(OperationNotSupportedError, 'GetAttributes');
        if (uid === 'secret') return refused(PermissionDeniedError, 'GetAttributes');
        expect(names).toEqual(expect.arrayContaining(['state', 'name', 'link', 'deactivationDate', 'rotateAutomatic']));
        return { state: 'Active', name: [`n${uid}`] };
      },
    });
    const { server, objects } = await collectServer(TARGET, { createClient: f.create, concurrency: 1 });
    expect(server).toMatchObject({ status: 'ok', complete: true, located: 4, objects: 4 });
    expect(server.notes).toEqual(['Get Attributes without names was refused (OperationNotSupported): attributes were asked for by name']);
    expect(f.calls.slice(2)).toEqual(['attrs 1', 'attrs 1 named', 'attrs 2 named', 'attrs gone named', 'attrs secret named']);
    expect(objects.map((o) => [o.uniqueIdentifier, o.names, o.error])).toEqual([
      ['1', ['n1'], undefined],
      ['2', ['n2'], undefined],
      ['gone', [], 'gone between Locate and Get Attributes (ItemNotFound)'],
      ['secret', [], 'Get Attributes refused: PermissionDenied'],
    ]);
  });

  it('failures become the server entry: before Locate, at Locate, and part way (rows read so far kept)', async () => {
    const unreachable = await collectServer(TARGET, { createClient: fake({ version: new KmipTransportError('CONNECT', 'connect ECONNREFUSED 127.0.0.1:1') }).create });
    expect(unreachable.server).toMatchObject({ status: 'failed', complete: false, located: 0, objects: 0 });
    expect(unreachable.server.error).toEqual({ kind: 'connection', message: 'cannot reach a KMIP server at 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1. Is it running? Check the address in --server or --targets' });

    const tls = await collectServer(TARGET, { createClient: fake({ version: new KmipTransportError('CONNECT', 'unable to get local issuer certificate') }).create });
    expect(tls.server.error).toMatchObject({ kind: 'tls', message: expect.stringMatching(/^TLS failure with 127\.0\.0\.1:1: .*Check this server's ca\/cert\/key/) });

    const denied = await collectServer(TARGET, { createClient: fake({ locate: () => refused(PermissionDeniedError, 'Locate') }).create });
    expect(denied.server.error).toEqual({ kind: 'kmip', reason: 'PermissionDenied', message: '127.0.0.1:1 refused Locate: PermissionDenied. Check that these credentials may locate objects on this server' });

    let n = 0;
    const dying = fake({
      locate: () => ['a', 'b', 'c', 'd'],
      attrs: (uid) => (++n === 3 ? new KmipTransportError('CLOSED', 'the server closed the connection') : { state: 'Active', name: [uid] }),
    });
    const mid = await collectServer(TARGET, { createClient: dying.create, concurrency: 1 });
    expect(mid.server).toMatchObject({ status: 'failed', complete: false, located: 4, objects: 2, error: { kind: 'connection' } });
    expect(mid.server.error!.message).toBe('lost 127.0.0.1:1 after 2 of 4 objects (the report lists those read): the server closed the connection. Check that the server is running, then run the inventory again');
    expect(mid.objects.map((o) => o.uniqueIdentifier)).toEqual(['a', 'b']);
    expect(dying.closed()).toBe(true);

    const garbled = await collectServer(TARGET, { createClient: fake({ locate: () => ['a'], attrs: () => new KmipProtocolError('invalid GetAttributes response') }).create });
    expect(garbled.server.error).toMatchObject({ kind: 'protocol', message: expect.stringMatching(/not valid KMIP after 0 of 1 objects/) });
  });

  it('runInventory: servers side by side, findings across them, duplicate names refused', async () => {
    const now = new Date('2026-06-15T00:00:00Z');
    const good = fake({ locate: () => ['k'], attrs: () => ({ objectType: 'SymmetricKey', state: 'Compromised' }) });
    const bad = fake({ version: new KmipTransportError('CONNECT', 'connect ECONNREFUSED') });
    const byName: Record<string, (o: KmipClientOptions) => InventoryClient> = { '127.0.0.1:1': good.create, '127.0.0.1:2': bad.create };
    const report = await runInventory(
      [TARGET, { name: 'down', client: { ...TARGET.client, servers: ['127.0.0.1:2'] } }],
      { now, createClient: (o) => byName[o.servers[0] as string](o) },
    );
    expect(report.generatedAt).toBe('2026-06-15T00:00:00.000Z');
    expect(report.servers.map((s) => [s.name, s.status])).toEqual([['fake', 'ok'], ['down', 'failed']]);
    expect(report.objects[0].findings.map((f) => f.code)).toEqual(['compromised-in-use']);
    expect(report.summary).toEqual({ servers: 2, serversFailed: 1, objects: 1, byState: { Compromised: 1 }, findings: { 'compromised-in-use': 1 } });
    await expect(runInventory([TARGET, TARGET], { now })).rejects.toThrow(/two targets are named "fake"/);
  });
});
