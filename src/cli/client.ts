// The client subcommands: create, register, get, locate, activate, revoke, destroy, rekey, attributes,
// query, versions, rng. Each connects with the shared flags (client/options.ts), runs one operation and
// prints key: value lines or, with --json, one JSON document (docs/cli.md).
// Exit codes: 0 ok; 1 usage or configuration; 2 connection or TLS failure; 3 the server refused.
// Key material is printed only when asked (--print) and written only to files created mode 0600.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { KmipClient, KmipError, KmipProtocolError, KmipTransportError, type CryptographicParameters, type KeyWrappingSpecification, type ObjectInput } from '../client/index.js';
import { CliError, clientOptions, connectionOptions, resolveConnection, transportFailure, usage, writePrivateFile, type ConnectionFlags } from './client/options.js';
import { addAssignments, attributeValue, enumName, kebab, keyValueLines, parseAssignment, plain, usageMask } from './client/values.js';
import { registerCryptoCommands } from './client/crypto.js';

type Flags = ConnectionFlags & Record<string, unknown>;

const NOT_FOUND = new Set(['ItemNotFound', 'ObjectNotFound']);

/** A thrown error as the CLI reports it (never the request's content: no key material). */
function classify(e: unknown, ctx: { uid?: string; servers: string[] }): CliError {
  if (e instanceof CliError) return e;
  if (e instanceof KmipError) {
    const reason = e.reason ?? 'unknown reason';
    const hint = NOT_FOUND.has(reason) && ctx.uid !== undefined ? ` (no object with unique identifier ${ctx.uid})` : '';
    return new CliError(3, 'kmip', `the server refused ${e.operation ?? 'the request'}: ${reason}${e.resultMessage ? `: ${e.resultMessage}` : ''}${hint}`, reason);
  }
  if (e instanceof KmipTransportError) return transportFailure(e, ctx.servers);
  if (e instanceof KmipProtocolError) return new CliError(2, 'protocol', `the server's answer is not a valid KMIP response: ${e.message}`);
  if (e instanceof TypeError || e instanceof RangeError) return usage(e.message);
  const err = e as Error;
  return new CliError(1, 'error', err?.message ?? String(e));
}

function fail(err: CliError, json: boolean): never {
  if (json) process.stderr.write(`${JSON.stringify({ error: { exitCode: err.exitCode, kind: err.kind, ...(err.reason ? { reason: err.reason } : {}), message: err.message } })}\n`);
  else process.stderr.write(`kmipkit: ${err.message}\n`);
  process.exit(err.exitCode);
}

/** Runs one subcommand: settings, client, the operation, output; maps every failure to an exit code. */
async function withClient(flags: Flags, uid: string | undefined, body: (c: KmipClient) => Promise<{ json: unknown; text: string }>): Promise<void> {
  const json = flags.json === true;
  let servers: string[] = [];
  let client: KmipClient | undefined;
  try {
    const resolved = resolveConnection(flags);
    servers = resolved.servers;
    client = new KmipClient(await clientOptions(resolved));
    const out = await body(client);
    process.stdout.write(json ? `${JSON.stringify(plain(out.json), null, 2)}\n` : out.text);
  } catch (e) {
    await client?.close().catch(() => undefined);
    fail(classify(e, { uid, servers }), json);
  }
  await client.close().catch(() => undefined);
}

/** Options of a subcommand with the global ones merged in (commander keeps them per command). */
const opts = (cmd: Command): Flags => cmd.optsWithGlobals();

function int(text: string | undefined, flag: string, min = 0): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min) throw usage(`${flag} ${text}: expected an integer >= ${min}`);
  return Number(text);
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** Key material to a file: mode 0600, whole or not at all. */
const writeSecretFile = (path: string, data: Uint8Array): void => writePrivateFile(path, data);

const OBJECT_TYPES: Record<string, string> = {
  'symmetric-key': 'SymmetricKey', 'secret-data': 'SecretData', opaque: 'OpaqueObject', certificate: 'Certificate', 'public-key': 'PublicKey', 'private-key': 'PrivateKey',
};
function objectType(text: string, allowed: readonly string[]): string {
  const t = OBJECT_TYPES[text] ?? OBJECT_TYPES[kebab(text)];
  if (!t || !allowed.includes(t)) throw usage(`--type ${text}: expected one of ${Object.keys(OBJECT_TYPES).filter((k) => allowed.includes(OBJECT_TYPES[k])).join(', ')}`);
  return t;
}

/** Common attribute flags of create and register. */
function commonAttributes(f: Flags): Record<string, unknown> {
  const attrs: Record<string, unknown> = {};
  if (f.name !== undefined) attrs.name = f.name;
  if (f.group !== undefined) attrs.objectGroup = f.group;
  if (typeof f.usage === 'string') attrs.cryptographicUsageMask = usageMask(f.usage);
  return addAssignments(attrs, f.attr as string[] | undefined);
}

/** PEM to DER (the first block); anything else as it is. */
function derOf(bytes: Buffer): Buffer {
  const text = bytes.subarray(0, 64).toString('latin1');
  if (!text.includes('-----BEGIN ')) return bytes;
  const m = /-----BEGIN [^-]+-----([\s\S]*?)-----END [^-]+-----/.exec(bytes.toString('latin1'));
  if (!m) throw usage('the input looks like PEM but has no END line');
  return Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
}

async function readInput(path: string | undefined): Promise<Buffer> {
  if (path === undefined || path === '-') {
    if (process.stdin.isTTY) throw usage('no material: give --in FILE or pipe it on standard input');
    const chunks: Buffer[] = [];
    for await (const c of process.stdin) chunks.push(c as Buffer);
    const all = Buffer.concat(chunks);
    chunks.forEach((c) => c.fill(0));
    return all;
  }
  try {
    return readFileSync(path);
  } catch (e) {
    throw usage(`cannot read --in ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** --wrap-mode names: how the server wraps (Get) or unwraps (Register) with the key named by the flag. */
const WRAP_MODES: Record<string, CryptographicParameters> = {
  'aes-kw': { blockCipherMode: 'NISTKeyWrap' }, // RFC 3394
  'aes-kwp': { blockCipherMode: 'AESKeyWrapPadding' }, // RFC 5649
  'rsa-oaep': { paddingMethod: 'OAEP', hashingAlgorithm: 'SHA_1' },
  'rsa-oaep-sha256': { paddingMethod: 'OAEP', hashingAlgorithm: 'SHA_256', maskGenerator: 'MGF1', maskGeneratorHashingAlgorithm: 'SHA_256' },
};

function wrapSpec(uid: string | undefined, mode: string | undefined, flag: string): KeyWrappingSpecification | undefined {
  if (uid === undefined) {
    if (mode !== undefined) throw usage(`--wrap-mode goes with ${flag}`);
    return undefined;
  }
  const params = WRAP_MODES[mode ?? 'aes-kw'];
  if (!params) throw usage(`--wrap-mode ${mode}: expected ${Object.keys(WRAP_MODES).join(', ')}`);
  // No Encoding: the key material's own bytes are wrapped, what other tools (openssl, HSMs) produce and take.
  return { wrappingKeyUid: uid, wrappingMethod: 'Encrypt', cryptographicParameters: params, encodingOption: 'NoEncoding' };
}

const done = (verb: string) => (r: { uniqueIdentifier: string }) => ({ json: { uniqueIdentifier: r.uniqueIdentifier }, text: `${verb} ${r.uniqueIdentifier}\n` });

export function registerClientCommands(program: Command): void {
  const cmd = (name: string, description: string): Command => connectionOptions(program.command(name).description(description));

  cmd('create', 'create a symmetric key (default AES-256, usage encrypt,decrypt) or secret data on the server')
    .option('--type <type>', 'symmetric-key | secret-data', 'symmetric-key')
    .option('--algorithm <alg>', 'Cryptographic Algorithm (symmetric keys; default AES)')
    .option('--length <bits>', 'Cryptographic Length in bits (symmetric keys; default 256)')
    .option('--usage <list>', 'Cryptographic Usage Mask bits, comma-separated (default encrypt,decrypt)')
    .option('--name <name>', 'Name attribute')
    .option('--group <group>', 'Object Group attribute')
    .option('--attr <NAME=VALUE>', 'any other attribute (repeatable), e.g. x-Owner=alice', collect)
    .action(async (_o, c: Command) => {
      const f = opts(c);
      await withClient(f, undefined, async (client) => {
        const type = objectType(String(f.type), ['SymmetricKey', 'SecretData']);
        if (f.usage === undefined) f.usage = 'encrypt,decrypt';
        const attrs = commonAttributes(f);
        if (type === 'SymmetricKey') {
          attrs.cryptographicAlgorithm = enumName('CryptographicAlgorithm', String(f.algorithm ?? 'AES'), '--algorithm');
          attrs.cryptographicLength = int(f.length as string | undefined, '--length', 1) ?? 256;
        } else if (f.algorithm !== undefined || f.length !== undefined) {
          throw usage('--algorithm and --length apply to symmetric keys only');
        }
        const r = await client.create(attrs, { objectType: type });
        return { json: { uniqueIdentifier: r.uniqueIdentifier, objectType: r.objectType }, text: `created ${r.objectType} ${r.uniqueIdentifier}\n` };
      });
    });

  cmd('register', 'register an object whose material you have (from --in FILE or standard input; PEM is converted to DER)')
    .requiredOption('--type <type>', 'symmetric-key | secret-data | opaque | certificate | public-key | private-key')
    .option('--in <file>', 'the material (default: standard input)')
    .option('--format <format>', 'Key Format Type: raw, opaque, pkcs1, pkcs8, x509, ... (default: raw for symmetric keys, opaque for secret data, pkcs8 private, x509 public)')
    .option('--algorithm <alg>', 'Cryptographic Algorithm (keys)')
    .option('--length <bits>', 'Cryptographic Length in bits (keys; default for raw symmetric keys: 8 x bytes)')
    .option('--usage <list>', 'Cryptographic Usage Mask bits, comma-separated')
    .option('--name <name>', 'Name attribute')
    .option('--group <group>', 'Object Group attribute')
    .option('--attr <NAME=VALUE>', 'any other attribute (repeatable)', collect)
    .option('--wrapped-by <uid>', 'the material is wrapped by this key held by the server (bring your own key): the server unwraps it (Import, Key Wrap Type Not Wrapped) under a new identifier')
    .option('--wrap-mode <mode>', `with --wrapped-by: ${Object.keys(WRAP_MODES).join(' | ')} (default aes-kw)`)
    .option('--keep-wrapped', 'with --wrapped-by: store the key wrapped, as given (Register); the server cannot use it until it is unwrapped')
    .action(async (_o, c: Command) => {
      const f = opts(c);
      await withClient(f, undefined, async (client) => {
        const type = objectType(String(f.type), Object.values(OBJECT_TYPES));
        const wrap = wrapSpec(f.wrappedBy as string | undefined, f.wrapMode as string | undefined, '--wrapped-by');
        const attrs = commonAttributes(f);
        if (f.passwordStdin && (f.in === undefined || f.in === '-')) throw usage('--password-stdin takes standard input: give the material with --in FILE');
        const material = derOf(await readInput(f.in as string | undefined));
        if (material.length === 0) throw usage('the material is empty');
        const isKey = ['SymmetricKey', 'SecretData', 'PublicKey', 'PrivateKey'].includes(type);
        if (wrap && !isKey) throw usage('--wrapped-by applies to keys and secret data only');
        if (!isKey && (f.algorithm !== undefined || f.length !== undefined || f.format !== undefined)) {
          throw usage('--algorithm, --length and --format apply to keys and secret data only');
        }
        let object: ObjectInput;
        if (isKey) {
          const algorithm = f.algorithm !== undefined ? enumName('CryptographicAlgorithm', String(f.algorithm), '--algorithm') : type === 'SymmetricKey' ? 'AES' : undefined;
          // RFC 3394 adds 8 bytes to what it wraps; other wrappings hide the key's length, so it must be given.
          const plainBytes = !wrap ? material.length : f.wrapMode === undefined || f.wrapMode === 'aes-kw' ? material.length - 8 : undefined;
          const length = int(f.length as string | undefined, '--length', 1) ?? (type === 'SymmetricKey' && plainBytes !== undefined ? plainBytes * 8 : undefined);
          if (wrap && type === 'SymmetricKey' && length === undefined) throw usage(`--wrap-mode ${String(f.wrapMode)} hides the key's length: give --length`);
          object = {
            objectType: type as 'SymmetricKey',
            keyMaterial: new Uint8Array(material),
            ...(wrap ? { keyWrappingData: { wrappingMethod: wrap.wrappingMethod, wrappingKeyUid: wrap.wrappingKeyUid, cryptographicParameters: wrap.cryptographicParameters, encodingOption: wrap.encodingOption } } : {}),
            ...(f.format !== undefined ? { keyFormatType: enumName('KeyFormatType', String(f.format), '--format') } : {}),
            ...(type !== 'SecretData' && algorithm ? { cryptographicAlgorithm: algorithm } : {}),
            ...(type !== 'SecretData' && length !== undefined ? { cryptographicLength: length } : {}),
            ...(type === 'SecretData' ? { secretDataType: 'Password' } : {}),
          };
          if (type !== 'SecretData') {
            if (algorithm) attrs.cryptographicAlgorithm ??= algorithm;
            if (length !== undefined) attrs.cryptographicLength ??= length;
          }
          if (type === 'SymmetricKey') attrs.cryptographicUsageMask ??= ['Encrypt', 'Decrypt'];
        } else if (type === 'Certificate') {
          object = { objectType: 'Certificate', certificateType: 'X_509', value: new Uint8Array(material) };
        } else {
          object = { objectType: 'OpaqueObject', opaqueDataType: 0x80000000, value: new Uint8Array(material) };
        }
        material.fill(0);
        try {
          if (f.keepWrapped && !wrap) throw usage('--keep-wrapped goes with --wrapped-by');
          const r = wrap && !f.keepWrapped
            ? await client.importObject(randomUUID(), object, { keyWrapType: 'NotWrapped', attributes: attrs })
            : await client.register(object, attrs);
          const how = wrap ? (f.keepWrapped ? ' (stored wrapped)' : ` (unwrapped by the server with ${wrap.wrappingKeyUid})`) : '';
          return { json: { uniqueIdentifier: r.uniqueIdentifier, objectType: type, ...(wrap ? { wrapped: Boolean(f.keepWrapped) } : {}) }, text: `registered ${type} ${r.uniqueIdentifier}${how}\n` };
        } finally {
          if ('keyMaterial' in object) object.keyMaterial.fill(0);
          if ('value' in object) object.value.fill(0);
        }
      });
    });

  cmd('get', 'fetch an object; its material goes to --out FILE (mode 0600) or, with --print, to standard output')
    .argument('<uid>', 'Unique Identifier')
    .option('--out <file>', 'write the material (key bytes, certificate DER, secret bytes) to this file, mode 0600')
    .option('--print <encoding>', 'print the material on standard output: hex | base64')
    .option('--format <format>', 'ask for this Key Format Type (raw, pkcs8, x509, ...)')
    .option('--wrap-with <uid>', 'have the server wrap the key with this key of its own (Wrap Key usage); the wrapped bytes are the material')
    .option('--wrap-mode <mode>', `with --wrap-with: ${Object.keys(WRAP_MODES).join(' | ')} (default aes-kw)`)
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      await withClient(f, uid, async (client) => {
        const print = f.print as string | undefined;
        if (print !== undefined && print !== 'hex' && print !== 'base64') throw usage(`--print ${print}: expected hex or base64`);
        const format = f.format !== undefined ? enumName('KeyFormatType', String(f.format), '--format') : undefined;
        const wrap = wrapSpec(f.wrapWith as string | undefined, f.wrapMode as string | undefined, '--wrap-with');
        const r = await client.get(uid, { ...(format ? { keyFormatType: format } : {}), ...(wrap ? { keyWrappingSpecification: wrap } : {}) });
        if (wrap && !r.wrapped) throw new Error(`the server answered object ${uid} unwrapped although a wrapped key was asked for`);
        const material = r.wrapped?.bytes ?? r.keyMaterial ?? r.value;
        try {
          if ((f.out !== undefined || print !== undefined) && material === undefined) {
            throw usage(`object ${uid} has no byte material in format ${r.keyFormatType ?? '?'} (a structured key): ask --format raw, pkcs8 or x509`);
          }
          if (f.out !== undefined && material) writeSecretFile(String(f.out), material);
          const info = {
            uniqueIdentifier: r.uniqueIdentifier,
            objectType: r.objectType,
            keyFormatType: r.keyFormatType,
            cryptographicAlgorithm: r.cryptographicAlgorithm,
            cryptographicLength: r.cryptographicLength,
            secretDataType: r.secretDataType,
            certificateType: r.certificateType,
            bytes: material?.length,
            ...(r.wrapped ? { wrappedBy: r.wrapped.wrappingKeyUid, wrapMode: f.wrapMode ?? 'aes-kw' } : {}),
            out: f.out as string | undefined,
          };
          const encoded = print && material ? Buffer.from(material).toString(print as 'hex' | 'base64') : undefined;
          if (f.json) return { json: { ...info, ...(encoded !== undefined ? { material: encoded, encoding: print } : {}) }, text: '' };
          if (encoded !== undefined) return { json: null, text: `${encoded}\n` };
          const note = f.out === undefined ? { material: 'not shown (use --out FILE, or --print hex|base64)' } : {};
          return { json: null, text: keyValueLines({ ...info, ...note }) };
        } finally {
          material?.fill(0);
        }
      });
    });

  cmd('locate', 'find objects; prints their unique identifiers')
    .option('--name <name>', 'Name')
    .option('--type <type>', 'Object Type: symmetric-key, secret-data, opaque, certificate, public-key, private-key')
    .option('--state <state>', 'State: pre-active, active, deactivated, compromised, destroyed, destroyed-compromised')
    .option('--algorithm <alg>', 'Cryptographic Algorithm')
    .option('--group <group>', 'Object Group')
    .option('--attr <NAME=VALUE>', 'any other attribute (repeatable)', collect)
    .option('--max <n>', 'Maximum Items')
    .option('--offset <n>', 'Offset Items (KMIP 1.3+)')
    .option('--all', 'page through every match (--max is the page size)')
    .action(async (_o, c: Command) => {
      const f = opts(c);
      await withClient(f, undefined, async (client) => {
        const attrs: Record<string, unknown> = {};
        if (f.name !== undefined) attrs.name = f.name;
        if (f.type !== undefined) attrs.objectType = objectType(String(f.type), Object.values(OBJECT_TYPES));
        if (f.state !== undefined) attrs.state = enumName('State', String(f.state), '--state');
        if (f.algorithm !== undefined) attrs.cryptographicAlgorithm = enumName('CryptographicAlgorithm', String(f.algorithm), '--algorithm');
        if (f.group !== undefined) attrs.objectGroup = f.group;
        addAssignments(attrs, f.attr as string[] | undefined);
        const max = int(f.max as string | undefined, '--max', 1);
        const offset = int(f.offset as string | undefined, '--offset');
        let ids: string[];
        let located: number | undefined;
        if (f.all) {
          if (offset !== undefined) throw usage('--all pages from the start: drop --offset');
          ids = [];
          for await (const id of client.locateAll(attrs, max ? { pageSize: max } : {})) ids.push(id);
        } else {
          const r = await client.locate(attrs, { ...(max !== undefined ? { maximumItems: max } : {}), ...(offset !== undefined ? { offsetItems: offset } : {}) });
          ids = r.uniqueIdentifiers;
          located = r.locatedItems;
        }
        return {
          json: { uniqueIdentifiers: ids, ...(located !== undefined ? { locatedItems: located } : {}) },
          text: ids.map((id) => `${id}\n`).join(''),
        };
      });
    });

  cmd('activate', 'activate an object (Pre-Active -> Active)')
    .argument('<uid>')
    .action(async (uid: string, _o, c: Command) => withClient(opts(c), uid, async (client) => done('activated')(await client.activate(uid))));

  cmd('revoke', 'revoke an object (Active -> Deactivated, or Compromised for the compromise reasons)')
    .argument('<uid>')
    .option('--reason <reason>', 'key-compromise | ca-compromise | affiliation-changed | superseded | cessation-of-operation | privilege-withdrawn | unspecified', 'unspecified')
    .option('--message <text>', 'Revocation Message')
    .option('--compromise-date <iso>', 'Compromise Occurrence Date (default now, for the compromise reasons)')
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      await withClient(f, uid, async (client) => {
        const reason = enumName('RevocationReasonCode', String(f.reason), '--reason');
        let date: Date | undefined;
        if (f.compromiseDate !== undefined) {
          date = new Date(String(f.compromiseDate));
          if (!Number.isFinite(date.getTime())) throw usage(`--compromise-date ${String(f.compromiseDate)}: not a date`);
        } else if (/Compromise$/.test(reason)) date = new Date();
        const r = await client.revoke(uid, reason, {
          ...(f.message !== undefined ? { message: String(f.message) } : {}),
          ...(date ? { compromiseOccurrenceDate: date } : {}),
        });
        return done('revoked')(r);
      });
    });

  cmd('destroy', 'destroy an object (its material is gone; its attributes stay)')
    .argument('<uid>')
    .action(async (uid: string, _o, c: Command) => withClient(opts(c), uid, async (client) => done('destroyed')(await client.destroy(uid))));

  cmd('rekey', 'replace a symmetric key with a new one (prints the new unique identifier)')
    .argument('<uid>')
    .option('--offset <seconds>', 'Offset: the new key becomes active this many seconds from now')
    .action(async (uid: string, _o, c: Command) => {
      const f = opts(c);
      await withClient(f, uid, async (client) => {
        const offset = int(f.offset as string | undefined, '--offset');
        const r = await client.reKey(uid, offset !== undefined ? { offset } : {});
        return { json: { uniqueIdentifier: r.uniqueIdentifier, replaced: uid }, text: `rekeyed ${uid} -> ${r.uniqueIdentifier}\n` };
      });
    });

  const attributes = program.command('attributes').description("read and change an object's attributes");
  const sub = (name: string, description: string): Command => connectionOptions(attributes.command(name).description(description));
  const instance = (f: Flags, key: string): { index?: number; current?: unknown } => {
    if (f.index !== undefined && f.current !== undefined) throw usage('give --index or --current, not both');
    if (f.index !== undefined) return { index: int(String(f.index), '--index') };
    if (f.current !== undefined) return { current: attributeValue(key, String(f.current)) };
    return {};
  };

  sub('get', 'all attributes, or those named (camelCase keys, spec names or x-Custom)')
    .argument('<uid>')
    .argument('[names...]')
    .action(async (uid: string, names: string[], _o, c: Command) =>
      withClient(opts(c), uid, async (client) => {
        const r = await client.getAttributes(uid, names.length ? names : undefined);
        return { json: { uniqueIdentifier: r.uniqueIdentifier, attributes: r.attributes }, text: keyValueLines(r.attributes) };
      }),
    );
  sub('list', 'the names of the attributes the object has')
    .argument('<uid>')
    .action(async (uid: string, _o, c: Command) =>
      withClient(opts(c), uid, async (client) => {
        const names = await client.getAttributeList(uid);
        return { json: { uniqueIdentifier: uid, names }, text: names.map((n) => `${n}\n`).join('') };
      }),
    );
  for (const [name, description] of [
    ['add', 'add an attribute instance: NAME=VALUE'],
    ['set', 'set a single-valued attribute, adding it when absent (KMIP 2.x): NAME=VALUE'],
    ['modify', 'change an attribute: NAME=VALUE (multi-valued ones: which instance with --index (1.x) or --current VALUE (2.x))'],
  ] as const) {
    const s = sub(name, description).argument('<uid>').argument('<assignment>', 'NAME=VALUE');
    if (name === 'modify') s.option('--index <n>', 'Attribute Index (KMIP 1.x)').option('--current <value>', 'the current value to replace (KMIP 2.x)');
    s.action(async (uid: string, assignment: string, _o, c: Command) => {
      const f = opts(c);
      await withClient(f, uid, async (client) => {
        const [key, value] = parseAssignment(assignment, name);
        const r =
          name === 'add' ? await client.addAttribute(uid, key, value)
          : name === 'set' ? await client.setAttribute(uid, key, value)
          : await client.modifyAttribute(uid, key, value, instance(f, key));
        return { json: { uniqueIdentifier: r.uniqueIdentifier, attribute: key }, text: `${name === 'add' ? 'added' : name === 'set' ? 'set' : 'modified'} ${key} on ${r.uniqueIdentifier}\n` };
      });
    });
  }
  sub('delete', 'delete an attribute (multi-valued ones: which instance with --index (1.x) or --current VALUE (2.x))')
    .argument('<uid>')
    .argument('<name>')
    .option('--index <n>', 'Attribute Index (KMIP 1.x)')
    .option('--current <value>', 'the current value to delete (KMIP 2.x)')
    .action(async (uid: string, key: string, _o, c: Command) => {
      const f = opts(c);
      await withClient(f, uid, async (client) => {
        const r = await client.deleteAttribute(uid, key, instance(f, key));
        return { json: { uniqueIdentifier: r.uniqueIdentifier, attribute: key }, text: `deleted ${key} on ${r.uniqueIdentifier}\n` };
      });
    });

  cmd('query', "the server's operations, object types and identification")
    .action(async (_o, c: Command) =>
      withClient(opts(c), undefined, async (client) => {
        const q = await client.query();
        const version = await client.version();
        const json = {
          version,
          vendorIdentification: q.vendorIdentification,
          serverInformation: q.serverInformation,
          operations: q.operations,
          objectTypes: q.objectTypes,
          applicationNamespaces: q.applicationNamespaces,
        };
        return { json, text: keyValueLines(json) };
      }),
    );

  cmd('versions', 'the protocol versions the server speaks (Discover Versions), best first')
    .action(async (_o, c: Command) =>
      withClient(opts(c), undefined, async (client) => {
        const versions = await client.discoverVersions();
        return { json: { versions }, text: versions.map((v) => `${v}\n`).join('') };
      }),
    );

  cmd('rng', 'random bytes from the server (RNG Retrieve), printed as hex or written to --out')
    .requiredOption('--length <bytes>', 'how many bytes')
    .option('--encoding <enc>', 'hex | base64', 'hex')
    .option('--out <file>', 'write the raw bytes to this file (mode 0600) instead of printing them')
    .action(async (_o, c: Command) => {
      const f = opts(c);
      await withClient(f, undefined, async (client) => {
        const length = int(String(f.length), '--length', 1)!;
        const enc = String(f.encoding);
        if (enc !== 'hex' && enc !== 'base64') throw usage(`--encoding ${enc}: expected hex or base64`);
        const bytes = await client.rngRetrieve(length);
        try {
          if (f.out !== undefined) {
            writeSecretFile(String(f.out), bytes);
            return { json: { length: bytes.length, out: String(f.out) }, text: `wrote ${bytes.length} bytes to ${String(f.out)}\n` };
          }
          const text = Buffer.from(bytes).toString(enc);
          return { json: { length: bytes.length, encoding: enc, data: text }, text: `${text}\n` };
        } finally {
          bytes.fill(0);
        }
      });
    });
  registerCryptoCommands(program, { withClient, writeSecretFile, readInput });
}
