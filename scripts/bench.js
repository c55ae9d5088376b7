#!/usr/bin/env node
// `npm run bench -- NAME [args]` runs bench/NAME.ts.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

const [name, ...args] = process.argv.slice(2);
const available = readdirSync('bench')
  .filter((file) => file.endsWith('.ts') && !file.startsWith('_'))
  .map((file) => file.slice(0, -3));
if (!name || !existsSync(`bench/${name}.ts`)) {
  console.error(`usage: npm run bench -- NAME   (one of: ${available.join(', ')})`);
  process.exit(2);
}
const result = spawnSync(process.execPath, ['--import', 'tsx', `bench/${name}.ts`, ...args], {
  stdio: 'inherit',
});
process.exit(result.status ?? 1);
