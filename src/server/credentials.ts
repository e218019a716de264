// Username and password as a second factor on top of the client certificate (KMIP Credential Type
// Username and Password). Passwords are kept as scrypt hashes; a verified (username, password) pair
// is remembered as an HMAC under a per-process key, so that scrypt runs once per pair, not per request.
import { createHmac, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';

/** scrypt cost: N=2^15, r=8, p=1 (OWASP's floor for scrypt), about 50 ms and 32 MiB once per pair. */
const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
/** Enough for N=2^15, r=8 (128*N*r = 32 MiB) with room. */
const SCRYPT_MAXMEM = 64 * 1024 * 1024;
/** Remembered verified pairs; past this the memo is cleared (a flood of distinct passwords cannot grow it). */
const MEMO_MAX = 1024;

export interface CredentialEntry {
  username: string;
  /** From `hashPassword` / `kmipkit credentials hash`: `scrypt$N$r$p$salt$hash` (base64). */
  passwordHash?: string;
  /** Plain text, for embedding and tests; a configuration file takes hashes only. */
  password?: string;
}

export class CredentialError extends Error {
  readonly code = 'ERR_CREDENTIALS';
  constructor(message: string) {
    super(message);
    this.name = 'CredentialError';
  }
}

export function hashPassword(password: string, cost: { N: number; r: number; p: number } = SCRYPT): string {
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(password, salt, HASH_BYTES, { ...cost, maxmem: SCRYPT_MAXMEM });
  return `scrypt$${cost.N}$${cost.r}$${cost.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

const HASH_FORMAT = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/;

export function parsePasswordHash(text: string): Parsed {
  const m = HASH_FORMAT.exec(text);
  if (!m) throw new CredentialError('a password hash looks like scrypt$N$r$p$salt$hash (make one with `kmipkit credentials hash`)');
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || (N & (N - 1)) !== 0 || N > 1 << 20 || r < 1 || r > 32 || p < 1 || p > 16 || 128 * N * r > SCRYPT_MAXMEM) {
    throw new CredentialError(`scrypt parameters out of range (N a power of two up to 2^20, r 1-32, p 1-16, 128*N*r at most ${SCRYPT_MAXMEM} bytes)`);
  }
  const salt = Buffer.from(m[4], 'base64');
  const hash = Buffer.from(m[5], 'base64');
  if (salt.length < 8 || hash.length < 16) throw new CredentialError('the salt or hash of a password hash is too short');
  return { N, r, p, salt, hash };
}

function scryptAsync(password: string, p: Parsed): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password, p.salt, p.hash.length, { N: p.N, r: p.r, p: p.p, maxmem: SCRYPT_MAXMEM }, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export type CredentialCheck = (username: string, password: string) => Promise<boolean>;

/**
 * The check the engine runs on a request's Username and Password. scrypt runs on libuv's thread pool,
 * never on the event loop. Throws CredentialError on bad entries.
 */
export function credentialVerifier(entries: readonly CredentialEntry[]): CredentialCheck {
  const users = new Map<string, { plain?: Buffer; parsed?: Parsed }>();
  for (const e of entries) {
    if (typeof e.username !== 'string' || e.username.length === 0) throw new CredentialError('every credential needs a username');
    if (users.has(e.username)) throw new CredentialError(`username ${JSON.stringify(e.username)} is listed twice`);
    if ((e.password === undefined) === (e.passwordHash === undefined)) {
      throw new CredentialError(`credential ${JSON.stringify(e.username)} needs exactly one of password and passwordHash`);
    }
    users.set(e.username, e.password !== undefined ? { plain: Buffer.from(e.password, 'utf8') } : { parsed: parsePasswordHash(e.passwordHash!) });
  }
  const memoKey = randomBytes(32);
  const memo = new Set<string>();
  const tagOf = (u: string, p: string) => createHmac('sha256', memoKey).update(u).update('\0').update(p).digest('base64');
  // An unknown username costs what a wrong password costs, so timing does not tell which names exist.
  const decoy = [...users.values()].find((u) => u.parsed)?.parsed;
  return async (username, password) => {
    const user = users.get(username);
    if (!user) {
      if (decoy) await scryptAsync(password, decoy);
      return false;
    }
    const tag = tagOf(username, password);
    if (memo.has(tag)) return true;
    let ok: boolean;
    if (user.plain) {
      const given = Buffer.from(password, 'utf8');
      ok = given.length === user.plain.length && timingSafeEqual(given, user.plain);
    } else {
      const got = await scryptAsync(password, user.parsed!);
      ok = timingSafeEqual(got, user.parsed!.hash);
    }
    if (ok) {
      if (memo.size >= MEMO_MAX) memo.clear();
      memo.add(tag);
    }
    return ok;
  };
}
