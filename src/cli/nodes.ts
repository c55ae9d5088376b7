// `eddy nodes`: the living nodes that share a running eddy's store, as that node sees them.
import { parseArgs } from 'node:util';
import { callEddy, resolveEndpoint } from './client.ts';

export const NODES_HELP = `eddy nodes: the nodes of a running eddy's cluster (several nodes on one PostgreSQL)

Usage:
  eddy nodes [--endpoint URL] [--json]

Options:
  --endpoint URL   any node of the cluster   EDDY_ENDPOINT (AWS_ENDPOINT_URL, then EDDY_PORT)
  --json           print the answer as JSON
`;

interface NodeInfo {
  id: string;
  url: string;
  version: string;
  startedAt: number;
  heartbeatAt: number;
  timers: number;
  leases: string[];
  self: boolean;
}

interface Health {
  store: { kind: string; location: string };
  nodes: NodeInfo[];
}

const seconds = (ms: number) => `${Math.max(0, Math.round(ms / 1000))} s`;

export function formatNodes(health: Health, now = Date.now()): string {
  const rows = health.nodes.map((node) => [
    `${node.self ? '*' : ' '} ${node.id}`,
    node.url,
    node.version,
    seconds(now - node.startedAt),
    node.timers < 0 ? 'all' : String(node.timers),
    node.leases.length > 0 ? node.leases.join(',') : '-',
    seconds(now - node.heartbeatAt),
  ]);
  const header = ['  NODE', 'URL', 'VERSION', 'UP', 'TIMERS', 'LEASES', 'HEARD'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const where = `${health.nodes.length} node(s) on ${health.store.kind} ${health.store.location} (* answered)`;
  return `${[line(header), ...rows.map(line)].join('\n')}\n${where}\n`;
}

export async function nodes(args: string[]): Promise<string> {
  const { values } = parseArgs({
    args,
    options: { endpoint: { type: 'string' }, json: { type: 'boolean' } },
    strict: true,
  });
  const endpoint = resolveEndpoint(values.endpoint);
  const health = await callEddy<Health>(endpoint, 'health');
  return values.json ? `${JSON.stringify(health.nodes, null, 2)}\n` : formatNodes(health);
}
