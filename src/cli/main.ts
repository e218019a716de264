#!/usr/bin/env node
// kmipkit command line. Subcommands live in their own modules.
import { Command } from 'commander';
import { registerDecode } from './decode.js';
import { registerServerCommands } from './serve.js';
import { registerClientCommands } from './client.js';
import { registerInventory } from './inventory.js';
import { registerBench } from './bench.js';
import { codecInfo } from '../ttlv/index.js';

const program = new Command();
program
  .name('kmipkit')
  .description('KMIP toolkit: codec, server, client')
  .version(`0.1.0 (${codecInfo.native ? 'native' : 'pure-TS'} codec)`);
registerDecode(program);
registerServerCommands(program);
registerClientCommands(program);
registerInventory(program);
registerBench(program);
program.parseAsync(process.argv).catch((err: Error) => {
  process.stderr.write(`kmipkit: ${err.message}\n`);
  process.exit(1);
});
