// RELIABILITY.md: "an acknowledged write survives kill -9 of the server at any instant". `kmipkit serve`
// runs as a real child process on SQLite in a temporary data directory; clients stream Creates (each
// with a Get in the same batch, so the acknowledgement carries the generated key) and Registers of
// known, obviously fake key bytes over several connections; the process is SIGKILLed
// mid-stream, restarted on the same directory, and every acknowledged object must be there with
// identical bytes. Requests sent but not acknowledged may or may not have landed, but never half.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, afterEach, expect, it } from 'vitest';
import { CryptographicAlgorithm as Alg, CryptographicUsageMask as Mask, KeyFormatType, ObjectType, Operation as Op, ResultStatus as RS, Tag } from '../../src/dict/index.js';
import { bytes } from '../../src/kmip/items.js';
import { child, children, enm, int, read, request, response, struct, text } from '../helpers/kmip.js';
import { ROOT } from '../helpers/testdata.js';

const V21 = [2, 1] as const;
const MAIN = join(ROOT, 'src/cli/main.ts');
const tmp = mkdtempSync(join(tmpdir(), 'kmipkit-durability-'));
const procs: ChildProcess[] = [];

afterEach(() => {
  for (const c of procs.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Running {
  child: ChildProcess;
  port: number;
  exit: Promise<void>;
  stderr: () => string;
}

function serve(dataDir: string): Promise<Running> {
  const c = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--data-dir', dataDir, '--port', '0', '--host', '127.0.0.1'], {
    cwd: ROOT,
    env: { ...process.env, KMIPKIT_MASTER_KEY: '' },
  });
  procs.push(c);
  let out = '';
  let err = '';
  const exit = new Promise<void>((resolve) => c.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on \S+:(\d+)[\s\S]*Stop with/.exec(out);
      if (m) resolve({ child: c, port: Number(m[1]), exit, stderr: () => err });
    });
    void exit.then(() => reject(new Error(`serve exited before listening:\n${out}\n${err}`)));
  });
}

/** Key bytes for a name: an obvious test marker, then bytes derived from the name (not a real key). */
function keyFor(name: string): Buffer {
  const k = Buffer.alloc(32, 0x5a);
  Buffer.from('TESTONLY').copy(k, 0);
  Buffer.from(name.padEnd(24, '.').slice(-24)).copy(k, 8);
  return k;
}

const registerRequest = (name: string) =>
  request(V21, [
    {
      op: Op.Register,
      payload: [
        enm(Tag.ObjectType, ObjectType.SymmetricKey),
        struct(Tag.Attributes, [struct(Tag.Name, [text(Tag.NameValue, name), enm(Tag.NameType, 1)]), int(Tag.CryptographicUsageMask, Mask.Encrypt)]),
        struct(Tag.SymmetricKey, [
          struct(Tag.KeyBlock, [enm(Tag.KeyFormatType, KeyFormatType.Raw), struct(Tag.KeyValue, [bytes(Tag.KeyMaterial, keyFor(name))]), enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256)]),
        ]),
      ],
    },
  ]);

/** Create a 256-bit AES key named `name`, and Get it in the same batch (ID Placeholder). */
const createRequest = (name: string) =>
  request(V21, [
    {
      op: Op.Create,
      payload: [
        enm(Tag.ObjectType, ObjectType.SymmetricKey),
        struct(Tag.Attributes, [
          enm(Tag.CryptographicAlgorithm, Alg.AES), int(Tag.CryptographicLength, 256), int(Tag.CryptographicUsageMask, Mask.Encrypt),
          struct(Tag.Name, [text(Tag.NameValue, name), enm(Tag.NameType, 1)]),
        ]),
      ],
    },
    { op: Op.Get, payload: [] },
  ]);

/** A mutual-TLS connection with the data directory's client certificate; responses in order. */
class Conn {
  private buf = Buffer.alloc(0);
  private readonly waiting: { resolve: (b: Buffer) => void; reject: (e: Error) => void }[] = [];
  private dead: Error | undefined;
  private constructor(readonly socket: TLSSocket) {
    socket.on('data', (c: Buffer) => {
      this.buf = Buffer.concat([this.buf, c]);
      while (this.buf.length >= 8 && this.buf.length >= 8 + this.buf.readUInt32BE(4)) {
        const n = 8 + this.buf.readUInt32BE(4);
        this.waiting.shift()?.resolve(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
      }
    });
    const die = (e: Error) => {
      this.dead ??= e;
      for (const w of this.waiting.splice(0)) w.reject(e);
    };
    socket.on('error', die);
    socket.on('close', () => die(new Error('closed')));
  }

  static open(port: number, dataDir: string): Promise<Conn> {
    const certs = join(dataDir, 'certs');
    return new Promise((resolve, reject) => {
      const s = connect({
        host: '127.0.0.1',
        port,
        servername: 'localhost',
        ca: readFileSync(join(certs, 'ca.crt')),
        cert: readFileSync(join(certs, 'client.crt')),
        key: readFileSync(join(certs, 'client.key')),
      });
      s.once('secureConnect', () => resolve(new Conn(s)));
      s.once('error', reject);
    });
  }

  /** Sends now; resolves with the response (requests are answered in order). */
  send(bytesOut: Uint8Array): Promise<Buffer> {
    if (this.dead) return Promise.reject(this.dead);
    const p = new Promise<Buffer>((resolve, reject) => this.waiting.push({ resolve, reject }));
    this.socket.write(bytesOut);
    return p;
  }
}

/** `connections` clients each keep `depth` Registers in flight until the connection dies. */
async function stream(port: number, dataDir: string, round: number, acked: Map<string, Acked>, unacked: Set<string>, connections = 3, depth = 4): Promise<void> {
  const conns = await Promise.all(Array.from({ length: connections }, () => Conn.open(port, dataDir)));
  await Promise.all(
    conns.map(async (c, ci) => {
      let seq = 0;
      const one = async (): Promise<void> => {
        for (;;) {
          // Connection 0 registers known bytes; the others create keys the server generates.
          const created = ci > 0;
          const name = `dur-${round}-${ci}-${seq++}${created ? '-c' : ''}`;
          unacked.add(name);
          let res: Buffer;
          try {
            res = await c.send(created ? createRequest(name) : registerRequest(name));
          } catch {
            return; // killed: this one stays unacknowledged
          }
          const items = response(res).items;
          for (const it of items) if (it.status !== RS.Success) throw new Error(`${created ? 'Create' : 'Register'} ${name} failed: ${it.reason} ${it.message}`);
          unacked.delete(name);
          const key = created ? keyIn(items[1].payload) : keyFor(name);
          if (key.length !== 32) throw new Error(`${name}: a ${key.length}-byte key`);
          acked.set(read.text(child(items[0].payload, Tag.UniqueIdentifier))!, { name, key });
        }
      };
      await Promise.all(Array.from({ length: depth }, one));
    }),
  );
}

interface Acked {
  name: string;
  /** The key bytes the acknowledgement carried (Create) or the request sent (Register). */
  key: Buffer;
}

const keyIn = (payload: ReturnType<typeof response>['items'][number]['payload']) =>
  Buffer.from(read.bytes(child(child(child(child(payload, Tag.SymmetricKey), Tag.KeyBlock), Tag.KeyValue), Tag.KeyMaterial))!);

/** Every acknowledged object is there with its bytes; an unacknowledged one is there whole or not at all. */
async function verify(port: number, dataDir: string, acked: Map<string, Acked>, unacked: Set<string>): Promise<{ landed: number }> {
  const c = await Conn.open(port, dataDir);
  const gets = [...acked].map(async ([uid, { name, key }]) => {
    const it = response(await c.send(request(V21, [{ op: Op.Get, payload: [text(Tag.UniqueIdentifier, uid)] }]))).items[0];
    return { uid, name, status: it.status, match: it.status === RS.Success && keyIn(it.payload).equals(key) };
  });
  const results = await Promise.all(gets);
  const lost = results.filter((r) => !r.match);
  expect(lost, `acknowledged objects missing or changed after kill -9: ${JSON.stringify(lost.slice(0, 5))}`).toEqual([]);
  let landed = 0;
  for (const name of unacked) {
    const loc = response(await c.send(request(V21, [{ op: Op.Locate, payload: [struct(Tag.Attributes, [struct(Tag.Name, [text(Tag.NameValue, name), enm(Tag.NameType, 1)])])] }]))).items[0];
    const uids = children(loc.payload!, Tag.UniqueIdentifier).map((u) => u.value as string);
    expect(uids.length).toBeLessThanOrEqual(1);
    if (uids.length === 1) {
      landed++;
      const it = response(await c.send(request(V21, [{ op: Op.Get, payload: [text(Tag.UniqueIdentifier, uids[0])] }]))).items[0];
      const key = keyIn(it.payload);
      // A Create that landed unacknowledged has whatever key the server made; a Register, the bytes sent.
      if (name.endsWith('-c')) expect(key.length).toBe(32);
      else expect(key).toEqual(keyFor(name));
      acked.set(uids[0], { name, key });
    }
  }
  unacked.clear();
  c.socket.end();
  return { landed };
}

it('every acknowledged Create and Register survives kill -9 at several points, byte for byte', async () => {
  const dataDir = join(tmp, 'data');
  const acked = new Map<string, Acked>();
  const unacked = new Set<string>();
  const kills = [250, 600, 1_000];
  const rounds: { acked: number; inFlight: number; landed: number }[] = [];
  let run = await serve(dataDir);
  for (const [round, after] of kills.entries()) {
    const before = acked.size;
    const streaming = stream(run.port, dataDir, round, acked, unacked);
    // Kill once writes are flowing (at least a few acknowledged), a little later each round.
    const start = Date.now();
    while (acked.size - before < 3 && Date.now() - start < 5_000) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, after));
    run.child.kill('SIGKILL');
    await run.exit;
    expect(run.child.signalCode).toBe('SIGKILL');
    await streaming;
    const inFlight = unacked.size;
    run = await serve(dataDir);
    const { landed } = await verify(run.port, dataDir, acked, unacked);
    rounds.push({ acked: acked.size - before - landed, inFlight, landed });
  }
  // Each round acknowledged writes and had some in flight when killed (so the kill was mid-stream).
  for (const r of rounds) {
    expect(r.acked).toBeGreaterThan(0);
    expect(r.inFlight).toBeGreaterThan(0);
  }
  // The database holds exactly what was acknowledged or found landed: nothing else appeared.
  const c = await Conn.open(run.port, dataDir);
  const all = response(await c.send(request(V21, [{ op: Op.Locate, payload: [int(Tag.MaximumItems, 100_000)] }]))).items[0];
  expect(new Set(children(all.payload!, Tag.UniqueIdentifier).map((u) => u.value as string))).toEqual(new Set(acked.keys()));
  c.socket.end();
  console.log(`durability rounds: ${JSON.stringify(rounds)}`);
  run.child.kill('SIGTERM');
  await run.exit;
}, 60_000);
