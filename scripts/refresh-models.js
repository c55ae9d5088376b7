#!/usr/bin/env node
// Refreshes models/: AWS's current service models as botocore ships them (`service-2.json`, the
// same shapes AWS publishes as Smithy JSON), trimmed to what eddy reads (documentation and
// endpoint-rule parameters go), and models/VERSIONS.json saying which botocore they came from.
// Usage: node scripts/refresh-models.js [BOTOCORE_DATA_DIR]   (default: the installed botocore's)
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** botocore's folder name for each service eddy serves or is about to serve. */
const SERVICES = [
  'application-autoscaling',
  'cloudwatch',
  'ecs',
  'events',
  'kinesis',
  'logs',
  'pipes',
  's3',
  'scheduler',
  'sns',
  'sqs',
  'stepfunctions',
  'sts',
];

/** Traits with no effect on the wire or on validation. */
const DROPPED = new Set([
  'documentation',
  'documentationUrl',
  'deprecatedMessage',
  'deprecatedSince',
  'contextParam',
  'staticContextParams',
  'examples',
]);

function botocore() {
  const script =
    'import botocore, os; print(os.path.dirname(botocore.__file__)); print(botocore.__version__)';
  const [dir, version] = execFileSync('python3', ['-c', script], { encoding: 'utf8' }).trim().split('\n');
  return { data: join(dir, 'data'), version };
}

function trim(value) {
  if (Array.isArray(value)) return value.map(trim);
  if (value === null || typeof value !== 'object') return value;
  const kept = {};
  for (const [key, child] of Object.entries(value)) if (!DROPPED.has(key)) kept[key] = trim(child);
  return kept;
}

const root = resolve(import.meta.dirname, '..');
const source = process.argv[2] ? { data: process.argv[2], version: 'unknown' } : botocore();
const versions = { source: `botocore ${source.version}`, refreshed: new Date().toISOString().slice(0, 10) };
versions.models = {};
for (const service of SERVICES) {
  const apiVersion = readdirSync(join(source.data, service)).sort().at(-1);
  const raw = readFileSync(join(source.data, service, apiVersion, 'service-2.json.gz'));
  const model = trim(JSON.parse(gunzipSync(raw).toString('utf8')));
  const id = `${service}-${apiVersion}`;
  writeFileSync(join(root, 'models', `${id}.json`), `${JSON.stringify(model, null, 1)}\n`);
  versions.models[service] = { id, operations: Object.keys(model.operations).length };
  console.log(`${id}: ${Object.keys(model.operations).length} operations`);
}
writeFileSync(join(root, 'models', 'VERSIONS.json'), `${JSON.stringify(versions, null, 2)}\n`);
