// `kmipkit decode` as a user runs it: a real process, files and standard input.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/testdata.js';

const dir = mkdtempSync(join(tmpdir(), 'kmipkit-cli-'));
const hexFile = join(ROOT, 'examples', 'create-request.hex');
const hex = readFileSync(hexFile, 'utf8').trim();

function kmipkit(args: string[], input?: Buffer | string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], { cwd: ROOT, input });
  return { code: r.status, out: r.stdout.toString(), err: r.stderr.toString() };
}

describe('kmipkit decode', () => {
  it('prints a hex file as a named tree, enumerations and masks by name', () => {
    const r = kmipkit(['decode', hexFile]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^RequestMessage Structure\n {2}RequestHeader Structure/);
    expect(r.out).toMatch(/Operation Enumeration Create \(0x00000001\)/);
    expect(r.out).toMatch(/AttributeName TextString "Cryptographic Usage Mask"\n\s+AttributeValue Integer 12 \(Encrypt\|Decrypt\)/);
  });

  it('converts hex -> xml -> json -> bin -> hex without changing a byte', () => {
    const xml = kmipkit(['decode', '--from', 'hex', '--to', 'xml', hexFile]);
    expect(xml.code).toBe(0);
    expect(xml.out).toMatch(/<RequestMessage>/);
    writeFileSync(join(dir, 'm.xml'), xml.out);
    const json = kmipkit(['decode', '--to', 'json', join(dir, 'm.xml')]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.out).tag).toBe('RequestMessage');
    writeFileSync(join(dir, 'm.bin'), Buffer.from(hex, 'hex'));
    const fromBin = kmipkit(['decode', '--from', 'bin', '--to', 'hex', join(dir, 'm.bin')]);
    const fromJson = kmipkit(['decode', '--to', 'hex'], json.out);
    expect(fromBin.out.trim()).toBe(hex);
    expect(fromJson.out.trim()).toBe(hex);
  });

  it('reads standard input and guesses binary input', () => {
    const r = kmipkit(['decode', '--to', 'hex'], Buffer.from(hex, 'hex'));
    expect(r.code).toBe(0);
    expect(r.out.trim()).toBe(hex);
  });

  it('bad input: the error code and byte offset, and a non-zero exit', () => {
    const r = kmipkit(['decode', '--from', 'hex'], '42 00 20 | 0C | 00 00 00 08 | 00 00 00 00 00 00 00 00');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/ERR_TTLV_BAD_TYPE at byte 3/);
    expect(r.out).toBe('');
    const x = kmipkit(['decode', '--from', 'xml'], '<RequestMessage><Nope type="Integer" value="1"/></RequestMessage>');
    expect(x.code).toBe(2);
    expect(x.err).toMatch(/ERR_XML_/);
  });

  it('refuses an unknown encoding name', () => {
    const r = kmipkit(['decode', '--to', 'yaml', hexFile]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--to must be one of text, xml, json, hex/);
  });
});
