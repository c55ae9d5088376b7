// State machines, versions, aliases, tags and ValidateStateMachineDefinition.
import { validateDefinition } from '../../asl/index.ts';
import type { Handlers, StepFunctions } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store, Tx } from '../../store/index.ts';
import {
  conflict,
  invalidArn,
  invalidLoggingConfiguration,
  missingRequiredParameter,
  resourceNotFound,
  stateMachineAlreadyExists,
  stateMachineDoesNotExist,
  validation,
} from './errors.ts';
import {
  type AliasRecord,
  type MachineRecord,
  type MachineSettings,
  type MachineStore,
  newRevisionId,
  parseDefinition,
  type VersionRecord,
} from './machines.ts';
import {
  checkAliasName,
  checkName,
  parseStatesArn,
  type StatesArn,
  scopeOf,
  stateMachineArn,
} from './names.ts';
import { isString, pageSize, readToken, writeToken } from './paging.ts';
import { addTags, removeTags, tagsOf } from './tags.ts';

type MachineOperations = Pick<
  StepFunctions.Operations,
  | 'CreateStateMachine'
  | 'DescribeStateMachine'
  | 'UpdateStateMachine'
  | 'DeleteStateMachine'
  | 'ListStateMachines'
  | 'ValidateStateMachineDefinition'
  | 'PublishStateMachineVersion'
  | 'ListStateMachineVersions'
  | 'DeleteStateMachineVersion'
  | 'CreateStateMachineAlias'
  | 'DescribeStateMachineAlias'
  | 'UpdateStateMachineAlias'
  | 'DeleteStateMachineAlias'
  | 'ListStateMachineAliases'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource'
>;

export interface MachineDeps {
  store: Store;
  clock: Clock;
  machines: MachineStore;
  /** Stops the running executions of a machine being deleted. */
  stopExecutionsOf: (machineArn: string) => Promise<void>;
}

const ROLE = /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/;
const LOG_GROUP = /^arn:aws[a-z-]*:logs:[a-z0-9-]+:\d{12}:log-group:[^:]+:\*$/;

export const labeledArnsUnsupported = () =>
  validation('This API does not support labeled ARNs.', 'API_DOES_NOT_SUPPORT_LABELED_ARNS');

function checkRole(roleArn: string): void {
  if (!ROLE.test(roleArn)) throw invalidArn(`Invalid ARN prefix: ${roleArn}`);
}

function checkLogging(logging: StepFunctions.LoggingConfiguration | undefined): void {
  if (!logging) return;
  const destinations = logging.destinations ?? [];
  if (destinations.length > 1)
    throw invalidLoggingConfiguration(
      'Invalid Logging Configuration: Must specify exactly one Log Destination.',
    );
  for (const destination of destinations) {
    const arn = destination.cloudWatchLogsLogGroup?.logGroupArn;
    if (arn === undefined || !LOG_GROUP.test(arn))
      throw invalidLoggingConfiguration(
        `Invalid Logging Configuration: The CloudWatch Logs Resource ARN '${arn ?? ''}' is not valid.`,
      );
  }
  if ((logging.level ?? 'OFF') !== 'OFF' && destinations.length === 0)
    throw invalidLoggingConfiguration(
      'Invalid Logging Configuration: Must specify exactly one Log Destination if logging level is not OFF.',
    );
}

const logging = (settings: MachineSettings): StepFunctions.LoggingConfiguration =>
  settings.loggingConfiguration ?? { level: 'OFF', includeExecutionData: false };
const tracing = (settings: MachineSettings): StepFunctions.TracingConfiguration =>
  settings.tracingConfiguration ?? { enabled: false };
const encryption = (settings: MachineSettings): StepFunctions.EncryptionConfiguration =>
  settings.encryptionConfiguration ?? { type: 'AWS_OWNED_KEY' };

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** A machine ARN, or a version ARN (`name:7`) when `versions`; aliases answer ValidationException. */
function machineArnOf(
  text: string,
  versions: boolean,
): { parsed: StatesArn; base: string; version?: number } {
  const parsed = parseStatesArn(text, ['stateMachine']);
  const base = stateMachineArn(parsed, parsed.parts[0]!);
  const qualifier = parsed.parts[1];
  if (qualifier === undefined) return { parsed, base };
  if (!versions || !/^\d+$/.test(qualifier)) throw labeledArnsUnsupported();
  return { parsed, base, version: Number(qualifier) };
}

export function machineHandlers(deps: MachineDeps): Handlers<MachineOperations> {
  const { store, clock, machines } = deps;

  async function requireMachine(tx: Tx, arn: string): Promise<MachineRecord> {
    const machine = await machines.get(tx, arn);
    if (!machine) throw stateMachineDoesNotExist(arn);
    return machine;
  }

  function checkRouting(tx: Tx, machineArn: string, routing: StepFunctions.RoutingConfigurationListItem[]) {
    return (async () => {
      if (routing.length < 1 || routing.length > 2)
        throw validation(
          'Routing configuration must contain one or two versions.',
          'INVALID_ROUTING_CONFIGURATION',
        );
      const seen = new Set<string>();
      let total = 0;
      for (const item of routing) {
        const { base, version } = machineArnOf(item.stateMachineVersionArn, true);
        if (version === undefined || base !== machineArn)
          throw validation(
            `Invalid version ARN in routing configuration: '${item.stateMachineVersionArn}'`,
            'INVALID_ROUTING_CONFIGURATION',
          );
        if (seen.has(item.stateMachineVersionArn))
          throw validation(
            'Routing configuration must not contain duplicate versions.',
            'INVALID_ROUTING_CONFIGURATION',
          );
        seen.add(item.stateMachineVersionArn);
        if (!(await machines.version(tx, item.stateMachineVersionArn)))
          throw resourceNotFound(`Resource not found: '${item.stateMachineVersionArn}'`);
        total += item.weight;
      }
      if (total !== 100)
        throw validation(
          'Sum of routing configuration weights must be equal to 100.',
          'INVALID_ROUTING_CONFIGURATION',
        );
    })();
  }

  const describeAlias = (alias: AliasRecord): StepFunctions.DescribeStateMachineAliasOutput => ({
    stateMachineAliasArn: alias.arn,
    name: alias.name,
    ...(alias.description !== undefined ? { description: alias.description } : {}),
    routingConfiguration: alias.routing,
    creationDate: new Date(alias.createdAt),
    updateDate: new Date(alias.updatedAt),
  });

  /** The resource a tag operation names: a machine or an activity (versions and aliases too). */
  async function taggable(tx: Tx, arn: string): Promise<void> {
    const parsed = parseStatesArn(arn, ['stateMachine', 'activity']);
    if (parsed.kind === 'activity') {
      if (!(await tx.get('SELECT arn FROM sfn_activities WHERE arn = ?', [arn])))
        throw resourceNotFound(`Resource not found: '${arn}'`);
      return;
    }
    const found =
      parsed.parts.length === 1
        ? await machines.get(tx, arn)
        : ((await machines.version(tx, arn)) ?? (await machines.alias(tx, arn)));
    if (!found) throw resourceNotFound(`Resource not found: '${arn}'`);
  }

  return {
    CreateStateMachine: async (input, context) => {
      checkName(input.name);
      checkRole(input.roleArn);
      checkLogging(input.loggingConfiguration);
      const type = input.type ?? 'STANDARD';
      const parsed = parseDefinition(input.definition, type);
      const scope = scopeOf(context);
      const arn = stateMachineArn(scope, input.name);
      const settings: MachineSettings = {
        ...(input.loggingConfiguration ? { loggingConfiguration: input.loggingConfiguration } : {}),
        ...(input.tracingConfiguration ? { tracingConfiguration: input.tracingConfiguration } : {}),
        ...(input.encryptionConfiguration ? { encryptionConfiguration: input.encryptionConfiguration } : {}),
      };
      return store.write(async (tx) => {
        const existing = await machines.get(tx, arn);
        if (existing) {
          // Idempotent: the same definition, type and settings answer with the machine there is
          // (a different role or tags are ignored, as Step Functions ignores them).
          const same =
            existing.definition === input.definition &&
            existing.type === type &&
            sameJson(logging(existing.settings), logging(settings)) &&
            sameJson(tracing(existing.settings), tracing(settings)) &&
            sameJson(encryption(existing.settings), encryption(settings));
          if (!same) throw stateMachineAlreadyExists(arn);
          const [latest] = await machines.versions(tx, arn);
          return {
            stateMachineArn: arn,
            creationDate: new Date(existing.createdAt),
            ...(input.publish && latest ? { stateMachineVersionArn: latest.arn } : {}),
          };
        }
        const now = clock.now();
        const machine: MachineRecord = {
          arn,
          account: scope.account,
          region: scope.region,
          name: input.name,
          type,
          status: 'ACTIVE',
          revisionId: newRevisionId(),
          definition: input.definition,
          roleArn: input.roleArn,
          settings,
          nextVersion: 1,
          createdAt: now,
          updatedAt: now,
        };
        await machines.insert(tx, machine);
        machines.remember(arn, machine.revisionId, parsed);
        await addTags(tx, arn, input.tags);
        const version = input.publish
          ? await machines.publish(tx, machine, input.versionDescription, now)
          : undefined;
        return {
          stateMachineArn: arn,
          creationDate: new Date(now),
          ...(version ? { stateMachineVersionArn: version.arn } : {}),
        };
      });
    },

    DescribeStateMachine: async (input) => {
      const { base, version } = machineArnOf(input.stateMachineArn, true);
      return store.read(async (tx) => {
        const machine = await requireMachine(tx, base);
        let described: {
          revisionId: string;
          definition: string;
          roleArn: string;
          settings: MachineSettings;
        } = machine;
        let versionRecord: VersionRecord | undefined;
        if (version !== undefined) {
          versionRecord = await machines.version(tx, input.stateMachineArn);
          if (!versionRecord) throw stateMachineDoesNotExist(input.stateMachineArn);
          described = (await machines.revision(tx, base, versionRecord.revisionId))!;
        }
        const metadataOnly = input.includedData === 'METADATA_ONLY';
        return {
          stateMachineArn: versionRecord?.arn ?? machine.arn,
          name: machine.name,
          status: machine.status,
          definition: metadataOnly ? '' : described.definition,
          roleArn: described.roleArn,
          type: machine.type,
          creationDate: new Date(versionRecord?.createdAt ?? machine.createdAt),
          loggingConfiguration: logging(described.settings),
          tracingConfiguration: tracing(described.settings),
          encryptionConfiguration: encryption(described.settings),
          revisionId: described.revisionId,
          ...(versionRecord?.description !== undefined ? { description: versionRecord.description } : {}),
        };
      });
    },

    UpdateStateMachine: async (input) => {
      const { base } = machineArnOf(input.stateMachineArn, false);
      if (
        input.definition === undefined &&
        input.roleArn === undefined &&
        input.loggingConfiguration === undefined &&
        input.tracingConfiguration === undefined &&
        input.encryptionConfiguration === undefined
      )
        throw missingRequiredParameter(
          'Either the definition, the role ARN, the LoggingConfiguration, the EncryptionConfiguration or the TracingConfiguration must be specified',
        );
      if (input.roleArn !== undefined) checkRole(input.roleArn);
      checkLogging(input.loggingConfiguration);
      if (input.versionDescription !== undefined && !input.publish)
        throw validation('Version description can only be set when publish is true');
      return store.write(async (tx) => {
        const machine = await requireMachine(tx, base);
        const parsed =
          input.definition !== undefined ? parseDefinition(input.definition, machine.type) : undefined;
        const settings: MachineSettings = {
          ...machine.settings,
          ...(input.loggingConfiguration ? { loggingConfiguration: input.loggingConfiguration } : {}),
          ...(input.tracingConfiguration ? { tracingConfiguration: input.tracingConfiguration } : {}),
          ...(input.encryptionConfiguration
            ? { encryptionConfiguration: input.encryptionConfiguration }
            : {}),
        };
        const changed =
          (input.definition !== undefined && input.definition !== machine.definition) ||
          (input.roleArn !== undefined && input.roleArn !== machine.roleArn) ||
          !sameJson(settings, machine.settings);
        const now = clock.now();
        if (changed) {
          machine.revisionId = newRevisionId();
          machine.definition = input.definition ?? machine.definition;
          machine.roleArn = input.roleArn ?? machine.roleArn;
          machine.settings = settings;
          machine.updatedAt = now;
          await machines.update(tx, machine);
          if (parsed) machines.remember(machine.arn, machine.revisionId, parsed);
        }
        const version = input.publish
          ? await machines.publish(tx, machine, input.versionDescription, now)
          : undefined;
        return {
          updateDate: new Date(machine.updatedAt),
          revisionId: machine.revisionId,
          ...(version ? { stateMachineVersionArn: version.arn } : {}),
        };
      });
    },

    DeleteStateMachine: async (input) => {
      const { base, version } = machineArnOf(input.stateMachineArn, true);
      if (version !== undefined) throw labeledArnsUnsupported();
      const found = await store.read((tx) => machines.get(tx, base));
      if (!found) return {};
      await store.write(async (tx) => {
        const machine = await machines.get(tx, base);
        if (machine) {
          machine.status = 'DELETING';
          await machines.update(tx, machine);
        }
      });
      await deps.stopExecutionsOf(base);
      await store.write((tx) => machines.delete(tx, base));
      return {};
    },

    ListStateMachines: async (input, context) => {
      const scope = scopeOf(context);
      const after = readToken(input.nextToken, isString);
      const size = pageSize(input.maxResults);
      const all = await store.read((tx) => machines.list(tx, scope.account, scope.region));
      const rest = after === undefined ? all : all.filter((machine) => machine.name > after);
      const page = rest.slice(0, size);
      return {
        stateMachines: page.map((machine) => ({
          stateMachineArn: machine.arn,
          name: machine.name,
          type: machine.type,
          creationDate: new Date(machine.createdAt),
        })),
        ...(rest.length > size ? { nextToken: writeToken(page.at(-1)!.name) } : {}),
      };
    },

    ValidateStateMachineDefinition: async (input) => {
      const result = validateDefinition(input.definition, { type: input.type ?? 'STANDARD' });
      const wanted = input.severity === 'WARNING' ? ['ERROR', 'WARNING'] : ['ERROR'];
      const diagnostics = result.diagnostics.filter((diagnostic) => wanted.includes(diagnostic.severity));
      const limit = input.maxResults === undefined || input.maxResults === 0 ? 100 : input.maxResults;
      const failed = result.diagnostics.some((diagnostic) => diagnostic.severity === 'ERROR');
      return {
        result: failed ? 'FAIL' : 'OK',
        diagnostics: diagnostics.slice(0, limit).map((diagnostic) => ({
          severity: diagnostic.severity,
          code: diagnostic.code,
          message: diagnostic.message,
          ...(diagnostic.location !== undefined ? { location: diagnostic.location } : {}),
        })),
        truncated: diagnostics.length > limit,
      };
    },

    PublishStateMachineVersion: async (input) => {
      const { base } = machineArnOf(input.stateMachineArn, false);
      return store.write(async (tx) => {
        const machine = await requireMachine(tx, base);
        if (input.revisionId !== undefined && input.revisionId !== machine.revisionId)
          throw conflict(
            `Failed to publish the State Machine version for revision ${input.revisionId}. The current State Machine revision is ${machine.revisionId}.`,
          );
        const version = await machines.publish(tx, machine, input.description, clock.now());
        return { creationDate: new Date(version.createdAt), stateMachineVersionArn: version.arn };
      });
    },

    ListStateMachineVersions: async (input) => {
      const { base } = machineArnOf(input.stateMachineArn, false);
      const after = readToken(input.nextToken, isString);
      const size = pageSize(input.maxResults);
      const versions = await store.read(async (tx) => {
        await requireMachine(tx, base);
        return machines.versions(tx, base);
      });
      const start = after === undefined ? 0 : versions.findIndex((version) => version.arn === after) + 1;
      const page = versions.slice(start, start + size);
      return {
        stateMachineVersions: page.map((version) => ({
          stateMachineVersionArn: version.arn,
          creationDate: new Date(version.createdAt),
        })),
        ...(start + size < versions.length ? { nextToken: writeToken(page.at(-1)!.arn) } : {}),
      };
    },

    DeleteStateMachineVersion: async (input) => {
      const { base, version } = machineArnOf(input.stateMachineVersionArn, true);
      if (version === undefined) throw invalidArn(`Invalid ARN prefix: ${input.stateMachineVersionArn}`);
      await store.write(async (tx) => {
        const record = await machines.version(tx, input.stateMachineVersionArn);
        if (!record) return;
        for (const alias of await machines.aliases(tx, base)) {
          if (alias.routing.some((item) => item.stateMachineVersionArn === record.arn))
            throw conflict(
              `Version to be deleted must not be referenced by an alias. Current list of aliases referencing this version: [${alias.name}]`,
            );
        }
        await machines.deleteVersion(tx, record.arn);
      });
      return {};
    },

    CreateStateMachineAlias: async (input) => {
      checkAliasName(input.name);
      const first = input.routingConfiguration[0];
      if (!first)
        throw validation(
          'Routing configuration must contain one or two versions.',
          'INVALID_ROUTING_CONFIGURATION',
        );
      const { base } = machineArnOf(first.stateMachineVersionArn, true);
      const arn = `${base}:${input.name}`;
      return store.write(async (tx) => {
        await requireMachine(tx, base);
        await checkRouting(tx, base, input.routingConfiguration);
        const existing = await machines.alias(tx, arn);
        if (existing) {
          if (
            sameJson(existing.routing, input.routingConfiguration) &&
            existing.description === input.description
          )
            return { stateMachineAliasArn: arn, creationDate: new Date(existing.createdAt) };
          throw conflict(
            `Failed to create alias because an alias with the same name and a different routing configuration already exists.`,
          );
        }
        const now = clock.now();
        await machines.saveAlias(tx, {
          arn,
          machineArn: base,
          name: input.name,
          description: input.description,
          routing: input.routingConfiguration,
          createdAt: now,
          updatedAt: now,
        });
        return { stateMachineAliasArn: arn, creationDate: new Date(now) };
      });
    },

    DescribeStateMachineAlias: async (input) => {
      const parsed = parseStatesArn(input.stateMachineAliasArn, ['stateMachine']);
      if (parsed.parts.length !== 2 || /^\d+$/.test(parsed.parts[1]!))
        throw invalidArn(`Invalid ARN prefix: ${input.stateMachineAliasArn}`);
      const alias = await store.read((tx) => machines.alias(tx, input.stateMachineAliasArn));
      if (!alias) throw resourceNotFound(`Resource not found: '${input.stateMachineAliasArn}'`);
      return describeAlias(alias);
    },

    UpdateStateMachineAlias: async (input) => {
      if (input.description === undefined && input.routingConfiguration === undefined)
        throw validation(
          'Either the description or the RoutingConfiguration must be specified',
          'MISSING_REQUIRED_PARAMETER',
        );
      return store.write(async (tx) => {
        const alias = await machines.alias(tx, input.stateMachineAliasArn);
        if (!alias) throw resourceNotFound(`Resource not found: '${input.stateMachineAliasArn}'`);
        if (input.routingConfiguration) {
          await checkRouting(tx, alias.machineArn, input.routingConfiguration);
          alias.routing = input.routingConfiguration;
        }
        if (input.description !== undefined) alias.description = input.description;
        alias.updatedAt = clock.now();
        await machines.saveAlias(tx, alias);
        return { updateDate: new Date(alias.updatedAt) };
      });
    },

    DeleteStateMachineAlias: async (input) => {
      parseStatesArn(input.stateMachineAliasArn, ['stateMachine']);
      await store.write(async (tx) => {
        const alias = await machines.alias(tx, input.stateMachineAliasArn);
        if (!alias) throw resourceNotFound(`Resource not found: '${input.stateMachineAliasArn}'`);
        await machines.deleteAlias(tx, alias.arn);
      });
      return {};
    },

    ListStateMachineAliases: async (input) => {
      const { base } = machineArnOf(input.stateMachineArn, false);
      const after = readToken(input.nextToken, isString);
      const size = pageSize(input.maxResults);
      const aliases = await store.read(async (tx) => {
        await requireMachine(tx, base);
        return machines.aliases(tx, base);
      });
      const rest = after === undefined ? aliases : aliases.filter((alias) => alias.name > after);
      const page = rest.slice(0, size);
      return {
        stateMachineAliases: page.map((alias) => ({
          stateMachineAliasArn: alias.arn,
          creationDate: new Date(alias.createdAt),
        })),
        ...(rest.length > size ? { nextToken: writeToken(page.at(-1)!.name) } : {}),
      };
    },

    TagResource: async (input) => {
      await store.write(async (tx) => {
        await taggable(tx, input.resourceArn);
        await addTags(tx, input.resourceArn, input.tags);
      });
      return {};
    },

    UntagResource: async (input) => {
      await store.write(async (tx) => {
        await taggable(tx, input.resourceArn);
        await removeTags(tx, input.resourceArn, input.tagKeys);
      });
      return {};
    },

    ListTagsForResource: async (input) => {
      return store.read(async (tx) => {
        await taggable(tx, input.resourceArn);
        return { tags: await tagsOf(tx, input.resourceArn) };
      });
    },
  };
}
