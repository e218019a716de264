// PyKMIP as an interop peer in tests: its server (from ./pykmip-peer.ts, shared with the benchmarks),
// one per test file, and its client (test/interop/pykmip/client_scenarios.py) one scenario at a time.
// See docs/interop.md.
import { execFile } from 'node:child_process';
import { createCipheriv, createHash, createHmac, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { ROOT } from './testdata.js';
import { startPyKmipServer, type KmipVersion, type PyKmipServer } from './pykmip-peer.js';

export {
  PYKMIP_INSTALL, VERSIONS, findPyKmipPython, findPyKmip, makeTestPki, acceptsTls, startPyKmipServer,
  type KmipVersion, type Pki, type PyKmipServer,
} from './pykmip-peer.js';

const CLIENT_SCRIPT = join(ROOT, 'test', 'interop', 'pykmip', 'client_scenarios.py');
// One scenario is a handful of round trips; a client still running then has hung on a dead server.
const CLIENT_TIMEOUT_MS = 60_000;
// Log tails quoted in errors stay readable.
const LOG_TAIL_CHARS = 4_000;

export interface ScenarioOutput {
  scenario: string;
  version: KmipVersion;
  ok: boolean;
  result?: Record<string, unknown>;
  error?: { kind: 'kmip' | 'assertion' | 'exception'; status?: string; reason?: string; message: string; type?: string; where?: string };
}

export interface ClientRun {
  code: number | null;
  output: ScenarioOutput;
  stderr: string;
}

/** Runs one scenario of client_scenarios.py; rejects only when the script printed no JSON line. */
export function runPyKmipClient(opts: {
  python: string; host: string; port: number; ca: string; cert: string; key: string; version: KmipVersion; scenario: Scenario;
}): Promise<ClientRun> {
  const args = [CLIENT_SCRIPT, '--host', opts.host, '--port', String(opts.port), '--ca', opts.ca, '--cert', opts.cert,
    '--key', opts.key, '--version', opts.version, '--scenario', opts.scenario];
  return new Promise((resolve, reject) => {
    execFile(opts.python, args, { timeout: CLIENT_TIMEOUT_MS, killSignal: 'SIGKILL', encoding: 'utf8' }, (err, stdout, stderr) => {
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, output: JSON.parse(line) as ScenarioOutput, stderr });
      } catch {
        reject(new Error(`${opts.scenario} at KMIP ${opts.version} printed no result (${err?.message ?? 'exit 0'})\n` +
          `stdout: ${stdout.slice(-LOG_TAIL_CHARS)}\nstderr: ${stderr.slice(-LOG_TAIL_CHARS)}`));
      }
    });
  });
}

export const SCENARIOS = [
  'create', 'register', 'get', 'get_attributes', 'get_attribute_list', 'locate', 'activate', 'revoke', 'destroy',
  'add_attribute', 'set_attribute', 'modify_attribute', 'delete_attribute', 'sign_verify', 'encrypt_decrypt', 'mac',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

/** 'works', or the failure a target is known to give: the test asserts that failure, so a fix shows up. */
export type Expectation = 'works' | { unsupported: string; reason: string };

// The one table of what each server is expected to do with each scenario, at every version in VERSIONS.
export const EXPECTED: Record<Scenario, { kmipkit: Expectation; pykmip: Expectation }> = {
  create: { kmipkit: 'works', pykmip: 'works' },
  register: { kmipkit: 'works', pykmip: 'works' },
  get: { kmipkit: 'works', pykmip: 'works' },
  get_attributes: { kmipkit: 'works', pykmip: 'works' },
  get_attribute_list: { kmipkit: 'works', pykmip: 'works' },
  locate: { kmipkit: 'works', pykmip: 'works' },
  activate: { kmipkit: 'works', pykmip: 'works' },
  revoke: { kmipkit: 'works', pykmip: 'works' },
  destroy: { kmipkit: 'works', pykmip: 'works' },
  add_attribute: {
    kmipkit: 'works',
    pykmip: { unsupported: "PyKMIP's server has no AddAttribute: its payload factory raises NotImplementedError", reason: 'INVALID_MESSAGE' },
  },
  set_attribute: { kmipkit: 'works', pykmip: 'works' },
  modify_attribute: { kmipkit: 'works', pykmip: 'works' },
  delete_attribute: { kmipkit: 'works', pykmip: 'works' },
  sign_verify: { kmipkit: 'works', pykmip: 'works' },
  encrypt_decrypt: { kmipkit: 'works', pykmip: 'works' },
  mac: { kmipkit: 'works', pykmip: 'works' },
};

/** Per-scenario checks on what the script printed, independent of the script's own assertions. */
export function resultProblems(scenario: Scenario, version: KmipVersion, result: Record<string, unknown>, target: Target): string[] {
  const problems: string[] = [];
  const want = (cond: boolean, what: string) => { if (!cond) problems.push(what); };
  switch (scenario) {
    case 'register': {
      const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x40 + i));
      want(result.key_sha256 === createHash('sha256').update(key).digest('hex'), 'key bytes read back differ from those registered');
      want(result.key_algorithm === 'AES' && result.key_length === 256, 'registered key is not AES-256');
      break;
    }
    case 'get':
      // KMIP 2.0 and later name the reason Object Not Found; PyKMIP's server keeps 1.x's Item Not Found.
      want(result.missing_reason === (target === 'kmipkit' && version !== '1.2' && version !== '1.4' ? 'OBJECT_NOT_FOUND' : 'ITEM_NOT_FOUND'),
        `get of an unknown id: ${String(result.missing_reason)}`);
      want(result.value_length === 32, 'AES-256 key is not 32 bytes');
      break;
    case 'revoke':
      want(result.state === 'DEACTIVATED' && result.compromised_state === 'COMPROMISED', 'revoked states');
      break;
    case 'set_attribute':
      want(version === '2.0' ? result.sensitive === true : typeof result.refused_reason === 'string', 'SetAttribute outcome');
      break;
    case 'sign_verify': {
      // The server's signature checked independently: node:crypto with the public key PyKMIP read back.
      const hex = (k: string) => Buffer.from(String(result[k] ?? ''), 'hex');
      want(result.public_key_format === 'PKCS_1', `public key format ${String(result.public_key_format)}`);
      let valid = false;
      try {
        valid = nodeVerify('sha256', hex('message_hex'), createPublicKey({ key: hex('public_key_hex'), format: 'der', type: 'pkcs1' }), hex('signature_hex'));
      } catch { /* an unparsable key is reported below */ }
      want(valid, 'node:crypto does not accept the signature');
      break;
    }
    case 'encrypt_decrypt': {
      // The server's ciphertexts checked independently: node:crypto with the public test key.
      const hex = (k: string) => Buffer.from(String(result[k] ?? ''), 'hex');
      const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x40 + i));
      const cbc = (iv: Buffer) => {
        const c = createCipheriv('aes-256-cbc', key, iv);
        return Buffer.concat([c.update(hex('message_hex')), c.final()]);
      };
      want(hex('iv_hex').length === 16 && cbc(hex('iv_hex')).equals(hex('ciphertext_hex')), 'ciphertext with the server-made IV differs from node:crypto');
      want(cbc(hex('given_iv_hex')).equals(hex('given_ciphertext_hex')), 'ciphertext with the given IV differs from node:crypto');
      break;
    }
    case 'mac': {
      const key = Buffer.from(Array.from({ length: 32 }, (_, i) => 0x40 + i));
      const expected = createHmac('sha256', key).update(Buffer.from(String(result.message_hex ?? ''), 'hex')).digest('hex');
      want(result.mac_hex === expected, 'MAC differs from node:crypto HMAC-SHA256');
      break;
    }
    case 'locate':
      want(Array.isArray(result.by_name) && (result.by_name as unknown[]).length === 1, 'locate by name found not exactly one');
      break;
    default:
      want(typeof result === 'object' && result !== null, 'no result');
  }
  return problems;
}

/** Asserts one client run against what EXPECTED says of its target. */
export type Target = 'kmipkit' | 'pykmip';

export function expectRun(run: ClientRun, expectation: Expectation, version: KmipVersion, target: Target): void {
  const { output } = run;
  const shown = JSON.stringify(output.error ?? output.result);
  if (expectation === 'works') {
    expect(output.ok, `${output.scenario} at KMIP ${version} failed: ${shown}\n${run.stderr.slice(-LOG_TAIL_CHARS)}`).toBe(true);
    expect(run.code).toBe(0);
    expect(resultProblems(output.scenario as Scenario, version, output.result ?? {}, target)).toEqual([]);
  } else {
    expect(output.ok, `${output.scenario} is listed unsupported (${expectation.unsupported}) but passed: update EXPECTED`).toBe(false);
    expect(run.code).toBe(1);
    expect({ kind: output.error?.kind, reason: output.error?.reason }).toEqual({ kind: 'kmip', reason: expectation.reason });
  }
}

/**
 * One PyKMIP server for the calling test file: started before its tests, stopped and its directory
 * removed after them. A missing PyKMIP fails every test that awaits the server with the install
 * command, rather than skipping them.
 */
export function pyKmipServerForFile(prefix: string): () => Promise<PyKmipServer> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let ready: Promise<PyKmipServer>;
  beforeAll(async () => {
    ready = startPyKmipServer({ dir });
    await ready.catch(() => undefined);
  }, 60_000);
  afterAll(async () => {
    await (await ready.catch(() => undefined))?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return () => ready;
}
