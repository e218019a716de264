// `kmipkit decode`: print a message in another encoding; the interop debugging tool.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fromJson, toJson } from '../encodings/json.js';
import { toText } from '../encodings/text.js';
import { fromXml, toXml } from '../encodings/xml.js';
import { decode, encode, fromHex, toHex, TtlvError, type TtlvItem } from '../ttlv/index.js';

const FROM = ['bin', 'hex', 'xml', 'json'] as const;
const TO = ['text', 'xml', 'json', 'hex'] as const;
type From = (typeof FROM)[number];
type To = (typeof TO)[number];

/** Guesses the input encoding from its first non-blank byte when --from is not given. */
export function sniff(input: Buffer): From {
  const head = input.subarray(0, 64).toString('latin1').trimStart();
  if (head.startsWith('<')) return 'xml';
  if (head.startsWith('{') || head.startsWith('[')) return 'json';
  if (/^[0-9a-fA-F\s|:]+$/.test(input.subarray(0, 4096).toString('latin1')) && input.length > 0 && input[0] !== 0x42)
    return 'hex';
  return 'bin';
}

export function parseInput(input: Buffer, from: From): TtlvItem {
  switch (from) {
    case 'bin':
      return decode(input);
    case 'hex':
      return decode(fromHex(input.toString('latin1')));
    case 'xml':
      return fromXml(input.toString('utf8'));
    case 'json':
      return fromJson(input.toString('utf8'));
  }
}

export function render(item: TtlvItem, to: To): string {
  switch (to) {
    case 'text':
      return toText(item);
    case 'xml':
      return toXml(item);
    case 'json':
      return toJson(item);
    case 'hex':
      return toHex(encode(item));
  }
}

function describeError(err: unknown): string {
  if (err instanceof TtlvError) return `${err.code} at byte ${err.offset}: ${err.message}`;
  const e = err as { code?: string; message?: string };
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? err);
}

export function registerDecode(program: Command): void {
  program
    .command('decode')
    .description('decode a KMIP message and print it in another encoding')
    .argument('[file]', 'input file (standard input when omitted)')
    .option('--from <encoding>', `input encoding: ${FROM.join('|')} (guessed when omitted)`)
    .option('--to <encoding>', `output encoding: ${TO.join('|')}`, 'text')
    .action((file: string | undefined, opts: { from?: string; to: string }) => {
      if (opts.from && !FROM.includes(opts.from as From)) fail(`--from must be one of ${FROM.join(', ')}`);
      if (!TO.includes(opts.to as To)) fail(`--to must be one of ${TO.join(', ')}`);
      const input = readFileSync(file ?? 0);
      const from = (opts.from as From | undefined) ?? sniff(input);
      let item: TtlvItem;
      try {
        item = parseInput(input, from);
      } catch (err) {
        fail(`cannot decode ${from} input: ${describeError(err)}`, 2);
      }
      process.stdout.write(render(item, opts.to as To) + '\n');
    });
}

function fail(message: string, code = 1): never {
  process.stderr.write(`kmipkit decode: ${message}\n`);
  process.exit(code);
}
