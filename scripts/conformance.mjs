#!/usr/bin/env node
// `npm run conformance [-- options]`: runs src/conformance/main.ts through tsx (no build needed).
// See docs/conformance.md.
import { register } from 'tsx/esm/api';

const unregister = register();
const { main } = await import('../src/conformance/main.ts');
const code = await main(process.argv.slice(2));
// tsx's loader keeps a message port open: release it so the process ends when the work is done.
await unregister();
process.exitCode = code;
