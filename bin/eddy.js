#!/usr/bin/env -S node --max-semi-space-size=4
// The `eddy` command: registers the TypeScript loader, then runs the CLI.
// A small young generation (4 MiB semi-spaces): a server's request objects survive into each
// scavenge, so V8's default of up to 16 MiB made every pause 4-7 ms, the largest part of
// eddy's latency tail; with 4 MiB about 3 ms. `npm start` passes the same flag.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
