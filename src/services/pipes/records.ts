// Pipes as rows, read and written inside a caller's transaction.
import type { Pipes } from '../../contract/index.ts';
import { formatArn } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';

export interface PipeDefinition {
  Description?: string | undefined;
  Source: string;
  SourceParameters?: Pipes.PipeSourceParameters | undefined;
  Enrichment?: string | undefined;
  EnrichmentParameters?: Pipes.PipeEnrichmentParameters | undefined;
  Target: string;
  TargetParameters?: Pipes.PipeTargetParameters | undefined;
  RoleArn: string;
  LogConfiguration?: Pipes.PipeLogConfigurationParameters | undefined;
  KmsKeyIdentifier?: string | undefined;
}

export interface PipeRecord {
  id: number;
  account: string;
  region: string;
  name: string;
  desiredState: Pipes.RequestedPipeState;
  currentState: Pipes.PipeState;
  stateReason: string | undefined;
  definition: PipeDefinition;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
}

interface PipeRow {
  id: number | string;
  account: string;
  region: string;
  name: string;
  desired_state: string;
  current_state: string;
  state_reason: string | null;
  definition: string;
  tags: string;
  created_at: number | string;
  modified_at: number | string;
}

const fromRow = (row: PipeRow): PipeRecord => ({
  id: Number(row.id),
  account: row.account,
  region: row.region,
  name: row.name,
  desiredState: row.desired_state as Pipes.RequestedPipeState,
  currentState: row.current_state as Pipes.PipeState,
  stateReason: row.state_reason ?? undefined,
  definition: JSON.parse(row.definition) as PipeDefinition,
  tags: JSON.parse(row.tags) as Record<string, string>,
  createdAt: Number(row.created_at),
  modifiedAt: Number(row.modified_at),
});

export const pipeArn = (pipe: { account: string; region: string; name: string }) =>
  formatArn({
    service: 'pipes',
    region: pipe.region,
    accountId: pipe.account,
    resource: `pipe/${pipe.name}`,
  });

export async function findPipe(
  tx: Tx,
  account: string,
  region: string,
  name: string,
): Promise<PipeRecord | undefined> {
  const row = await tx.get<PipeRow>(
    'SELECT * FROM pipes_pipes WHERE account = ? AND region = ? AND name = ?',
    [account, region, name],
  );
  return row ? fromRow(row) : undefined;
}

export async function findPipeById(tx: Tx, id: number): Promise<PipeRecord | undefined> {
  const row = await tx.get<PipeRow>('SELECT * FROM pipes_pipes WHERE id = ?', [id]);
  return row ? fromRow(row) : undefined;
}

export async function listPipes(tx: Tx, account?: string, region?: string): Promise<PipeRecord[]> {
  const rows =
    account === undefined
      ? await tx.all<PipeRow>('SELECT * FROM pipes_pipes ORDER BY id')
      : await tx.all<PipeRow>('SELECT * FROM pipes_pipes WHERE account = ? AND region = ? ORDER BY name', [
          account,
          region ?? '',
        ]);
  return rows.map(fromRow);
}

export async function savePipe(tx: Tx, pipe: PipeRecord): Promise<void> {
  await tx.run(
    `UPDATE pipes_pipes SET desired_state = ?, current_state = ?, state_reason = ?, definition = ?, tags = ?, modified_at = ?
     WHERE id = ?`,
    [
      pipe.desiredState,
      pipe.currentState,
      pipe.stateReason ?? null,
      JSON.stringify(pipe.definition),
      JSON.stringify(pipe.tags),
      pipe.modifiedAt,
      pipe.id,
    ],
  );
}
