#!/usr/bin/env -S node --max-semi-space-size=4
// The `eddy` command: registers the TypeScript loader, then runs the CLI.
// A small young generation (4 MiB semi-spaces): under load, the requests in flight (long polls,
// writes waiting for their commit) survive into each scavenge, and V8's default of up to 16 MiB
// makes those pauses longer. The topics benchmark's paced p99 was 19.5 ms with 4 MiB against
// 24-27 ms without. `npm start` passes the same flag.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
