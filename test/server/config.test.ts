// `kmipkit serve` configuration: precedence (defaults < file < environment < flags) and the messages a
// wrong value gets, on real files in a temp directory.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type ConfigFlags } from '../../src/server/config.js';
import { MAX_MESSAGE_SIZE } from '../../src/ttlv/limits.js';

const cwd = mkdtempSync(join(tmpdir(), 'kmipkit-config-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function file(name: string, content: unknown): string {
  const path = join(cwd, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function load(flags: ConfigFlags = {}, env: NodeJS.ProcessEnv = {}) {
  return loadConfig(flags, { env, cwd });
}

function error(flags: ConfigFlags, env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    load(flags, env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('precedence', () => {
  it('defaults: every interface, port 5696, ./kmipkit-data, SQLite, development certificates', () => {
    expect(load()).toEqual({
      host: '0.0.0.0',
      port: 5696,
      dataDir: join(cwd, 'kmipkit-data'),
      store: 'sqlite',
      limits: {},
      compatibility: { basicAuthenticationSuite: false, pykmip: false, kmip30Algorithms: false },
      credentials: [],
      configFile: undefined,
    });
  });

  it('file < environment < flags, field by field; limits merge key by key', () => {
    const cfg = file('conf/a.json', {
      host: '10.0.0.1',
      port: 6000,
      dataDir: 'data',
      store: 'memory',
      limits: { maxConnections: 10, idleTimeoutMs: 1000 },
      compatibility: { basicAuthenticationSuite: true, pykmip: true },
    });
    const fromFile = load({ config: cfg });
    // Relative paths in a file are relative to the file.
    expect(fromFile).toMatchObject({ host: '10.0.0.1', port: 6000, dataDir: join(cwd, 'conf', 'data'), store: 'memory', configFile: cfg });
    expect(fromFile.compatibility.basicAuthenticationSuite).toBe(true);

    const env = { KMIPKIT_PORT: '7000', KMIPKIT_HOST: '10.0.0.2', KMIPKIT_MAX_CONNECTIONS: '20', KMIPKIT_BASIC_AUTH_SUITE: 'false', KMIPKIT_STORE: 'sqlite' };
    const withEnv = load({ config: cfg }, env);
    expect(withEnv).toMatchObject({ host: '10.0.0.2', port: 7000, store: 'sqlite', limits: { maxConnections: 20, idleTimeoutMs: 1000 } });
    expect(withEnv.compatibility.basicAuthenticationSuite).toBe(false);
    // The file's pykmip survives an environment that sets only the other compatibility key.
    expect(withEnv.compatibility.pykmip).toBe(true);
    expect(load({ config: cfg }, { ...env, KMIPKIT_PYKMIP_COMPAT: 'no' }).compatibility.pykmip).toBe(false);

    const withFlags = load({ config: cfg, port: '0', host: '127.0.0.1', dataDir: 'elsewhere', memory: true }, env);
    expect(withFlags).toMatchObject({ host: '127.0.0.1', port: 0, dataDir: join(cwd, 'elsewhere'), store: 'memory' });
  });

  it('DATA_DIR/kmipkit.json is read when present, the data directory named by flag or environment', () => {
    file('d1/kmipkit.json', { port: 5001 });
    file('d2/kmipkit.json', { port: 5002 });
    expect(load({ dataDir: 'd1' }).port).toBe(5001);
    expect(load({}, { KMIPKIT_DATA_DIR: 'd2' }).port).toBe(5002);
    expect(load({ dataDir: 'd1' }, { KMIPKIT_DATA_DIR: 'd2' }).configFile).toBe(join(cwd, 'd1', 'kmipkit.json'));
    expect(load({ dataDir: 'nothing-here' }).configFile).toBeUndefined();
    // KMIPKIT_CONFIG names the file; --config wins over it.
    const other = file('other.json', { port: 5003 });
    expect(load({ dataDir: 'd1' }, { KMIPKIT_CONFIG: other }).port).toBe(5003);
    expect(load({ config: join(cwd, 'd2/kmipkit.json') }, { KMIPKIT_CONFIG: other }).port).toBe(5002);
  });

  it('empty environment variables count as unset', () => {
    expect(load({}, { KMIPKIT_PORT: '', KMIPKIT_HOST: '' })).toMatchObject({ port: 5696, host: '0.0.0.0' });
  });

  it('tls paths: all three from any mix of layers, checked to exist', () => {
    const ca = file('pki/ca.crt', '-----BEGIN CERTIFICATE-----');
    file('pki/s.crt', '-----BEGIN CERTIFICATE-----');
    file('pki/s.key', '-----BEGIN PRIVATE KEY-----');
    const cfg = file('pki/conf.json', { tls: { cert: 's.crt', key: 's.key' } });
    expect(load({ config: cfg }, { KMIPKIT_TLS_CA: 'pki/ca.crt' }).tls).toEqual({ ca, cert: join(cwd, 'pki/s.crt'), key: join(cwd, 'pki/s.key') });
  });
});

describe('validation messages', () => {
  it.each<[string, unknown, string, RegExp]>([
    ['an unknown key', { prot: 5696 }, 'ERR_CONFIG_UNKNOWN_KEY', /unknown key "prot" \(known: host, port/],
    ['an unknown nested key', { limits: { maxConnection: 5 } }, 'ERR_CONFIG_UNKNOWN_KEY', /unknown key "limits.maxConnection"/],
    ['a port as a string', { port: '5696' }, 'ERR_CONFIG_TYPE', /port must be a number \(got string\)/],
    ['a port out of range', { port: 70000 }, 'ERR_CONFIG_RANGE', /port must be from 0 to 65535 \(got 70000\)/],
    ['a fractional port', { port: 56.5 }, 'ERR_CONFIG_TYPE', /port must be an integer/],
    ['an empty host', { host: '' }, 'ERR_CONFIG_TYPE', /host must be a non-empty string/],
    ['an unknown store', { store: 'postgres' }, 'ERR_CONFIG_RANGE', /store must be "sqlite" or "memory" \(got "postgres"\)/],
    ['tls as a string', { tls: 'yes' }, 'ERR_CONFIG_TYPE', /tls must be an object \(got string\)/],
    ['a zero timeout', { limits: { handshakeTimeoutMs: 0 } }, 'ERR_CONFIG_RANGE', /limits.handshakeTimeoutMs must be from 1/],
    ['a message size over the codec cap', { limits: { maxMessageSize: MAX_MESSAGE_SIZE + 1 } }, 'ERR_CONFIG_RANGE', /limits.maxMessageSize must be from 64 to 16777216/],
    ['a timeout setTimeout cannot hold', { limits: { idleTimeoutMs: 2 ** 31 } }, 'ERR_CONFIG_RANGE', /idleTimeoutMs must be from 1 to 86400000/],
    ['a boolean as text', { compatibility: { basicAuthenticationSuite: 'yes' } }, 'ERR_CONFIG_TYPE', /basicAuthenticationSuite must be true or false/],
    ['an array', [1], 'ERR_CONFIG_TYPE', /the configuration must be an object \(got array\)/],
  ])('%s in the file', (name, content, code, message) => {
    const cfg = file(`bad-${name.replace(/\W+/g, '-')}.json`, content);
    const e = error({ config: cfg });
    expect(e.code).toBe(code);
    expect(e.source).toBe(cfg);
    expect(e.message).toMatch(message);
    expect(e.message.startsWith(`${cfg}: `)).toBe(true);
  });

  it('a file that is not JSON, and a --config that does not exist', () => {
    const e = error({ config: file('broken.json', '{"port": 5696,') });
    expect(e.code).toBe('ERR_CONFIG_PARSE');
    expect(e.message).toMatch(/not valid JSON/);
    const missing = error({ config: 'nope.json' });
    expect(missing.code).toBe('ERR_CONFIG_FILE');
    expect(missing.message).toBe(`${join(cwd, 'nope.json')}: no such file; check the --config path`);
  });

  it('environment and flags name themselves as the source', () => {
    expect(error({}, { KMIPKIT_PORT: 'http' }).message).toBe('KMIPKIT_PORT: port must be an integer (got "http")');
    expect(error({}, { KMIPKIT_PORT: '99999' }).code).toBe('ERR_CONFIG_RANGE');
    expect(error({}, { KMIPKIT_BASIC_AUTH_SUITE: 'maybe' }).source).toBe('KMIPKIT_BASIC_AUTH_SUITE');
    expect(error({}, { KMIPKIT_STORE: 'disk' }).source).toBe('KMIPKIT_STORE');
    expect(error({ port: '-1' }).message).toBe('--port: port must be an integer (got "-1")');
    expect(error({ port: '65536' }).message).toBe('--port: port must be from 0 to 65535 (got 65536)');
  });

  it('tls: a partial set, and a path that does not exist', () => {
    const partial = error({}, { KMIPKIT_TLS_CERT: 'a.crt' });
    expect(partial.code).toBe('ERR_CONFIG_INCOMPLETE');
    expect(partial.message).toMatch(/tls.ca, tls.key missing/);
    const missing = error({}, { KMIPKIT_TLS_CA: 'x/ca.crt', KMIPKIT_TLS_CERT: 'x/s.crt', KMIPKIT_TLS_KEY: 'x/s.key' });
    expect(missing.code).toBe('ERR_CONFIG_MISSING_FILE');
    expect(missing.message).toBe(`tls.ca: ${join(cwd, 'x/ca.crt')} does not exist`);
  });
});
