// An acknowledged write survives SIGKILL: a child inserts in a loop, printing each id only after its
// transaction resolved; we kill it at a random moment and look for every acknowledged object.
import { spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { materialFor } from './fixtures/material.js';
import { tempDir } from './fixtures/stores.js';

const ROUNDS = 4;
/** The writer's concurrent loops: up to this many transactions per kill may be committed but not yet printed. */
const LANES = 4;
const WRITER = fileURLToPath(new URL('./fixtures/writer.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const { dir, cleanup } = tempDir();
afterAll(() => cleanup());

/** Runs the writer until it acknowledged `acks` pairs, waits a little more, kills it; the acknowledged ids. */
function runAndKill(path: string, key: Buffer, round: number, acks: number, extraMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path, String(round)], {
      cwd: ROOT,
      env: { ...process.env, KMIPKIT_MASTER_KEY: key.toString('hex') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let killing = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const done = out.split('\n').length - 2; // complete lines after 'ready'
      if (!killing && done >= acks) {
        killing = true;
        setTimeout(() => child.kill('SIGKILL'), extraMs);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited with ${code}: ${err}`));
      // Only complete lines were acknowledged; a partial last line is not counted.
      const lines = out.split('\n').slice(0, -1);
      expect(lines[0]).toBe('ready');
      resolve(lines.slice(1));
    });
  });
}

describe('durability under SIGKILL', () => {
  it(`every acknowledged transaction is found after ${ROUNDS} kills, and no transaction is half there`, async () => {
    const path = join(dir, 'kmip.db');
    const key = randomBytes(32);
    const acked: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ids = await runAndKill(path, key, round, randomInt(5, 60), randomInt(0, 40));
      expect(ids.length).toBeGreaterThanOrEqual(5);
      acked.push(...ids);

      const store = await openStore({ kind: 'sqlite', path, masterKey: key });
      await store.transaction(async (tx) => {
        for (const id of acked) {
          for (const uid of [`${id}-a`, `${id}-b`]) {
            const rec = await tx.get(uid);
            expect(rec, uid).toMatchObject({ uid, names: [id], hasMaterial: true });
            expect(Buffer.from(rec!.attributes).toString()).toBe(uid);
            expect(Buffer.from((await tx.getMaterial(uid))!).equals(materialFor(uid)), uid).toBe(true);
          }
        }
        // Atomicity: the transaction cut by the kill is either wholly there (committed, not yet printed) or absent.
        const all = await tx.query({});
        const byId = new Map<string, number>();
        for (const r of all) byId.set(r.names[0], (byId.get(r.names[0]) ?? 0) + 1);
        expect([...byId.values()].every((n) => n === 2)).toBe(true);
        expect(byId.size - acked.length).toBeGreaterThanOrEqual(0);
        expect(byId.size - acked.length).toBeLessThanOrEqual((round + 1) * LANES);
      });
      await store.close();
    }
  });
});
