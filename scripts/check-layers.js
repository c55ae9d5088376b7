#!/usr/bin/env node
// Fails on an import that crosses the layers in src/layers.json, on one that reaches into another
// folder's internals instead of its index.ts, and on any import loop between files of src/.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', 'src');
const { units } = JSON.parse(readFileSync(join(root, 'layers.json'), 'utf8'));

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

// Static imports, re-exports and dynamic imports of relative paths.
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.{1,2}\/[^']+)'/gm;

function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(IMPORT)].map((match) => resolve(dirname(file), match[1]));
}

/** The unit a path belongs to (`services/queues`, `edge`, `app.ts`) and its path inside it. */
function unitOf(path) {
  const parts = relative(root, path).split('/');
  if (parts.length === 1) return { unit: parts[0], inner: '' };
  if (parts[0] === 'services' && parts.length > 2)
    return { unit: `services/${parts[1]}`, pattern: 'services/*', inner: parts.slice(2).join('/') };
  return { unit: parts[0], inner: parts.slice(1).join('/') };
}

const ruleOf = (place) => units[place.pattern ?? place.unit] ?? units[place.unit];
const grantOf = (place) => (place.pattern && !units[place.unit] ? place.pattern : place.unit);

const problems = [];
const files = sourceFiles(root);
const graph = new Map();
for (const file of files) {
  const from = unitOf(file);
  const allowed = ruleOf(from);
  if (!allowed) problems.push(`${relative(root, file)}: its folder has no entry in src/layers.json`);
  const targets = importsOf(file);
  graph.set(file, file.endsWith('.test.ts') ? [] : targets);
  for (const target of targets) {
    const to = unitOf(target);
    if (to.unit === from.unit) continue;
    const where = `${relative(root, file)} imports ${relative(root, target)}`;
    if (allowed && !allowed.includes(grantOf(to)) && !allowed.includes(to.unit))
      problems.push(`${where}: ${from.unit} may not depend on ${to.unit}`);
    if (to.inner !== '' && to.inner !== 'index.ts')
      problems.push(`${where}: import ${to.unit}/index.ts, not a file inside it`);
  }
}

// Import loops, by Tarjan's strongly connected components over the non-test files.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
function connect(file) {
  index.set(file, counter);
  low.set(file, counter);
  counter += 1;
  stack.push(file);
  onStack.add(file);
  for (const next of graph.get(file) ?? []) {
    if (!graph.has(next)) continue;
    if (!index.has(next)) {
      connect(next);
      low.set(file, Math.min(low.get(file), low.get(next)));
    } else if (onStack.has(next)) low.set(file, Math.min(low.get(file), index.get(next)));
  }
  if (low.get(file) !== index.get(file)) return;
  const component = [];
  let member;
  do {
    member = stack.pop();
    onStack.delete(member);
    component.push(relative(root, member));
  } while (member !== file);
  if (component.length > 1) problems.push(`import loop: ${component.sort().join(' ↔ ')}`);
}
for (const file of graph.keys()) if (!index.has(file)) connect(file);

if (problems.length > 0) {
  console.error(`layers: ${problems.length} problem(s) (rules in src/layers.json)`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(`layers: ${files.length} files, no forbidden import and no loop`);
