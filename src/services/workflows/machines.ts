// State machines, their revisions, versions and aliases as rows. A revision is one definition with
// its role and settings: each UpdateStateMachine that changes any of them makes a new one, and an
// execution runs the revision it started with. Parsed machines are cached by revision.
import { definitionError, type Machine, validateDefinition } from '../../asl/index.ts';
import type { StepFunctions } from '../../contract/index.ts';
import { newUuid } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { invalidDefinitionError } from './errors.ts';

export type MachineType = StepFunctions.StateMachineType;

export interface MachineSettings {
  loggingConfiguration?: StepFunctions.LoggingConfiguration;
  tracingConfiguration?: StepFunctions.TracingConfiguration;
  encryptionConfiguration?: StepFunctions.EncryptionConfiguration;
}

export interface MachineRecord {
  arn: string;
  account: string;
  region: string;
  name: string;
  type: MachineType;
  status: 'ACTIVE' | 'DELETING';
  revisionId: string;
  definition: string;
  roleArn: string;
  settings: MachineSettings;
  nextVersion: number;
  createdAt: number;
  updatedAt: number;
}

export interface Revision {
  machineArn: string;
  revisionId: string;
  definition: string;
  roleArn: string;
  settings: MachineSettings;
  createdAt: number;
}

export interface VersionRecord {
  arn: string;
  machineArn: string;
  version: number;
  revisionId: string;
  description: string | undefined;
  createdAt: number;
}

export interface AliasRecord {
  arn: string;
  machineArn: string;
  name: string;
  description: string | undefined;
  routing: StepFunctions.RoutingConfigurationListItem[];
  createdAt: number;
  updatedAt: number;
}

interface MachineRow {
  arn: string;
  account: string;
  region: string;
  name: string;
  type: string;
  status: string;
  revision_id: string;
  definition: string;
  role_arn: string;
  settings: string;
  next_version: number;
  created_at: number;
  updated_at: number;
}

const toMachine = (row: MachineRow): MachineRecord => ({
  arn: row.arn,
  account: row.account,
  region: row.region,
  name: row.name,
  type: row.type as MachineType,
  status: row.status as 'ACTIVE',
  revisionId: row.revision_id,
  definition: row.definition,
  roleArn: row.role_arn,
  settings: JSON.parse(row.settings) as MachineSettings,
  nextVersion: Number(row.next_version),
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});

/** Parses and validates a definition for a machine of `type`; InvalidDefinition with asl's words. */
export function parseDefinition(text: string, type: MachineType): Machine {
  const result = validateDefinition(text, { type });
  const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'ERROR');
  if (errors.length > 0 || !result.machine) throw invalidDefinitionError(definitionError(errors));
  return result.machine;
}

export const newRevisionId = () => newUuid();

export class MachineStore {
  private readonly parsed = new Map<string, Machine>();

  /** The parsed machine of a revision (cached; definitions were validated when stored). */
  machineOf(
    revision: { machineArn: string; revisionId: string; definition: string },
    type: MachineType,
  ): Machine {
    const key = `${revision.machineArn}|${revision.revisionId}`;
    let machine = this.parsed.get(key);
    if (!machine) {
      machine = parseDefinition(revision.definition, type);
      if (this.parsed.size > 1000) this.parsed.clear();
      this.parsed.set(key, machine);
    }
    return machine;
  }

  remember(machineArn: string, revisionId: string, machine: Machine): void {
    this.parsed.set(`${machineArn}|${revisionId}`, machine);
  }

  async get(tx: Tx, arn: string): Promise<MachineRecord | undefined> {
    const row = await tx.get<MachineRow>('SELECT * FROM sfn_machines WHERE arn = ?', [arn]);
    return row && toMachine(row);
  }

  async list(tx: Tx, account: string, region: string): Promise<MachineRecord[]> {
    const rows = await tx.all<MachineRow>(
      'SELECT * FROM sfn_machines WHERE account = ? AND region = ? ORDER BY name',
      [account, region],
    );
    return rows.map(toMachine);
  }

  async insert(tx: Tx, machine: MachineRecord): Promise<void> {
    await tx.run(
      `INSERT INTO sfn_machines (arn, account, region, name, type, status, revision_id, definition, role_arn,
         settings, next_version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        machine.arn,
        machine.account,
        machine.region,
        machine.name,
        machine.type,
        machine.status,
        machine.revisionId,
        machine.definition,
        machine.roleArn,
        JSON.stringify(machine.settings),
        machine.nextVersion,
        machine.createdAt,
        machine.updatedAt,
      ],
    );
    await this.saveRevision(tx, machine);
  }

  async update(tx: Tx, machine: MachineRecord): Promise<void> {
    await tx.run(
      `UPDATE sfn_machines SET revision_id = ?, definition = ?, role_arn = ?, settings = ?, next_version = ?,
         updated_at = ?, status = ? WHERE arn = ?`,
      [
        machine.revisionId,
        machine.definition,
        machine.roleArn,
        JSON.stringify(machine.settings),
        machine.nextVersion,
        machine.updatedAt,
        machine.status,
        machine.arn,
      ],
    );
    await this.saveRevision(tx, machine);
  }

  private async saveRevision(tx: Tx, machine: MachineRecord): Promise<void> {
    await tx.run(
      `INSERT INTO sfn_revisions (machine_arn, revision_id, definition, role_arn, settings, created_at)
       VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (machine_arn, revision_id) DO NOTHING`,
      [
        machine.arn,
        machine.revisionId,
        machine.definition,
        machine.roleArn,
        JSON.stringify(machine.settings),
        machine.updatedAt,
      ],
    );
  }

  async revision(tx: Tx, machineArn: string, revisionId: string): Promise<Revision | undefined> {
    const row = await tx.get<{
      definition: string;
      role_arn: string;
      settings: string;
      created_at: number;
    }>('SELECT * FROM sfn_revisions WHERE machine_arn = ? AND revision_id = ?', [machineArn, revisionId]);
    return (
      row && {
        machineArn,
        revisionId,
        definition: row.definition,
        roleArn: row.role_arn,
        settings: JSON.parse(row.settings) as MachineSettings,
        createdAt: Number(row.created_at),
      }
    );
  }

  /** Removes the machine, its versions, aliases and tags (revisions stay for its executions). */
  async delete(tx: Tx, arn: string): Promise<void> {
    await tx.run('DELETE FROM sfn_machines WHERE arn = ?', [arn]);
    const versions = await tx.all<{ arn: string }>('SELECT arn FROM sfn_versions WHERE machine_arn = ?', [
      arn,
    ]);
    const aliases = await tx.all<{ arn: string }>('SELECT arn FROM sfn_aliases WHERE machine_arn = ?', [arn]);
    await tx.run('DELETE FROM sfn_versions WHERE machine_arn = ?', [arn]);
    await tx.run('DELETE FROM sfn_aliases WHERE machine_arn = ?', [arn]);
    for (const resource of [arn, ...versions.map((row) => row.arn), ...aliases.map((row) => row.arn)])
      await tx.run('DELETE FROM sfn_tags WHERE resource_arn = ?', [resource]);
  }

  // Versions

  async version(tx: Tx, arn: string): Promise<VersionRecord | undefined> {
    const row = await tx.get<VersionRow>('SELECT * FROM sfn_versions WHERE arn = ?', [arn]);
    return row && toVersion(row);
  }

  async versions(tx: Tx, machineArn: string): Promise<VersionRecord[]> {
    const rows = await tx.all<VersionRow>(
      'SELECT * FROM sfn_versions WHERE machine_arn = ? ORDER BY version DESC',
      [machineArn],
    );
    return rows.map(toVersion);
  }

  /** Publishes the machine's current revision as its next version (the latest one, if that is the same revision). */
  async publish(
    tx: Tx,
    machine: MachineRecord,
    description: string | undefined,
    now: number,
  ): Promise<VersionRecord> {
    const [latest] = await this.versions(tx, machine.arn);
    if (latest && latest.revisionId === machine.revisionId) return latest;
    const version: VersionRecord = {
      arn: `${machine.arn}:${machine.nextVersion}`,
      machineArn: machine.arn,
      version: machine.nextVersion,
      revisionId: machine.revisionId,
      description,
      createdAt: now,
    };
    await tx.run(
      `INSERT INTO sfn_versions (arn, machine_arn, version, revision_id, description, created_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
      [version.arn, version.machineArn, version.version, version.revisionId, description ?? null, now],
    );
    await tx.run('UPDATE sfn_machines SET next_version = ? WHERE arn = ?', [
      machine.nextVersion + 1,
      machine.arn,
    ]);
    machine.nextVersion += 1;
    return version;
  }

  async deleteVersion(tx: Tx, arn: string): Promise<void> {
    await tx.run('DELETE FROM sfn_versions WHERE arn = ?', [arn]);
    await tx.run('DELETE FROM sfn_tags WHERE resource_arn = ?', [arn]);
  }

  // Aliases

  async alias(tx: Tx, arn: string): Promise<AliasRecord | undefined> {
    const row = await tx.get<AliasRow>('SELECT * FROM sfn_aliases WHERE arn = ?', [arn]);
    return row && toAlias(row);
  }

  async aliases(tx: Tx, machineArn: string): Promise<AliasRecord[]> {
    const rows = await tx.all<AliasRow>('SELECT * FROM sfn_aliases WHERE machine_arn = ? ORDER BY name', [
      machineArn,
    ]);
    return rows.map(toAlias);
  }

  async saveAlias(tx: Tx, alias: AliasRecord): Promise<void> {
    await tx.run(
      `INSERT INTO sfn_aliases (arn, machine_arn, name, description, routing, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (arn) DO UPDATE SET description = excluded.description, routing = excluded.routing,
         updated_at = excluded.updated_at`,
      [
        alias.arn,
        alias.machineArn,
        alias.name,
        alias.description ?? null,
        JSON.stringify(alias.routing),
        alias.createdAt,
        alias.updatedAt,
      ],
    );
  }

  async deleteAlias(tx: Tx, arn: string): Promise<void> {
    await tx.run('DELETE FROM sfn_aliases WHERE arn = ?', [arn]);
    await tx.run('DELETE FROM sfn_tags WHERE resource_arn = ?', [arn]);
  }
}

interface VersionRow {
  arn: string;
  machine_arn: string;
  version: number;
  revision_id: string;
  description: string | null;
  created_at: number;
}

const toVersion = (row: VersionRow): VersionRecord => ({
  arn: row.arn,
  machineArn: row.machine_arn,
  version: Number(row.version),
  revisionId: row.revision_id,
  description: row.description ?? undefined,
  createdAt: Number(row.created_at),
});

interface AliasRow {
  arn: string;
  machine_arn: string;
  name: string;
  description: string | null;
  routing: string;
  created_at: number;
  updated_at: number;
}

const toAlias = (row: AliasRow): AliasRecord => ({
  arn: row.arn,
  machineArn: row.machine_arn,
  name: row.name,
  description: row.description ?? undefined,
  routing: JSON.parse(row.routing) as StepFunctions.RoutingConfigurationListItem[],
  createdAt: Number(row.created_at),
  updatedAt: Number(row.updated_at),
});
