// The engine over an in-memory store: message-level rules (versions, batches, placeholders, limits,
// bad input), access control, the lifecycle through operations, Re-key, and Query advertising only
// what works.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import {
  BatchErrorContinuationOption as BEC, CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, KeyFormatType, LinkType, ObjectType, Operation as Op,
  QueryFunction, ResultReason as RR, ResultStatus as RS, RevocationReasonCode, State, Tag,
} from '../../src/dict/index.js';
import { encode, ItemType, type TtlvItem } from '../../src/ttlv/index.js';
import { bytes, date, interval } from '../../src/kmip/items.js';
import { MAX_BATCH_ITEMS } from '../../src/kmip/message.js';
import { pykmipOmissions } from '../../src/kmip/compat.js';
import { child, children, enm, int, read, request, struct, testEngine, text, uidIn } from '../helpers/kmip.js';

const V21 = [2, 1] as const;
const V14 = [1, 4] as const;

const aes2x = (extra: TtlvItem[] = []) => [
  enm(Tag.ObjectType, ObjectType.SymmetricKey),
  struct(Tag.Attributes, [
    enm(Tag.CryptographicAlgorithm, Alg.AES),
    int(Tag.CryptographicLength, 256),
    int(Tag.CryptographicUsageMask, Mask.Encrypt | Mask.Decrypt),
    ...extra,
  ]),
];
const attr1x = (name: string, value: TtlvItem) => struct(Tag.Attribute, [text(Tag.AttributeName, name), { ...value, tag: Tag.AttributeValue } as TtlvItem]);
const aes1x = (extra: TtlvItem[] = []) => [
  enm(Tag.ObjectType, ObjectType.SymmetricKey),
  struct(Tag.TemplateAttribute, [
    attr1x('Cryptographic Algorithm', enm(0, Alg.AES)),
    attr1x('Cryptographic Length', int(0, 128)),
    attr1x('Cryptographic Usage Mask', int(0, Mask.Encrypt | Mask.Decrypt)),
    ...extra,
  ]),
];
const uidP = (uid: string) => [text(Tag.UniqueIdentifier, uid)];
const name2x = (v: string) => struct(Tag.Name, [text(Tag.NameValue, v), enm(Tag.NameType, 1)]);
const revokeP = (uid: string, code: number) => [text(Tag.UniqueIdentifier, uid), struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, code)])];

async function stateOf(e: Awaited<ReturnType<typeof testEngine>>, uid: string): Promise<number> {
  const p = await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, uid), enm(Tag.AttributeReference, Tag.State)]);
  return read.enum(child(child(p, Tag.Attributes), Tag.State))!;
}

describe('messages', () => {
  it('answers in the version the client used', async () => {
    const e = await testEngine();
    for (const v of [[1, 0], [1, 2], [1, 4], [2, 0], [2, 1]] as const) {
      const r = await e.send(v, [{ op: Op.Query, payload: [enm(Tag.QueryFunction, QueryFunction.QueryOperations)] }]);
      expect(r.version).toEqual(v);
      expect(r.items[0].status).toBe(RS.Success);
    }
  });

  it('refuses an unknown version with a response in a version it speaks', async () => {
    const e = await testEngine();
    const r = await e.send([3, 0], [{ op: Op.Query, payload: [] }]);
    expect(r.version).toEqual([2, 1]);
    expect(r.items[0]).toMatchObject({ status: RS.OperationFailed, reason: RR.UnsupportedProtocolVersion });
  });

  it('Discover Versions answers only with versions from the client list, best first', async () => {
    const e = await testEngine();
    const pv = (a: number, b: number) => struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, a), int(Tag.ProtocolVersionMinor, b)]);
    const p = await e.ok(V14, Op.DiscoverVersions, [pv(1, 2), pv(3, 0), pv(2, 0), pv(1, 4)]);
    const got = children(p, Tag.ProtocolVersion).map((v) => `${read.int(child(v, Tag.ProtocolVersionMajor))}.${read.int(child(v, Tag.ProtocolVersionMinor))}`);
    expect(got).toEqual(['2.0', '1.4', '1.2']);
    const all = await e.ok(V14, Op.DiscoverVersions, []);
    expect(children(all, Tag.ProtocolVersion)).toHaveLength(7);
  });

  it('malformed TTLV gets an Invalid Message response, not a dropped request', async () => {
    const e = await testEngine();
    const good = request(V21, [{ op: Op.Query, payload: [] }]);
    const bad = Uint8Array.from(good);
    bad[3] = 0x0c; // the root's item type
    const r = await e.engine.handle(bad, { principal: 'alice' });
    const { response } = await import('../helpers/kmip.js');
    expect(response(r).items[0]).toMatchObject({ status: RS.OperationFailed, reason: RR.InvalidMessage });
  });

  it('a Batch Count that differs from the items present is Invalid Message', async () => {
    const e = await testEngine();
    const msg = struct(Tag.RequestMessage, [
      struct(Tag.RequestHeader, [struct(Tag.ProtocolVersion, [int(Tag.ProtocolVersionMajor, 2), int(Tag.ProtocolVersionMinor, 1)]), int(Tag.BatchCount, 1_000_000)]),
      struct(Tag.BatchItem, [enm(Tag.Operation, Op.Query)]),
    ]);
    const { response } = await import('../helpers/kmip.js');
    const r = response(await e.engine.handle(encode(msg), { principal: 'alice' }));
    expect(r.items[0]).toMatchObject({ status: RS.OperationFailed, reason: RR.InvalidMessage });
    expect(r.items[0].message).toMatch(/Batch Count/);
  });

  it(`more than ${MAX_BATCH_ITEMS} batch items is Invalid Message`, async () => {
    const e = await testEngine();
    const items = Array.from({ length: MAX_BATCH_ITEMS + 1 }, () => ({ op: Op.Query, payload: [] }));
    const r = await e.send(V21, items);
    expect(r.items).toHaveLength(1);
    expect(r.items[0].reason).toBe(RR.InvalidMessage);
  });

  it('an unsupported operation fails with Operation Not Supported, as does a 2.x one in 1.x', async () => {
    const e = await testEngine();
    expect((await e.send(V21, [{ op: Op.Poll, payload: [] }])).items[0].reason).toBe(RR.OperationNotSupported);
    expect((await e.send(V14, [{ op: Op.SetAttribute, payload: [] }])).items[0].reason).toBe(RR.OperationNotSupported);
  });

  it('echoes Unique Batch Item IDs and the Client Correlation Value', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Query, payload: [], id: Uint8Array.of(7) }], [text(Tag.ClientCorrelationValue, 'corr-1')]);
    expect(Array.from(r.items[0].id!)).toEqual([7]);
    expect(read.text(child(child(r.root, Tag.ResponseHeader), Tag.ClientCorrelationValue))).toBe('corr-1');
  });

  it('Maximum Response Size: too large fails with Response Too Large and writes nothing', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Create, payload: aes2x([name2x('big')]) }], [int(Tag.MaximumResponseSize, 40)]);
    expect(r.items[0]).toMatchObject({ status: RS.OperationFailed, reason: RR.ResponseTooLarge });
    const found = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [name2x('big')])]);
    expect(read.int(child(found, Tag.LocatedItems))).toBe(0);
  });

  it('a 2.x Asynchronous Indicator of Mandatory is refused; Optional is served synchronously', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Query, payload: [] }], [enm(Tag.AsynchronousIndicator, 1)]);
    expect(r.items[0].reason).toBe(RR.FeatureNotSupported);
    const r2 = await e.send(V21, [{ op: Op.Query, payload: [] }], [enm(Tag.AsynchronousIndicator, 2)]);
    expect(r2.items[0].status).toBe(RS.Success);
  });

  it('with credentials configured, a request without the right Username and Password is refused', async () => {
    const e = await testEngine({ credentials: [{ username: 'ops', password: 'pw-1' }] });
    const cred = (u: string, p: string) =>
      struct(Tag.Authentication, [struct(Tag.Credential, [enm(Tag.CredentialType, 1), struct(Tag.CredentialValue, [text(Tag.Username, u), text(Tag.Password, p)])])]);
    expect((await e.send(V21, [{ op: Op.Query, payload: [] }])).items[0].reason).toBe(RR.AuthenticationNotSuccessful);
    expect((await e.send(V21, [{ op: Op.Query, payload: [] }], [cred('ops', 'wrong')])).items[0].reason).toBe(RR.AuthenticationNotSuccessful);
    expect((await e.send(V21, [{ op: Op.Query, payload: [] }], [cred('ops', 'pw-1')])).items[0].status).toBe(RS.Success);
  });
});

describe('operation log', () => {
  it('one event per item once settled: names, principal, uid, never key material; undone items say so', async () => {
    const events: Record<string, unknown>[] = [];
    const e = await testEngine({ log: (ev) => events.push(ev) });
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x()));
    await e.ok(V21, Op.Get, uidP(uid));
    expect(events.map(({ ms, ...rest }) => (expect(typeof ms).toBe('number'), rest))).toEqual([
      { event: 'operation', operation: 'Create', principal: 'alice', status: 'Success', uid },
      { event: 'operation', operation: 'Get', principal: 'alice', status: 'Success', uid },
    ]);
    // Undo: the Create that succeeded is logged as undone, not as a success.
    events.length = 0;
    await e.send(V21, [{ op: Op.Create, payload: aes2x() }, { op: Op.Get, payload: uidP('nope') }], [enm(Tag.BatchErrorContinuationOption, 3)]);
    expect(events.map((ev) => [ev.operation, ev.status, ev.reason])).toEqual([
      ['Create', 'OperationUndone', undefined],
      ['Get', 'OperationFailed', 'ObjectNotFound'],
    ]);
    const text_ = JSON.stringify(events);
    expect(text_).not.toMatch(/KeyMaterial|key_material/i);
  });
});

describe('batches', () => {
  it('the ID Placeholder carries a Create into the items after it', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Create, payload: aes2x() }, { op: Op.Activate, payload: [] }, { op: Op.Get, payload: [] }]);
    expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.Success, RS.Success]);
    const uid = uidIn(r.items[0].payload!);
    expect(uidIn(r.items[2].payload!)).toBe(uid);
    expect(await stateOf(e, uid)).toBe(State.Active);
  });

  it('Stop: later items are not processed, earlier ones stand', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Create, payload: aes2x([name2x('stop-1')]) }, { op: Op.Get, payload: uidP('nope') }, { op: Op.Activate, payload: [] }]);
    expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.OperationFailed]);
    const uid = uidIn(r.items[0].payload!);
    expect(await stateOf(e, uid)).toBe(State.PreActive);
  });

  it('Continue: every item is processed', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Get, payload: uidP('nope') }, { op: Op.Create, payload: aes2x() }], [enm(Tag.BatchErrorContinuationOption, BEC.Continue)]);
    expect(r.items.map((i) => i.status)).toEqual([RS.OperationFailed, RS.Success]);
  });

  it('Undo: a failure rolls back the items before it, reported as Operation Undone', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Create, payload: aes2x([name2x('undo-1')]) }, { op: Op.Get, payload: uidP('nope') }], [enm(Tag.BatchErrorContinuationOption, BEC.Undo)]);
    expect(r.items.map((i) => i.status)).toEqual([RS.OperationUndone, RS.OperationFailed]);
    // An undone item keeps its Response Payload (BL-M-2-21); only the failed one has none.
    expect(read.text(child(r.items[0].payload!, Tag.UniqueIdentifier))).toBeTruthy();
    expect(r.items[1].payload).toBeUndefined();
    const found = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [name2x('undo-1')])]);
    expect(read.int(child(found, Tag.LocatedItems))).toBe(0);
  });

  // Batches run first without savepoints and, when an item fails, again with them (engine.ts, runBatch):
  // the answer, the stored objects and the log must be those of one run, on either store.
  it.each(['memory', 'sqlite'] as const)('a failure in a Continue batch: the objects and log events of one run (%s store)', async (kind) => {
    const dir = mkdtempSync(join(tmpdir(), 'kmipkit-engine-replay-'));
    const store = kind === 'memory' ? undefined : await openStore({ kind: 'sqlite', path: join(dir, 'kmip.db'), masterKey: randomBytes(32) });
    try {
      const events: Record<string, unknown>[] = [];
      const e = await testEngine({ log: (ev) => events.push(ev), ...(store ? { store } : {}) });
      const r = await e.send(
        V21,
        [{ op: Op.Create, payload: aes2x([name2x('replay-1')]) }, { op: Op.Get, payload: uidP('nope') }, { op: Op.Create, payload: aes2x([name2x('replay-2')]) }],
        [enm(Tag.BatchErrorContinuationOption, BEC.Continue)],
      );
      expect(r.items.map((i) => i.status)).toEqual([RS.Success, RS.OperationFailed, RS.Success]);
      for (const [i, name] of [[0, 'replay-1'], [2, 'replay-2']] as const) {
        const found = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [name2x(name)])]);
        expect(children(found, Tag.UniqueIdentifier).map((u) => read.text(u))).toEqual([uidIn(r.items[i].payload!)]);
      }
      expect(events.filter((ev) => ev.operation !== 'Locate').map((ev) => [ev.operation, ev.status])).toEqual([
        ['Create', 'Success'],
        ['Get', 'OperationFailed'],
        ['Create', 'Success'],
      ]);
    } finally {
      await store?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a failed item writes nothing (Add Attribute of a Name that would clash)', async () => {
    const e = await testEngine();
    const a = uidIn(await e.ok(V21, Op.Create, aes2x([name2x('a')])));
    const b = uidIn(await e.ok(V21, Op.Create, aes2x([name2x('b')])));
    const r = await e.send(V21, [{ op: Op.AddAttribute, payload: [text(Tag.UniqueIdentifier, b), struct(Tag.NewAttribute, [name2x('a')])] }]);
    expect(r.items[0].reason).toBe(RR.NonUniqueNameAttribute);
    const p = await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, b), enm(Tag.AttributeReference, Tag.Name)]);
    expect(children(child(p, Tag.Attributes)!, Tag.Name)).toHaveLength(1);
    void a;
  });
});

describe('access control', () => {
  it("another principal's objects are invisible to Locate and refused elsewhere", async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([name2x('secret')]), 'alice'));
    const found = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [name2x('secret')])], 'bob');
    expect(read.int(child(found, Tag.LocatedItems))).toBe(0);
    // Refused exactly as a missing object would be: the reason does not reveal that it exists.
    for (const op of [Op.Get, Op.GetAttributes, Op.Activate, Op.Destroy, Op.GetAttributeList]) {
      const r = await e.send(V21, [{ op, payload: uidP(uid) }], [], 'bob');
      expect(r.items[0].reason, `op ${op}`).toBe(RR.ObjectNotFound);
      const r14 = await e.send(V14, [{ op, payload: uidP(uid) }], [], 'bob');
      expect(r14.items[0].reason, `op ${op} at 1.4`).toBe(RR.ItemNotFound);
    }
    const own = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [name2x('secret')])], 'alice');
    expect(children(own, Tag.UniqueIdentifier).map(read.text)).toEqual([uid]);
  });

  it('a grant lets another principal perform the granted operations only', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x(), 'alice'));
    await e.store.transaction((tx) => tx.setGrant(uid, 'bob', [Op.Get]));
    const r = await e.send(V21, [{ op: Op.Activate, payload: uidP(uid) }], [], 'bob');
    expect(r.items[0].reason).toBe(RR.PermissionDenied);
    await e.ok(V21, Op.Activate, uidP(uid), 'alice');
    const got = await e.ok(V21, Op.Get, uidP(uid), 'bob');
    expect(read.enum(child(got, Tag.ObjectType))).toBe(ObjectType.SymmetricKey);
  });
});

describe('lifecycle through operations', () => {
  it('Destroy of an active key fails; revoked then destroyed, material gone, metadata kept', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x()));
    await e.ok(V21, Op.Activate, uidP(uid));
    expect((await e.send(V21, [{ op: Op.Destroy, payload: uidP(uid) }])).items[0].reason).toBe(RR.WrongKeyLifecycleState);
    expect((await e.send(V14, [{ op: Op.Destroy, payload: uidP(uid) }])).items[0].reason).toBe(RR.PermissionDenied);
    await e.ok(V21, Op.Revoke, revokeP(uid, RevocationReasonCode.CessationOfOperation));
    expect(await stateOf(e, uid)).toBe(State.Deactivated);
    await e.ok(V21, Op.Destroy, uidP(uid));
    expect(await stateOf(e, uid)).toBe(State.Destroyed);
    expect((await e.send(V21, [{ op: Op.Get, payload: uidP(uid) }])).items[0].reason).toBe(RR.ObjectDestroyed);
    await e.store.transaction(async (tx) => {
      expect(await tx.getMaterial(uid)).toBeUndefined();
      expect((await tx.get(uid))?.hasMaterial).toBe(false);
    });
    await e.ok(V21, Op.Revoke, [...revokeP(uid, RevocationReasonCode.KeyCompromise)]);
    expect(await stateOf(e, uid)).toBe(State.DestroyedCompromised);
  });

  it('Revoke with a non-compromise reason is refused for a Pre-Active key', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x()));
    const r = await e.send(V21, [{ op: Op.Revoke, payload: revokeP(uid, RevocationReasonCode.Superseded) }]);
    expect(r.items[0].reason).toBe(RR.WrongKeyLifecycleState);
  });

  it('an Activation Date moves the key when its time comes', async () => {
    let now = Date.UTC(2030, 0, 1);
    const e = await testEngine({ clock: () => now });
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([date(Tag.ActivationDate, now + 3_600_000), date(Tag.DeactivationDate, now + 7_200_000)])));
    expect(await stateOf(e, uid)).toBe(State.PreActive);
    now += 3_600_000;
    expect(await stateOf(e, uid)).toBe(State.Active);
    now += 3_600_000;
    expect(await stateOf(e, uid)).toBe(State.Deactivated);
  });

  it('a past Activation Date at Create makes the key Active at once', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([date(Tag.ActivationDate, Date.now() - 1000)])));
    expect(await stateOf(e, uid)).toBe(State.Active);
  });

  it('Activation Date cannot be modified once Active', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x()));
    await e.ok(V21, Op.Activate, uidP(uid));
    const r = await e.send(V21, [{ op: Op.ModifyAttribute, payload: [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [date(Tag.ActivationDate, Date.now() + 1e6)])] }]);
    expect(r.items[0].reason).toBe(RR.WrongKeyLifecycleState);
  });

  it('Archive hides an object from Get and default Locate until Recover', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([name2x('arch')])));
    await e.ok(V21, Op.Archive, uidP(uid));
    expect((await e.send(V21, [{ op: Op.Get, payload: uidP(uid) }])).items[0].reason).toBe(RR.ObjectArchived);
    const online = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [name2x('arch')])]);
    expect(read.int(child(online, Tag.LocatedItems))).toBe(0);
    const archived = await e.ok(V21, Op.Locate, [int(Tag.StorageStatusMask, 2), struct(Tag.Attributes, [name2x('arch')])]);
    expect(read.int(child(archived, Tag.LocatedItems))).toBe(1);
    await e.ok(V21, Op.Recover, uidP(uid));
    await e.ok(V21, Op.Get, uidP(uid));
  });
});

describe('objects and attributes', () => {
  it('Register then Get returns the same key, in Raw and Transparent Symmetric Key formats', async () => {
    const e = await testEngine();
    const key = Uint8Array.from({ length: 32 }, (_, i) => i * 7);
    const body = struct(Tag.SymmetricKey, [
      struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, key)]), enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256)]),
    ]);
    const uid = uidIn(await e.ok(V21, Op.Register, [enm(Tag.ObjectType, ObjectType.SymmetricKey), struct(Tag.Attributes, [int(Tag.CryptographicUsageMask, Mask.Encrypt)]), body]));
    const got = await e.ok(V21, Op.Get, uidP(uid));
    const km = child(child(child(child(got, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial)!;
    expect(Array.from(read.bytes(km)!)).toEqual(Array.from(key));
    const t = await e.ok(V21, Op.Get, [...uidP(uid), enm(Tag.KeyFormatType, KeyFormatType.TransparentSymmetricKey)]);
    const tk = child(child(child(child(child(t, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial), Tag.Key)!;
    expect(Array.from(read.bytes(tk)!)).toEqual(Array.from(key));
    const r = await e.send(V21, [{ op: Op.Get, payload: [...uidP(uid), enm(Tag.KeyFormatType, KeyFormatType.PKCS_8)] }]);
    expect(r.items[0].reason).toBe(RR.KeyFormatTypeNotSupported);
    // The digest of a registered key is the SHA-256 of its bytes.
    const attrs = await e.ok(V21, Op.GetAttributes, [...uidP(uid), enm(Tag.AttributeReference, Tag.Digest)]);
    const digest = read.bytes(child(child(child(attrs, Tag.Attributes), Tag.Digest), Tag.DigestValue))!;
    const { createHash } = await import('node:crypto');
    expect(Buffer.from(digest).toString('hex')).toBe(createHash('sha256').update(key).digest('hex'));
  });

  it('1.x attributes: Template-Attribute in, Attribute Name/Index/Value out, custom x- attributes', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V14, Op.Create, aes1x([attr1x('x-Team', text(0, 'blue')), attr1x('Name', struct(0, [text(Tag.NameValue, 'k1'), enm(Tag.NameType, 1)]))])));
    await e.ok(V14, Op.AddAttribute, [text(Tag.UniqueIdentifier, uid), attr1x('Name', struct(0, [text(Tag.NameValue, 'k1-alias'), enm(Tag.NameType, 1)]))]);
    const p = await e.ok(V14, Op.GetAttributes, [text(Tag.UniqueIdentifier, uid), text(Tag.AttributeName, 'Name'), text(Tag.AttributeName, 'x-Team')]);
    const attrs = children(p, Tag.Attribute).map((a) => [read.text(child(a, Tag.AttributeName)), read.int(child(a, Tag.AttributeIndex)) ?? 0]);
    expect(attrs).toEqual([['Name', 0], ['Name', 1], ['x-Team', 0]]);
    // The same object read in 2.1: vendor attribute form.
    const p2 = await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, uid), struct(Tag.AttributeReference, [text(Tag.VendorIdentification, 'x'), text(Tag.AttributeName, 'Team')])]);
    const va = child(child(p2, Tag.Attributes), Tag.Attribute)!;
    expect(read.text(child(va, Tag.AttributeValue))).toBe('blue');
    // Modify index 1, delete index 0.
    await e.ok(V14, Op.ModifyAttribute, [text(Tag.UniqueIdentifier, uid), struct(Tag.Attribute, [text(Tag.AttributeName, 'Name'), int(Tag.AttributeIndex, 1), struct(Tag.AttributeValue, [text(Tag.NameValue, 'k1-new'), enm(Tag.NameType, 1)])])]);
    await e.ok(V14, Op.DeleteAttribute, [text(Tag.UniqueIdentifier, uid), text(Tag.AttributeName, 'Name'), int(Tag.AttributeIndex, 0)]);
    const p3 = await e.ok(V14, Op.GetAttributes, [text(Tag.UniqueIdentifier, uid), text(Tag.AttributeName, 'Name')]);
    expect(children(p3, Tag.Attribute).map((a) => read.text(child(child(a, Tag.AttributeValue), Tag.NameValue)))).toEqual(['k1-new']);
  });

  it('omitFromAllAttributes leaves attributes out of all-attributes answers only', async () => {
    const plain = await testEngine();
    const compat = await testEngine({ omitFromAllAttributes: pykmipOmissions() });
    expect(pykmipOmissions()).toContain('Original Creation Date');
    expect(pykmipOmissions()).not.toContain('Name');
    for (const e of [plain, compat]) {
      const uid = uidIn(await e.ok(V14, Op.Create, aes1x()));
      const all = children(await e.ok(V14, Op.GetAttributes, uidP(uid)), Tag.Attribute).map((a) => read.text(child(a, Tag.AttributeName)));
      const list = children(await e.ok(V14, Op.GetAttributeList, uidP(uid)), Tag.AttributeName).map((a) => read.text(a));
      const named = children(await e.ok(V14, Op.GetAttributes, [...uidP(uid), text(Tag.AttributeName, 'Original Creation Date')]), Tag.Attribute);
      const omitted = e === compat;
      expect(all.includes('Original Creation Date')).toBe(!omitted);
      expect(list.includes('Original Creation Date')).toBe(!omitted);
      expect(all).toContain('Cryptographic Algorithm');
      expect(named).toHaveLength(1);
    }
  });

  it('an Attribute Reference with an empty Vendor Identification names a standard attribute', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([name2x('empty-vendor')])));
    const ref = struct(Tag.AttributeReference, [text(Tag.VendorIdentification, ''), text(Tag.AttributeName, 'Name')]);
    const got = await e.ok(V21, Op.GetAttributes, [...uidP(uid), ref]);
    expect(read.text(child(child(child(got, Tag.Attributes), Tag.Name), Tag.NameValue))).toBe('empty-vendor');
    await e.ok(V21, Op.DeleteAttribute, [...uidP(uid), ref]);
    const after = await e.ok(V21, Op.GetAttributes, [...uidP(uid), enm(Tag.AttributeReference, Tag.Name)]);
    expect(child(child(after, Tag.Attributes), Tag.Name)).toBeUndefined();
    const bad = struct(Tag.AttributeReference, [text(Tag.VendorIdentification, ''), text(Tag.AttributeName, 'No Such Attribute')]);
    const r = await e.send(V21, [{ op: Op.GetAttributes, payload: [...uidP(uid), bad] }]);
    expect(r.items[0].reason).toBe(RR.InvalidField);
  });

  it('read-only and single-valued attributes are refused with the 2.x reasons', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x()));
    const add = (a: TtlvItem) => e.send(V21, [{ op: Op.AddAttribute, payload: [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [a])] }]);
    expect((await add(enm(Tag.State, State.Active))).items[0].reason).toBe(RR.AttributeReadOnly);
    expect((await add(int(Tag.CryptographicLength, 128))).items[0].reason).toBe(RR.AttributeSingleValued);
    const mod = await e.send(V21, [{ op: Op.ModifyAttribute, payload: [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [enm(Tag.CryptographicAlgorithm, Alg.DES3)])] }]);
    expect(mod.items[0].reason).toBe(RR.AttributeReadOnly);
    const del = await e.send(V21, [{ op: Op.DeleteAttribute, payload: [text(Tag.UniqueIdentifier, uid), enm(Tag.AttributeReference, Tag.ContactInformation)] }]);
    expect(del.items[0].reason).toBe(RR.AttributeNotFound);
  });

  it('Set and Adjust Attribute (2.x)', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x()));
    await e.ok(V21, Op.SetAttribute, [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [text(Tag.ContactInformation, 'ops@example.org')])]);
    await e.ok(V21, Op.SetAttribute, [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [text(Tag.ContactInformation, 'sec@example.org')])]);
    await e.ok(V21, Op.AdjustAttribute, [text(Tag.UniqueIdentifier, uid), enm(Tag.AttributeReference, Tag.ProtectionPeriod), enm(Tag.AdjustmentType, 1), interval(Tag.AdjustmentValue, 60)]);
    await e.ok(V21, Op.AdjustAttribute, [text(Tag.UniqueIdentifier, uid), enm(Tag.AttributeReference, Tag.ProtectionPeriod), enm(Tag.AdjustmentType, 1), interval(Tag.AdjustmentValue, 60)]);
    const p = await e.ok(V21, Op.GetAttributes, [text(Tag.UniqueIdentifier, uid), enm(Tag.AttributeReference, Tag.ContactInformation), enm(Tag.AttributeReference, Tag.ProtectionPeriod)]);
    const a = child(p, Tag.Attributes)!;
    expect(read.text(child(a, Tag.ContactInformation))).toBe('sec@example.org');
    expect(read.interval(child(a, Tag.ProtectionPeriod))).toBe(120);
    const multi = await e.send(V21, [{ op: Op.SetAttribute, payload: [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [name2x('n')])] }]);
    expect(multi.items[0].reason).toBe(RR.MultiValuedAttribute);
  });

  it('Locate filters: usage mask bits, date ranges, paging, object group fresh', async () => {
    const e = await testEngine();
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(uidIn(await e.ok(V21, Op.Create, aes2x([text(Tag.ObjectGroup, 'g'), date(Tag.ActivationDate, t0 + (i + 1) * 86_400_000)]))));
    const loc = (attrs: TtlvItem[], extra: TtlvItem[] = []) => e.ok(V21, Op.Locate, [...extra, struct(Tag.Attributes, attrs)]);
    const uids = (p: TtlvItem) => children(p, Tag.UniqueIdentifier).map(read.text);
    expect(uids(await loc([int(Tag.CryptographicUsageMask, Mask.Encrypt)]))).toEqual(ids);
    expect(uids(await loc([int(Tag.CryptographicUsageMask, Mask.Sign)]))).toEqual([]);
    expect(uids(await loc([date(Tag.ActivationDate, t0 + 1.5 * 86_400_000), date(Tag.ActivationDate, t0 + 3.5 * 86_400_000)]))).toEqual(ids.slice(1, 3));
    const page = await loc([text(Tag.ObjectGroup, 'g')], [int(Tag.MaximumItems, 2), int(Tag.OffsetItems, 1)]);
    expect(uids(page)).toEqual(ids.slice(1, 3));
    expect(read.int(child(page, Tag.LocatedItems))).toBe(5);
    await e.ok(V21, Op.Get, uidP(ids[0]));
    expect(uids(await loc([text(Tag.ObjectGroup, 'g')], [enm(Tag.ObjectGroupMember, 1)]))).toEqual(ids.slice(1));
    expect(uids(await loc([enm(Tag.ObjectType, ObjectType.SecretData)]))).toEqual([]);
  });

  it('Re-key: new key linked both ways, names moved, dates shifted by the Offset, old key unchanged in state', async () => {
    const now = Date.UTC(2031, 5, 1);
    const e = await testEngine({ clock: () => now });
    const old = uidIn(await e.ok(V21, Op.Create, aes2x([name2x('rk'), date(Tag.DeactivationDate, now + 10 * 86_400_000)])));
    await e.ok(V21, Op.Activate, uidP(old));
    const fresh = uidIn(await e.ok(V21, Op.ReKey, [...uidP(old), interval(Tag.Offset, 3600)]));
    const attrs = async (uid: string) => child(await e.ok(V21, Op.GetAttributes, uidP(uid)), Tag.Attributes)!;
    const o = await attrs(old), n = await attrs(fresh);
    const links = (a: TtlvItem) => children(a, Tag.Link).map((l) => [read.enum(child(l, Tag.LinkType)), read.text(child(l, Tag.LinkedObjectIdentifier))]);
    expect(links(o)).toEqual([[LinkType.ReplacementObjectLink, fresh]]);
    expect(links(n)).toEqual([[LinkType.ReplacedObjectLink, old]]);
    expect(children(o, Tag.Name)).toHaveLength(0);
    expect(read.text(child(child(n, Tag.Name), Tag.NameValue))).toBe('rk');
    expect(read.date(child(n, Tag.ActivationDate))).toBe(now + 3_600_000);
    expect(read.date(child(n, Tag.DeactivationDate))).toBe(now + 3_600_000 + 10 * 86_400_000);
    expect(read.enum(child(n, Tag.State))).toBe(State.PreActive);
    expect(read.enum(child(o, Tag.State))).toBe(State.Active);
    const k1 = await e.ok(V21, Op.Get, uidP(old)), k2 = await e.ok(V21, Op.Get, uidP(fresh));
    const km = (p: TtlvItem) => Buffer.from(read.bytes(child(child(child(child(p, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!).toString('hex');
    expect(km(k1)).not.toBe(km(k2));
    expect(km(k2)).toHaveLength(64);
  });

  it('RNG Retrieve returns the bytes asked for, within the limit', async () => {
    const e = await testEngine();
    const p = await e.ok(V14, Op.RNGRetrieve, [int(Tag.DataLength, 48)]);
    expect(read.bytes(child(p, Tag.Data))).toHaveLength(48);
    expect((await e.send(V14, [{ op: Op.RNGRetrieve, payload: [int(Tag.DataLength, 1 << 30)] }])).items[0].reason).toBe(RR.ServerLimitExceeded);
  });
});

describe('Query advertises exactly what works', () => {
  for (const v of [V14, V21]) {
    it(`every listed operation is performed at ${v.join('.')} (none answers Operation Not Supported)`, async () => {
      const e = await testEngine();
      const q = await e.ok(v, Op.Query, [enm(Tag.QueryFunction, QueryFunction.QueryOperations), enm(Tag.QueryFunction, QueryFunction.QueryObjects)]);
      const ops = children(q, Tag.Operation).map((o) => read.enum(o)!);
      const types = children(q, Tag.ObjectType).map((o) => read.enum(o)!);
      expect(ops.length).toBeGreaterThan(15);
      for (const op of ops) {
        // An empty payload: each operation must get past dispatch and fail (or succeed) on its own terms.
        const r = await e.send(v, [{ op, payload: [] }]);
        expect(r.items[0].reason, `operation ${op}`).not.toBe(RR.OperationNotSupported);
      }
      // The symmetric cryptographic operations (KMIP 1.2+) are performed and listed (test/kmip/crypto.test.ts).
      for (const op of [Op.Encrypt, Op.Decrypt, Op.MAC, Op.MACVerify, Op.Hash, Op.RNGSeed]) expect(ops).toContain(op);
      // Derive Key (KMIP 1.0+) is performed and listed (test/kmip/derive.test.ts).
      expect(ops).toContain(Op.DeriveKey);
      // Templates exist in KMIP 1.x only (test/kmip/objects.test.ts registers, reads and destroys each listed type).
      const expected: number[] = [ObjectType.Certificate, ObjectType.SymmetricKey, ObjectType.PublicKey, ObjectType.PrivateKey, ObjectType.SecretData, ObjectType.OpaqueObject];
      if (v[0] === 1) expected.push(ObjectType.Template);
      expect(types.sort()).toEqual(expected.sort());
      void ItemType;
    });
  }
});

describe('grants through the x-kmipkit-grant attribute', () => {
  const grant = (v: string) => struct(Tag.Attribute, [text(Tag.VendorIdentification, 'x'), text(Tag.AttributeName, 'kmipkit-grant'), text(Tag.AttributeValue, v)]);
  it('the owner grants Get to bob; bob can Get and Locate it but not Destroy; removing the grant ends it', async () => {
    const e = await testEngine();
    const uid = uidIn(await e.ok(V21, Op.Create, aes2x([name2x('shared')])));
    await e.ok(V21, Op.AddAttribute, [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [grant('bob: Get, GetAttributes')])]);
    await e.ok(V21, Op.Get, uidP(uid), 'bob');
    const loc = await e.ok(V21, Op.Locate, [struct(Tag.Attributes, [name2x('shared')])], 'bob');
    expect(children(loc, Tag.UniqueIdentifier).map(read.text)).toEqual([uid]);
    expect((await e.send(V21, [{ op: Op.Destroy, payload: uidP(uid) }], [], 'bob')).items[0].reason).toBe(RR.PermissionDenied);
    // bob cannot widen his own grant, even with Get Attributes granted.
    const widen = await e.send(V21, [{ op: Op.AddAttribute, payload: [text(Tag.UniqueIdentifier, uid), struct(Tag.NewAttribute, [grant('bob: Destroy')])] }], [], 'bob');
    expect(widen.items[0].reason).toBe(RR.PermissionDenied);
    await e.ok(V21, Op.DeleteAttribute, [text(Tag.UniqueIdentifier, uid), struct(Tag.AttributeReference, [text(Tag.VendorIdentification, 'x'), text(Tag.AttributeName, 'kmipkit-grant')])]);
    expect((await e.send(V21, [{ op: Op.Get, payload: uidP(uid) }], [], 'bob')).items[0].reason).toBe(RR.ObjectNotFound); // no grant left: as if it did not exist
  });
  it('a malformed grant is refused and writes nothing', async () => {
    const e = await testEngine();
    const r = await e.send(V21, [{ op: Op.Create, payload: aes2x([grant('bob: Fly')]) }]);
    expect(r.items[0].reason).toBe(RR.InvalidField);
    const all = await e.ok(V21, Op.Locate, []);
    expect(read.int(child(all, Tag.LocatedItems))).toBe(0);
  });
});
