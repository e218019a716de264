// The Get fast path (src/kmip/fastpath.ts) and read-only runs (Store.readCommitted) against the general
// path: two SQLite stores with the same content, one engine with both and one with neither, the same
// clock, the same requests in the same order; every response must be the same bytes. The first side
// counts its ways into the store, so the test also knows which requests the fast path answered (none
// was taken) and which a read-only run answered without falling back to a transaction. Then the cache
// behind both: writes through this engine, through another connection, and a Get that arrives while a
// group commit is open.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, KeyFormatType, ObjectType, Operation as Op, ResultReason as RR,
  ResultStatus as RS, RevocationReasonCode, SecretDataType, Tag,
} from '../../src/dict/index.js';
import { createEngine } from '../../src/kmip/engine.js';
import { bool, bytes, date, long } from '../../src/kmip/items.js';
import type { MessageHandler } from '../../src/server/types.js';
import { openStore, ReadOnlyRetry, type Store } from '../../src/store/index.js';
import type { TtlvItem } from '../../src/ttlv/index.js';
import { child, enm, int, keyBlock, read, request, response, struct, text, uidIn, type Item } from '../helpers/kmip.js';

const T0 = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const VERSIONS = [[1, 0], [1, 1], [1, 2], [1, 3], [1, 4], [2, 0], [2, 1]] as const;
const V21 = [2, 1] as const;

const dir = mkdtempSync(join(tmpdir(), 'kmipkit-fastpath-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const masterKey = randomBytes(32);
let now = T0;
const clock = () => now;

const sqlite = (file: string) => openStore({ kind: 'sqlite', path: join(dir, file), masterKey });
/** An engine over `store`, and a `send` for one principal that returns the raw response bytes. */
function engineOver(store: Store, fast: boolean) {
  const engine: MessageHandler = createEngine({ store, clock, fastPath: fast, readOnlyRuns: fast });
  return {
    engine,
    raw: (version: readonly [number, number], items: Item[], header: TtlvItem[] = [], principal = 'alice') =>
      engine.handle(request(version, items, header), { principal }),
  };
}

/** Counts every way into the store but the fast path's: transaction() and readCommitted() (`runs`), the
 *  read-only runs among them, and how many of those gave up (ReadOnlyRetry). */
function countRuns(store: Store) {
  const n = { runs: 0, readOnly: 0, retried: 0 };
  const transaction = store.transaction.bind(store);
  store.transaction = (fn) => {
    n.runs++;
    return transaction(fn);
  };
  const readCommitted = store.readCommitted!.bind(store);
  store.readCommitted = (fn) => {
    n.runs++;
    n.readOnly++;
    return readCommitted(fn).catch((e: unknown) => {
      if (e instanceof ReadOnlyRetry) n.retried++;
      throw e;
    });
  };
  return n;
}

const aes = (extra: TtlvItem[] = []) => [
  enm(Tag.ObjectType, ObjectType.SymmetricKey),
  struct(Tag.Attributes, [enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256), int(Tag.CryptographicUsageMask, Mask.Encrypt | Mask.Decrypt), ...extra]),
];
const uidP = (uid: string) => [text(Tag.UniqueIdentifier, uid)];
const gcm = struct(Tag.CryptographicParameters, [enm(Tag.BlockCipherMode, 9 /* GCM */), int(Tag.TagLength, 16)]);
const grant = (v: string) => struct(Tag.Attribute, [text(Tag.VendorIdentification, 'x'), text(Tag.AttributeName, 'kmipkit-grant'), text(Tag.AttributeValue, v)]);

/** The objects the comparison walks through, by what makes each one interesting. */
const objects: Record<string, string> = {};
/** Those the fast path must answer for their owner with a plain Get (once not Fresh and, for the dated
 *  ones, while no date is due). */
const SERVABLE = ['served', 'active', 'revoked', 'secret', 'opaque', 'registered', 'named', 'private', 'public', 'granted', 'limited'];

beforeAll(async () => {
  const store = await sqlite('a.db');
  const { raw } = engineOver(store, false);
  const ok = async (op: number, payload: TtlvItem[], principal = 'alice') => {
    const r = response(await raw(V21, [{ op, payload }], [], principal)).items[0];
    if (r.status !== RS.Success) throw new Error(`operation ${op} failed: ${r.reason}: ${r.message}`);
    return r.payload!;
  };
  const create = async (extra: TtlvItem[] = []) => uidIn(await ok(Op.Create, aes(extra)));
  // Every object but two is served once before anything else happens to it: a Fresh object's Get writes
  // (it clears Fresh), so the fast path never answers it and would not show what else it checks.
  const served = async (extra: TtlvItem[] = []) => {
    const uid = await create(extra);
    await ok(Op.Get, uidP(uid));
    return uid;
  };
  const register = async (type: number, body: TtlvItem, usage = 0) => {
    const uid = uidIn(await ok(Op.Register, [enm(Tag.ObjectType, type), struct(Tag.Attributes, usage ? [int(Tag.CryptographicUsageMask, usage)] : []), body]));
    await ok(Op.Get, uidP(uid));
    return uid;
  };
  const set = (uid: string, attribute: TtlvItem) => ok(Op.SetAttribute, [...uidP(uid), struct(Tag.NewAttribute, [attribute])]);
  objects.fresh = await create();
  objects.dated = await create([date(Tag.ActivationDate, T0 + HOUR), date(Tag.DeactivationDate, T0 + 2 * HOUR)]);
  objects.served = await served();
  objects.active = await served();
  await ok(Op.Activate, uidP(objects.active));
  objects.revoked = await served();
  await ok(Op.Activate, uidP(objects.revoked));
  await ok(Op.Revoke, [...uidP(objects.revoked), struct(Tag.RevocationReason, [enm(Tag.RevocationReasonCode, RevocationReasonCode.KeyCompromise)])]);
  objects.destroyed = await served();
  await ok(Op.Destroy, uidP(objects.destroyed));
  objects.sensitive = await served();
  await set(objects.sensitive, bool(Tag.Sensitive, true));
  objects.unextractable = await served();
  await set(objects.unextractable, bool(Tag.Extractable, false));
  objects.archived = await served();
  await ok(Op.Archive, uidP(objects.archived));
  objects.named = await served([struct(Tag.Name, [text(Tag.NameValue, 'fast-get-named'), enm(Tag.NameType, 1)])]);
  objects.granted = await served([grant('bob: Get')]);
  // Encrypt counts against its Usage Limits: a write, so a read-only run of it falls back every time.
  objects.limited = await served([struct(Tag.UsageLimits, [long(Tag.UsageLimitsTotal, 1_000_000n), enm(Tag.UsageLimitsUnit, 1)])]);
  await ok(Op.Activate, uidP(objects.limited));
  objects.secret = await register(ObjectType.SecretData, struct(Tag.SecretData, [enm(Tag.SecretDataType, SecretDataType.Password), keyBlock(KeyFormatType.Opaque, randomBytes(20))]));
  objects.opaque = await register(ObjectType.OpaqueObject, struct(Tag.OpaqueObject, [enm(Tag.OpaqueDataType, 0x80000001), bytes(Tag.OpaqueDataValue, randomBytes(40))]));
  objects.registered = await register(ObjectType.SymmetricKey, struct(Tag.SymmetricKey, [keyBlock(KeyFormatType.Raw, randomBytes(16), Alg.AES, 128)]), Mask.Encrypt);
  const ed = generateKeyPairSync('ed25519');
  objects.private = await register(ObjectType.PrivateKey, struct(Tag.PrivateKey, [keyBlock(KeyFormatType.PKCS_8, ed.privateKey.export({ type: 'pkcs8', format: 'der' }), Alg.Ed25519, 256)]), Mask.Sign);
  objects.public = await register(ObjectType.PublicKey, struct(Tag.PublicKey, [keyBlock(KeyFormatType.X_509, ed.publicKey.export({ type: 'spki', format: 'der' }), Alg.Ed25519, 256)]), Mask.Verify);
  await store.close();
  // Closing the last connection checkpoints the WAL into the file: one file holds everything.
  expect(existsSync(join(dir, 'a.db-wal'))).toBe(false);
  copyFileSync(join(dir, 'a.db'), join(dir, 'b.db'));
});

describe('Get fast path', () => {
  it('answers exactly as the general path, for every version, object, principal and request shape', async () => {
    const storeA = await sqlite('a.db');
    const storeB = await sqlite('b.db');
    const count = countRuns(storeA);
    const fast = engineOver(storeA, true);
    const general = engineOver(storeB, false);
    const served: string[] = [];
    const variants: Record<string, (uid: string) => [Item[], TtlvItem[]]> = {
      plain: (uid) => [[{ op: Op.Get, payload: uidP(uid) }], []],
      format: (uid) => [[{ op: Op.Get, payload: [...uidP(uid), enm(Tag.KeyFormatType, KeyFormatType.Raw)] }], []],
      batchItemId: (uid) => [[{ op: Op.Get, payload: uidP(uid), id: Uint8Array.of(7) }], []],
      twoGets: (uid) => [[{ op: Op.Get, payload: uidP(uid) }, { op: Op.Get, payload: uidP(uid) }], []],
      maxResponseSize: (uid) => [[{ op: Op.Get, payload: uidP(uid) }], [int(Tag.MaximumResponseSize, 100_000)]],
      noPayload: () => [[{ op: Op.Get }], []],
      // Read-only runs: an explicit IV, so that Encrypt answers the same on both sides.
      encrypt: (uid) => [[{ op: Op.Encrypt, payload: [...uidP(uid), gcm, bytes(Tag.Data, Uint8Array.of(1, 2, 3, 4, 5)), bytes(Tag.IVCounterNonce, new Uint8Array(12).fill(9))] }], []],
      decrypt: (uid) => [[{ op: Op.Decrypt, payload: [...uidP(uid), gcm, bytes(Tag.Data, Uint8Array.of(1, 2, 3)), bytes(Tag.IVCounterNonce, new Uint8Array(12)), bytes(Tag.AuthenticatedEncryptionTag, new Uint8Array(16))] }], []],
      getAttributes: (uid) => [[{ op: Op.GetAttributes, payload: uidP(uid) }], []],
      getAttributeList: (uid) => [[{ op: Op.GetAttributeList, payload: uidP(uid) }], []],
      check: (uid) => [[{ op: Op.Check, payload: uidP(uid) }], []],
      locate: () => [[{ op: Op.Locate, payload: [] }], []],
    };
    let compared = 0;
    // Before the dated key's activation, between activation and deactivation, after both.
    for (const at of [T0, T0 + 1.5 * HOUR, T0 + 3 * HOUR]) {
      now = at;
      for (const version of VERSIONS) {
        for (const [name, uid] of [...Object.entries(objects), ['missing', 'no-such-object']]) {
          for (const principal of ['alice', 'bob']) {
            for (const [shape, build] of Object.entries(variants)) {
              const [items, header] = build(uid);
              const before = count.runs;
              const a = await fast.raw(version, items, header, principal);
              const b = await general.raw(version, items, header, principal);
              const label = `${name} ${shape} ${principal} ${version.join('.')} at +${(at - T0) / HOUR} h`;
              expect(Buffer.from(a).toString('hex'), label).toBe(Buffer.from(b).toString('hex'));
              compared++;
              if (count.runs === before) served.push(label);
            }
          }
        }
      }
    }
    expect(compared).toBe(3 * VERSIONS.length * (Object.keys(objects).length + 1) * 2 * Object.keys(variants).length);
    // Read-only runs answered most of what they were given; the usage-limited key's Encrypts were not.
    expect(count.readOnly).toBeGreaterThan(1000);
    expect(count.retried).toBeGreaterThanOrEqual(3 * 5);
    expect(count.retried).toBeLessThan(count.readOnly / 4);
    // The fast path answered exactly the plain Gets, by the owner, of the servable objects, except a
    // Get that writes: the first Get of a Fresh object (it clears Fresh), which for the fresh and the
    // dated key is the one at the first version walked at T0. When the dated key's dates fall due, the
    // Locate walked for the first object (the fresh one) already moves its state (a write, in a
    // transaction), so its Gets at the later times are all servable.
    const expected: string[] = [];
    for (const at of [T0, T0 + 1.5 * HOUR, T0 + 3 * HOUR]) {
      for (const version of VERSIONS) {
        for (const name of Object.keys(objects)) {
          const writes = version === VERSIONS[0] && at === T0 && (name === 'fresh' || name === 'dated');
          if ((SERVABLE.includes(name) || name === 'fresh' || name === 'dated') && !writes) {
            expected.push(`${name} plain alice ${version.join('.')} at +${(at - T0) / HOUR} h`);
          }
          // Encrypt (KMIP 1.2 on) with an Active key and nothing to count: the active key, and the dated
          // one between its Activation and Deactivation Dates (the limited key counts its usage).
          const active = name === 'active' || (name === 'dated' && at === T0 + 1.5 * HOUR);
          if (active && version[0] * 10 + version[1] >= 12) expected.push(`${name} encrypt alice ${version.join('.')} at +${(at - T0) / HOUR} h`);
        }
      }
    }
    expect(served.sort()).toEqual(expected.sort());
    await storeA.close();
    await storeB.close();
  });

  it('Encrypt with a Random IV on the fast path: the general path decrypts what it returns', async () => {
    now = Date.now();
    const store = await sqlite('random-iv.db');
    const { raw } = engineOver(store, true);
    const general = createEngine({ store, clock, fastPath: false, readOnlyRuns: false });
    const send = async (e: MessageHandler, op: number, payload: TtlvItem[]) => response(await e.handle(request(V21, [{ op, payload }]), { principal: 'alice' })).items[0];
    const uid = uidIn(response(await raw(V21, [{ op: Op.Create, payload: aes() }])).items[0].payload!);
    await raw(V21, [{ op: Op.Activate, payload: uidP(uid) }]);
    const count = countRuns(store);
    const random = struct(Tag.CryptographicParameters, [enm(Tag.BlockCipherMode, 9), bool(Tag.RandomIV, true), int(Tag.TagLength, 16)]);
    const plaintext = randomBytes(100);
    const fast = (await send(createEngine({ store, clock }), Op.Encrypt, [...uidP(uid), random, bytes(Tag.Data, plaintext)])).payload!;
    expect(count.runs).toBe(0); // the fast path answered
    const slow = (await send(general, Op.Encrypt, [...uidP(uid), random, bytes(Tag.Data, plaintext)])).payload!;
    expect(count.runs).toBe(1);
    // The same fields in the same order; the IV (and so the ciphertext) is random on both.
    expect(read.struct(fast)!.value.map((c) => c.tag)).toEqual(read.struct(slow)!.value.map((c) => c.tag));
    const iv = read.bytes(child(fast, Tag.IVCounterNonce))!;
    expect(iv.length).toBe(12);
    expect(Buffer.from(iv).equals(Buffer.from(read.bytes(child(slow, Tag.IVCounterNonce))!))).toBe(false);
    const back = await send(general, Op.Decrypt, [...uidP(uid), gcm, bytes(Tag.Data, read.bytes(child(fast, Tag.Data))!), bytes(Tag.IVCounterNonce, iv), bytes(Tag.AuthenticatedEncryptionTag, read.bytes(child(fast, Tag.AuthenticatedEncryptionTag))!)]);
    expect(Buffer.from(read.bytes(child(back.payload, Tag.Data))!).equals(plaintext)).toBe(true);
    await store.close();
  });

  it('a key whose Deactivation Date passed with nothing else touching it is refused for Encrypt', async () => {
    now = T0;
    const store = await sqlite('deactivation.db');
    const { raw } = engineOver(store, true);
    const send = async (op: number, payload: TtlvItem[]) => response(await raw(V21, [{ op, payload }])).items[0];
    const uid = uidIn((await send(Op.Create, aes([date(Tag.DeactivationDate, T0 + HOUR)]))).payload!);
    await send(Op.Activate, uidP(uid));
    const encrypt = () => send(Op.Encrypt, [...uidP(uid), gcm, bytes(Tag.Data, Uint8Array.of(1)), bytes(Tag.IVCounterNonce, new Uint8Array(12))]);
    expect((await encrypt()).status).toBe(RS.Success); // cached and served by the fast path
    now = T0 + 2 * HOUR;
    expect((await encrypt()).reason).toBe(RR.WrongKeyLifecycleState);
    await store.close();
  });

  it('past the cache’s bounds (4,096 objects; an object over 256 KiB is not kept) every answer is still right', async () => {
    now = Date.now();
    const store = await sqlite('bounds.db');
    const { raw } = engineOver(store, true);
    const uids: string[] = [];
    for (let b = 0; b < 5; b++) {
      const r = response(await raw(V21, Array.from({ length: 900 }, () => ({ op: Op.Create, payload: aes() }))));
      for (const it of r.items) uids.push(uidIn(it.payload!));
    }
    const big = randomBytes(300 * 1024);
    const bigUid = uidIn(response(await raw(V21, [{ op: Op.Register, payload: [enm(Tag.ObjectType, ObjectType.OpaqueObject), struct(Tag.Attributes, []), struct(Tag.OpaqueObject, [enm(Tag.OpaqueDataType, 0x80000001), bytes(Tag.OpaqueDataValue, big)])] }])).items[0].payload!);
    const keyOf = async (uid: string) => {
      const r = response(await raw(V21, [{ op: Op.Get, payload: uidP(uid) }])).items[0];
      expect(r.status, uid).toBe(RS.Success);
      return Buffer.from(read.bytes(child(child(child(child(r.payload, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!);
    };
    // Twice round all 4,500 (the first Get of each clears Fresh): the second round is served through a
    // cache that keeps evicting, and must give the same keys.
    const first = new Map<string, Buffer>();
    for (const uid of uids) first.set(uid, await keyOf(uid));
    for (const uid of uids) expect((await keyOf(uid)).equals(first.get(uid)!), uid).toBe(true);
    for (let i = 0; i < 2; i++) {
      const r = response(await raw(V21, [{ op: Op.Get, payload: uidP(bigUid) }])).items[0];
      expect(Buffer.from(read.bytes(child(child(r.payload, Tag.OpaqueObject), Tag.OpaqueDataValue))!).equals(big)).toBe(true);
    }
    await store.close();
  });

  it('sees this engine’s own writes at once: Revoke, attribute changes, Destroy', async () => {
    now = Date.now();
    const store = await sqlite('own.db');
    const { raw } = engineOver(store, true);
    const send = async (op: number, payload: TtlvItem[]) => response(await raw(V21, [{ op, payload }])).items[0];
    const uid = uidIn((await send(Op.Create, aes())).payload!);
    await send(Op.Get, uidP(uid)); // clears Fresh
    const key = async () => read.bytes(child(child(child(child((await send(Op.Get, uidP(uid))).payload, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial));
    expect((await key())?.length).toBe(32);
    await send(Op.SetAttribute, [...uidP(uid), struct(Tag.NewAttribute, [bool(Tag.Sensitive, true)])]);
    expect((await send(Op.Get, uidP(uid))).reason).toBe(RR.Sensitive);
    await send(Op.SetAttribute, [...uidP(uid), struct(Tag.NewAttribute, [bool(Tag.Sensitive, false)])]);
    expect((await key())?.length).toBe(32);
    expect((await send(Op.Destroy, uidP(uid))).status).toBe(RS.Success);
    expect((await send(Op.Get, uidP(uid))).reason).toBe(RR.ObjectDestroyed);
    await store.close();
  });

  it('logs a Get it answered as the general path does: operation, principal, status, identifier', async () => {
    now = Date.now();
    const store = await sqlite('log.db');
    const events: Record<string, unknown>[] = [];
    const engine = createEngine({ store, clock, log: (e) => events.push(e) });
    const send = (op: number, payload: TtlvItem[]) => engine.handle(request(V21, [{ op, payload }]), { principal: 'alice', remoteAddress: '192.0.2.7' });
    const uid = uidIn(response(await send(Op.Create, aes())).items[0].payload!);
    await send(Op.Get, uidP(uid)); // general: clears Fresh
    const count = countRuns(store);
    events.length = 0;
    const out = response(await send(Op.Get, uidP(uid)));
    expect(out.items[0].status).toBe(RS.Success);
    expect(count.runs).toBe(0); // the fast path answered
    expect(events).toEqual([{ event: 'operation', operation: 'Get', principal: 'alice', remoteAddress: '192.0.2.7', status: 'Success', uid, ms: expect.any(Number) }]);
    expect(JSON.stringify(events)).not.toContain(Buffer.from(read.bytes(child(child(child(child(out.items[0].payload, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!).toString('hex'));
    await store.close();
  });

  it('sees another connection’s commits (PRAGMA data_version)', async () => {
    now = Date.now();
    const mine = await sqlite('shared.db');
    const other = await sqlite('shared.db');
    const a = engineOver(mine, true);
    const b = engineOver(other, true);
    const uid = uidIn(response(await a.raw(V21, [{ op: Op.Create, payload: aes() }])).items[0].payload!);
    await a.raw(V21, [{ op: Op.Get, payload: uidP(uid) }]);
    expect(response(await a.raw(V21, [{ op: Op.Get, payload: uidP(uid) }])).items[0].status).toBe(RS.Success);
    // Destroyed through the other connection: this engine's cached copy must not be served.
    expect(response(await b.raw(V21, [{ op: Op.Destroy, payload: uidP(uid) }])).items[0].status).toBe(RS.Success);
    expect(response(await a.raw(V21, [{ op: Op.Get, payload: uidP(uid) }])).items[0].reason).toBe(RR.ObjectDestroyed);
    await other.close();
    await mine.close();
  });

  it('a Get arriving while a group commit is open waits for it and sees the committed object', async () => {
    now = Date.now();
    const store = await sqlite('group.db');
    const { raw } = engineOver(store, true);
    const uid = uidIn(response(await raw(V21, [{ op: Op.Create, payload: aes() }])).items[0].payload!);
    await raw(V21, [{ op: Op.Get, payload: uidP(uid) }]);
    // The Activate's commit waits for the next event-loop turn; the Get is handled before it.
    const [revoke, get] = await Promise.all([
      raw(V21, [{ op: Op.Activate, payload: uidP(uid) }]),
      raw(V21, [{ op: Op.Get, payload: uidP(uid) }]),
    ]);
    expect(response(revoke).items[0].status).toBe(RS.Success);
    expect(response(get).items[0].status).toBe(RS.Success);
    const attrs = response(await raw(V21, [{ op: Op.GetAttributes, payload: [...uidP(uid), enm(Tag.AttributeReference, Tag.State)] }])).items[0].payload;
    expect(read.enum(child(child(attrs, Tag.Attributes), Tag.State))).toBe(2); // Active
    await store.close();
  });
});
