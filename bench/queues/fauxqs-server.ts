// Runs fauxqs (in-memory SQS emulator) in its own process, as its CLI would, on an ephemeral port:
// prints `listening on http://127.0.0.1:PORT` once it accepts requests.
import { startFauxqs } from 'fauxqs';

const server = await startFauxqs({ port: 0, logger: false });
console.log(`fauxqs listening on http://127.0.0.1:${server.port}`);
