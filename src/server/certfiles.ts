// The certificate directory: reading what `kmipkit certs init` wrote, and writing it safely. Kept apart
// from certs.ts so that a server starting on existing files does not load the X.509 generator.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';

/** PEM texts. When read from a directory, the client and CA-key parts may be absent (an operator may
 *  move them off the server once the client has its copy). */
export interface CertificateSet {
  caPem: string;
  caKeyPem?: string;
  serverCertPem: string;
  serverKeyPem: string;
  clientCertPem?: string;
  clientKeyPem?: string;
  /** The directory the files are in, when they are in one. */
  dir?: string;
}

export const CERT_FILES = {
  caPem: 'ca.crt',
  caKeyPem: 'ca.key',
  serverCertPem: 'server.crt',
  serverKeyPem: 'server.key',
  clientCertPem: 'client.crt',
  clientKeyPem: 'client.key',
} as const;
type Part = keyof typeof CERT_FILES;
const PARTS = Object.keys(CERT_FILES) as Part[];
const REQUIRED: readonly Part[] = ['caPem', 'serverCertPem', 'serverKeyPem'];
const isKey = (p: Part): boolean => CERT_FILES[p].endsWith('.key');

/** Private keys are readable by their owner only. */
export const KEY_FILE_MODE = 0o600;
export const CERT_FILE_MODE = 0o644;
/** The directory holds private keys: owner only. */
export const CERT_DIR_MODE = 0o700;
/** A PEM certificate or key is a few KB: reading no more stops a path pointed at a huge file or a device. */
const MAX_PEM_BYTES = 1024 * 1024;

export type CertsErrorCode = 'ERR_CERTS_EXISTS' | 'ERR_CERTS_INCOMPLETE' | 'ERR_CERTS_IO';

export class CertsError extends Error {
  readonly code: CertsErrorCode;
  constructor(code: CertsErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CertsError';
    this.code = code;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await fs.lstat(path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CertsError('ERR_CERTS_IO', `cannot inspect ${path}: ${(e as NodeJS.ErrnoException).code}`, { cause: e });
  }
}

/** Reads a PEM file of bounded size; the error names the file, never its content. */
export async function readPemFile(path: string): Promise<string> {
  let fh;
  try {
    fh = await fs.open(path, 'r');
    const st = await fh.stat();
    if (!st.isFile()) throw new CertsError('ERR_CERTS_IO', `${path} is not a regular file`);
    if (st.size > MAX_PEM_BYTES) throw new CertsError('ERR_CERTS_IO', `${path} is larger than ${MAX_PEM_BYTES} bytes: not a PEM file`);
    const text = await fh.readFile('utf8');
    if (!text.includes('-----BEGIN ')) throw new CertsError('ERR_CERTS_IO', `${path} is not PEM (no -----BEGIN line)`);
    return text;
  } catch (e) {
    if (e instanceof CertsError) throw e;
    throw new CertsError('ERR_CERTS_IO', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
  } finally {
    await fh?.close();
  }
}

/** The certificates in `dir`, or undefined when it holds none of the files. Throws ERR_CERTS_INCOMPLETE
 *  when some of what a server needs (ca.crt, server.crt, server.key) is there and some is not. */
export async function readCertificateDir(dir: string): Promise<CertificateSet | undefined> {
  const present = new Map<Part, boolean>();
  for (const p of PARTS) present.set(p, await exists(join(dir, CERT_FILES[p])));
  if (![...present.values()].some(Boolean)) return undefined;
  const missing = REQUIRED.filter((p) => !present.get(p)).map((p) => CERT_FILES[p]);
  if (missing.length > 0) {
    throw new CertsError(
      'ERR_CERTS_INCOMPLETE',
      `${dir} lacks ${missing.join(', ')}; restore them, or generate a new set with \`kmipkit certs init --dir ${dir} --force\` (clients then need the new client certificate)`,
    );
  }
  const set: Partial<CertificateSet> = { dir };
  for (const p of PARTS) if (present.get(p)) set[p] = await readPemFile(join(dir, CERT_FILES[p]));
  return set as CertificateSet;
}

/** Writes every part of `set` into `dir`. Without `force`, refuses (writing nothing) if any file is there. */
export async function writeCertificateFiles(dir: string, set: CertificateSet, force: boolean): Promise<CertificateSet> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: CERT_DIR_MODE });
  } catch (e) {
    throw new CertsError('ERR_CERTS_IO', `cannot create ${dir}: ${(e as NodeJS.ErrnoException).code}`, { cause: e });
  }
  const parts = PARTS.filter((p) => set[p] !== undefined);
  if (!force) {
    const taken: string[] = [];
    for (const p of parts) if (await exists(join(dir, CERT_FILES[p]))) taken.push(CERT_FILES[p]);
    if (taken.length > 0) {
      throw new CertsError('ERR_CERTS_EXISTS', `${dir} already holds ${taken.join(', ')}; pass --force to replace them (clients then need the new client certificate)`);
    }
  }
  for (const p of parts) {
    const path = join(dir, CERT_FILES[p]);
    const mode = isKey(p) ? KEY_FILE_MODE : CERT_FILE_MODE;
    try {
      if (!force) {
        // 'wx': a file that appeared since the check above is not overwritten.
        await fs.writeFile(path, set[p] as string, { mode, flag: 'wx' });
      } else {
        // Replace by rename, so the key is never readable with the old file's wider mode.
        const tmp = join(dir, `.${CERT_FILES[p]}.${randomBytes(6).toString('hex')}.tmp`);
        await fs.writeFile(tmp, set[p] as string, { mode, flag: 'wx' });
        await fs.rename(tmp, path);
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new CertsError('ERR_CERTS_EXISTS', `${path} appeared while writing; pass --force to replace it`, { cause: e });
      throw new CertsError('ERR_CERTS_IO', `cannot write ${path}: ${code ?? (e as Error).message}`, { cause: e });
    }
  }
  return { ...set, dir };
}
