// The cryptographic client subcommands: create-key-pair, encrypt, decrypt, sign, verify, mac. Data comes
// from --in FILE or standard input (raw, or hex/base64 with --input-encoding); results go to --out FILE
// (mode 0600, written whole or not at all) or to standard output as hex or base64 (--encoding). Same
// connection flags, output conventions and exit codes as the other client commands (docs/cli.md), plus
// exit 4 from `verify` when the server says the signature is not valid.
import type { Command } from 'commander';
import type { CryptographicParameters, KmipClient } from '../../client/index.js';
import { connectionOptions, usage, type ConnectionFlags } from './options.js';
import { addAssignments, enumName, keyValueLines, usageMask } from './values.js';

type Flags = ConnectionFlags & Record<string, unknown>;

/** What client.ts lends this module (its private plumbing, so the conventions stay one implementation). */
export interface CliPlumbing {
  withClient(flags: Flags, uid: string | undefined, body: (c: KmipClient) => Promise<{ json: unknown; text: string }>): Promise<void>;
  writeSecretFile(path: string, data: Uint8Array): void;
  readInput(path: string | undefined): Promise<Buffer>;
}

/** Exit code of `verify` when the signature is Invalid (or Unknown). */
export const EXIT_NOT_VALID = 4;

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];
const opts = (cmd: Command): Flags => cmd.optsWithGlobals();

function hexFlag(text: unknown, flag: string): Uint8Array | undefined {
  if (text === undefined) return undefined;
  const s = String(text).replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})+$/.test(s)) throw usage(`${flag}: expected hex bytes (e.g. ${flag} 000102...)`);
  return Uint8Array.from(Buffer.from(s, 'hex'));
}

function positive(text: unknown, flag: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(String(text)) || Number(text) < 1) throw usage(`${flag} ${String(text)}: expected a positive integer`);
  return Number(text);
}

/** Input bytes as given (raw) or decoded from hex/base64 text. */
function decodeInput(raw: Buffer, encoding: unknown, what: string): Uint8Array {
  const enc = String(encoding ?? 'raw');
  if (enc === 'raw') return new Uint8Array(raw);
  const text = raw.toString('latin1').replace(/\s+/g, '');
  if (enc === 'hex') {
    if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw usage(`${what} is not hex`);
    return Uint8Array.from(Buffer.from(text, 'hex'));
  }
  if (enc === 'base64') {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw usage(`${what} is not base64`);
    return Uint8Array.from(Buffer.from(text, 'base64'));
  }
  throw usage(`--input-encoding ${enc}: expected raw, hex or base64`);
}

async function inputData(f: Flags, p: CliPlumbing): Promise<Uint8Array> {
  if (f.passwordStdin && (f.in === undefined || f.in === '-')) throw usage('--password-stdin takes standard input: give the data with --in FILE');
  const raw = await p.readInput(f.in as string | undefined);
  try {
    return decodeInput(raw, f.inputEncoding, f.in !== undefined && f.in !== '-' ? `--in ${String(f.in)}` : 'standard input');
  } finally {
    raw.fill(0);
  }
}

/** The Cryptographic Parameters flags shared by encrypt, decrypt, sign, verify and mac. */
function parameterFlags(cmd: Command): Command {
  return cmd
    .option('--algorithm <alg>', 'Cryptographic Algorithm: aes, rsa, hmac-sha256, ...')
    .option('--mode <mode>', 'Block Cipher Mode: cbc, ecb, ctr, gcm, ...')
    .option('--padding <method>', 'Padding Method: pkcs5, none, pkcs1v1-5, pss, oaep, ...')
    .option('--hash <alg>', 'Hashing Algorithm: sha-256, sha-384, ...')
    .option('--signature-algorithm <alg>', 'Digital Signature Algorithm: sha-256-with-rsa-encryption, ...')
    .option('--tag-length <bytes>', 'authenticated-encryption tag length in bytes (GCM)')
    .option('--random-iv', 'ask the server to make the IV (Random IV)')
    .option('--in <file>', 'the input data (default: standard input)')
    .option('--input-encoding <enc>', 'how the input is written: raw | hex | base64', 'raw');
}

function parametersOf(f: Flags, defaults: CryptographicParameters = {}): CryptographicParameters | undefined {
  const p: CryptographicParameters = { ...defaults };
  if (f.algorithm !== undefined) p.cryptographicAlgorithm = enumName('CryptographicAlgorithm', String(f.algorithm), '--algorithm');
  if (f.mode !== undefined) p.blockCipherMode = enumName('BlockCipherMode', String(f.mode), '--mode');
  if (f.padding !== undefined) p.paddingMethod = enumName('PaddingMethod', String(f.padding), '--padding');
  if (f.hash !== undefined) p.hashingAlgorithm = enumName('HashingAlgorithm', String(f.hash), '--hash');
  if (f.signatureAlgorithm !== undefined) p.digitalSignatureAlgorithm = enumName('DigitalSignatureAlgorithm', String(f.signatureAlgorithm), '--signature-algorithm');
  const tag = positive(f.tagLength, '--tag-length');
  if (tag !== undefined) p.tagLength = tag;
  if (f.randomIv) p.randomIV = true;
  for (const k of Object.keys(p) as (keyof CryptographicParameters)[]) if (p[k] === undefined) delete p[k];
  return Object.keys(p).length ? p : undefined;
}

/** Encrypt's and Decrypt's default parameters: AES, CBC unless --mode, PKCS5 padding for CBC and ECB, a
 *  16-byte tag for GCM; Random IV when asked for and the mode takes an IV. */
function cipherDefaults(f: Flags, o: { randomIV: boolean }): CryptographicParameters {
  const mode = f.mode !== undefined ? enumName('BlockCipherMode', String(f.mode), '--mode') : 'CBC';
  const defaults: CryptographicParameters = { cryptographicAlgorithm: 'AES', blockCipherMode: mode };
  if (mode === 'CBC' || mode === 'ECB') defaults.paddingMethod = 'PKCS5';
  if (mode === 'GCM') defaults.tagLength = 16;
  if (o.randomIV && mode !== 'ECB') defaults.randomIV = true;
  return defaults;
}

/** The output flags: --out FILE or standard output in an encoding. */
function outputFlags(cmd: Command, raw: boolean): Command {
  return cmd
    .option('--out <file>', 'write the result bytes to this file (mode 0600) instead of standard output')
    .option('--encoding <enc>', `how the result is printed: hex | base64${raw ? ' | raw (bytes as they are)' : ''}`, 'hex');
}

function encodingOf(f: Flags, raw: boolean): 'hex' | 'base64' | 'raw' {
  const enc = String(f.encoding ?? 'hex');
  if (enc === 'hex' || enc === 'base64' || (raw && enc === 'raw')) {
    if (enc === 'raw' && f.json) throw usage('--encoding raw and --json exclude each other');
    return enc;
  }
  throw usage(`--encoding ${enc}: expected hex${raw ? ', base64 or raw' : ' or base64'}`);
}

/** One byte result: to --out (0600), or printed. */
function emit(
  p: CliPlumbing, f: Flags, bytes: Uint8Array, key: string, info: Record<string, unknown>, raw: boolean,
): { json: unknown; text: string } {
  const enc = encodingOf(f, raw);
  if (f.out !== undefined) {
    p.writeSecretFile(String(f.out), bytes);
    const json = { ...info, bytes: bytes.length, out: String(f.out) };
    return { json, text: `wrote ${bytes.length} bytes to ${String(f.out)}\n` };
  }
  if (enc === 'raw') {
    process.stdout.write(Buffer.from(bytes)); // a copy: the caller zeroes its buffer
    return { json: null, text: '' };
  }
  const text = Buffer.from(bytes).toString(enc);
  return { json: { ...info, [key]: text, encoding: enc }, text: `${text}\n` };
}

export function registerCryptoCommands(program: Command, p: CliPlumbing): void {
  const cmd = (name: string, description: string): Command => connectionOptions(program.command(name).description(description));

  cmd('create-key-pair', 'create an asymmetric key pair (default RSA-2048; private key usage sign, public key usage verify)')
    .option('--algorithm <alg>', 'Cryptographic Algorithm (default RSA)')
    .option('--length <bits>', 'Cryptographic Length in bits (default 2048)')
    .option('--private-usage <list>', 'the private key\'s Cryptographic Usage Mask bits (default sign)')
    .option('--public-usage <list>', 'the public key\'s Cryptographic Usage Mask bits (default verify)')
    .option('--private-name <name>', 'Name of the private key')
    .option('--public-name <name>', 'Name of the public key')
    .option('--attr <NAME=VALUE>', 'an attribute of both keys (repeatable)', collect)
    .action(async (_o, c: Command) => {
      const f = opts(c);
      await p.withClient(f, undefined, async (client) => {
        const common = addAssignments({
          cryptographicAlgorithm: enumName('CryptographicAlgorithm', String(f.algorithm ?? 'RSA'), '--algorithm'),
          cryptographicLength: positive(f.length, '--length') ?? 2048,
        }, f.attr as string[] | undefined);
        const privateKey: Record<string, unknown> = { cryptographicUsageMask: usageMask(String(f.privateUsage ?? 'sign')) };
        const publicKey: Record<string, unknown> = { cryptographicUsageMask: usageMask(String(f.publicUsage ?? 'verify')) };
        if (f.privateName !== undefined) privateKey.name = String(f.privateName);
        if (f.publicName !== undefined) publicKey.name = String(f.publicName);
        const r = await client.createKeyPair({ common, privateKey, publicKey });
        return { json: r, text: keyValueLines({ privateKey: r.privateKeyUniqueIdentifier, publicKey: r.publicKeyUniqueIdentifier }) };
      });
    });

  outputFlags(parameterFlags(cmd('encrypt', 'encrypt data with a key on the server (default AES-CBC with PKCS5 padding; the server makes the IV unless --iv)')), false)
    .argument('<uid>', 'Unique Identifier of the key')
    .option('--iv <hex>', 'IV, counter or nonce (default: the server makes one and it is printed)')
    .option('--aad <hex>', 'authenticated-encryption additional data (GCM; KMIP 1.4+)')
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      await p.withClient(f, uid, async (client) => {
        const iv = hexFlag(f.iv, '--iv');
        // No IV given: ask the server for one explicitly (Random IV); a server may refuse to guess.
        const params = parametersOf(f, cipherDefaults(f, { randomIV: !iv }));
        const aad = hexFlag(f.aad, '--aad');
        encodingOf(f, false);
        const data = await inputData(f, p);
        try {
          const r = await client.encrypt(uid, data, {
            ...(params ? { cryptographicParameters: params } : {}),
            ...(iv ? { ivCounterNonce: iv } : {}),
            ...(aad ? { authenticatedEncryptionAdditionalData: aad } : {}),
          });
          const extra = {
            ...(r.ivCounterNonce ? { iv: Buffer.from(r.ivCounterNonce).toString('hex') } : {}),
            ...(r.authenticatedEncryptionTag ? { tag: Buffer.from(r.authenticatedEncryptionTag).toString('hex') } : {}),
          };
          const out = emit(p, f, r.data, 'data', { uniqueIdentifier: r.uniqueIdentifier, ...extra }, false);
          const lines = f.out !== undefined ? { out: String(f.out), bytes: r.data.length, ...extra } : { data: out.text.trim(), ...extra };
          return { json: { ...(out.json as object), ...extra }, text: keyValueLines(lines) };
        } finally {
          data.fill(0);
        }
      });
    });

  outputFlags(parameterFlags(cmd('decrypt', 'decrypt data with a key on the server (default AES-CBC with PKCS5 padding)')), true)
    .argument('<uid>', 'Unique Identifier of the key')
    .option('--iv <hex>', 'IV, counter or nonce')
    .option('--aad <hex>', 'authenticated-encryption additional data (GCM; KMIP 1.4+)')
    .option('--tag <hex>', 'authenticated-encryption tag (GCM; KMIP 1.4+)')
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      await p.withClient(f, uid, async (client) => {
        const iv = hexFlag(f.iv, '--iv');
        const params = parametersOf(f, cipherDefaults(f, { randomIV: false }));
        const aad = hexFlag(f.aad, '--aad');
        const tag = hexFlag(f.tag, '--tag');
        encodingOf(f, true);
        const data = await inputData(f, p);
        const r = await client.decrypt(uid, data, {
          ...(params ? { cryptographicParameters: params } : {}),
          ...(iv ? { ivCounterNonce: iv } : {}),
          ...(aad ? { authenticatedEncryptionAdditionalData: aad } : {}),
          ...(tag ? { authenticatedEncryptionTag: tag } : {}),
        });
        try {
          return emit(p, f, r.data, 'data', { uniqueIdentifier: r.uniqueIdentifier }, true);
        } finally {
          r.data.fill(0);
        }
      });
    });

  outputFlags(parameterFlags(cmd('sign', 'sign data with a private key on the server (default RSA, SHA-256, PKCS#1 v1.5)')), true)
    .argument('<uid>', 'Unique Identifier of the private key')
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      await p.withClient(f, uid, async (client) => {
        const params = parametersOf(f, signDefaults(f));
        encodingOf(f, true);
        const data = await inputData(f, p);
        const r = await client.sign(uid, data, params ? { cryptographicParameters: params } : {});
        return emit(p, f, r.signatureData, 'signature', { uniqueIdentifier: r.uniqueIdentifier }, true);
      });
    });

  parameterFlags(cmd('verify', `check a signature with a public key on the server: prints valid or invalid; exit ${EXIT_NOT_VALID} when not valid`))
    .argument('<uid>', 'Unique Identifier of the public key')
    .requiredOption('--signature <file>', 'the signature')
    .option('--signature-encoding <enc>', 'how the signature file is written: raw | hex | base64', 'raw')
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      let valid = false;
      await p.withClient(f, uid, async (client) => {
        const params = parametersOf(f, signDefaults(f));
        if (f.signature === '-' && (f.in === undefined || f.in === '-')) throw usage('--signature - reads standard input: give the data with --in FILE');
        const sigRaw = await p.readInput(String(f.signature)).catch((e: unknown) => {
          throw usage(`cannot read --signature ${String(f.signature)}: ${(e as Error).message.replace(/^.*?: /, '')}`);
        });
        const signature = decodeInput(sigRaw, f.signatureEncoding, `--signature ${String(f.signature)}`);
        const data = await inputData(f, p);
        const r = await client.signatureVerify(uid, data, signature, params ? { cryptographicParameters: params } : {});
        valid = r.valid;
        return { json: { uniqueIdentifier: r.uniqueIdentifier, validityIndicator: r.validityIndicator, valid: r.valid }, text: `${r.validityIndicator.toLowerCase()}\n` };
      });
      if (!valid) process.exitCode = EXIT_NOT_VALID;
    });

  outputFlags(parameterFlags(cmd('mac', "compute a MAC with a key on the server (algorithm: --algorithm, or the key's own)")), false)
    .argument('<uid>', 'Unique Identifier of the key')
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      await p.withClient(f, uid, async (client) => {
        const params = parametersOf(f);
        encodingOf(f, false);
        const data = await inputData(f, p);
        const r = await client.mac(uid, data, params ? { cryptographicParameters: params } : {});
        return emit(p, f, r.macData, 'mac', { uniqueIdentifier: r.uniqueIdentifier }, false);
      });
    });
}

/** sign/verify: RSA with SHA-256 and PKCS#1 v1.5 unless told otherwise (a signature algorithm names its own hash). */
function signDefaults(f: Flags): CryptographicParameters {
  if (f.signatureAlgorithm !== undefined) return { paddingMethod: 'PKCS1V1_5' };
  return { cryptographicAlgorithm: 'RSA', hashingAlgorithm: 'SHA_256', paddingMethod: 'PKCS1V1_5' };
}
