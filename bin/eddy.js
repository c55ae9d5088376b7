#!/usr/bin/env -S node --max-semi-space-size=4
// The `eddy` command: runs the CLI compiled to dist/ by `npm run build` (which `npm install` runs).
// A small young generation (4 MiB semi-spaces): under load, the requests in flight (long polls,
// writes waiting for their commit) survive into each scavenge, and V8's default of up to 16 MiB
// makes those pauses longer. The topics benchmark's paced p99 was 19.5 ms with 4 MiB against
// 24-27 ms without. `npm start` passes the same flag.
//
// When dist/ is missing or older than a source file (sources edited, pulled or checked out since
// the last build), the sources run through tsx instead, with a one-line note: the tests and a
// developer's `npm start` then run the code as it is now, with no build step between an edit and
// a run, and nothing stale runs silently. Without tsx (it is a devDependency) eddy refuses to run
// stale code and says to build. The check stats each source file against dist/cli/main.js, which
// every build rewrites after reading the sources: a few milliseconds.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const root = join(import.meta.dirname, '..');
const entry = join(root, 'dist', 'cli', 'main.js');

/** Why dist/ cannot be run as it is, or undefined when it is at least as new as every source. */
function staleness() {
  let built;
  try {
    built = statSync(entry).mtimeMs;
  } catch {
    return 'dist/ is missing';
  }
  let sources;
  try {
    sources = readdirSync(join(root, 'src'), { recursive: true });
  } catch {
    return undefined; // an installation without the sources: dist/ is all there is
  }
  for (const file of sources) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    if (statSync(join(root, 'src', file)).mtimeMs > built) return `src/${file} is newer than dist/`;
  }
  return undefined;
}

const stale = staleness();
if (stale === undefined) {
  await import(pathToFileURL(entry).href);
} else {
  let register;
  try {
    ({ register } = await import('tsx/esm/api'));
  } catch {
    process.stderr.write(`eddy: ${stale}; run \`npm run build\` first\n`);
    process.exit(1);
  }
  process.stderr.write(`eddy: ${stale}; running the sources through tsx (run \`npm run build\`)\n`);
  register();
  await import('../src/cli/main.ts');
}
