#!/usr/bin/env node
// Release step: sets every npm/<triple> package's version to the main package's, and lists them in
// the main package's optionalDependencies, so npm installs only the one that matches the platform.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const main = JSON.parse(readFileSync('package.json', 'utf8'));
main.optionalDependencies = {};
for (const triple of readdirSync('npm').sort()) {
  const file = join('npm', triple, 'package.json');
  const pkg = JSON.parse(readFileSync(file, 'utf8'));
  pkg.version = main.version;
  writeFileSync(file, JSON.stringify(pkg, null, 2) + '\n');
  main.optionalDependencies[pkg.name] = main.version;
}
writeFileSync('package.json', JSON.stringify(main, null, 2) + '\n');
console.log(`optionalDependencies: ${Object.keys(main.optionalDependencies).join(', ')}`);
