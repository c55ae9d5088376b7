// EventBridge Pipes' operations. A pipe's CurrentState moves as Pipes reports it: Create answers
// CREATING and the pipe is RUNNING (or STOPPED) as soon as it is stored, Start answers STARTING,
// Stop STOPPING, Update UPDATING, Delete DELETING; a source eddy cannot read makes CREATE_FAILED.
import type { Handlers, Pipes, RequestContext } from '../../contract/index.ts';
import { PatternError, parsePattern } from '../../patterns/index.ts';
import { parseArn, type Runtime } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import { conflict, notFound, validation } from './errors.ts';
import { findPipe, listPipes, type PipeDefinition, type PipeRecord, pipeArn, savePipe } from './records.ts';
import { brokerUrl } from './runner.ts';

const SOURCES = new Set(['sqs', 'kinesis', 'mq']);

function checkDefinition(runtime: Runtime, definition: PipeDefinition): void {
  const source = parseArn(definition.Source)?.service;
  if (!source || !SOURCES.has(source))
    throw validation(
      `Source ${definition.Source} is not supported: eddy's pipes read from SQS queues, Kinesis streams and RabbitMQ brokers (Amazon MQ).`,
      'source',
    );
  if (source === 'mq' && !definition.SourceParameters?.RabbitMQBrokerParameters)
    throw validation('RabbitMQBrokerParameters are required for an Amazon MQ source.', 'sourceParameters');
  if (source === 'kinesis' && !definition.SourceParameters?.KinesisStreamParameters)
    throw validation('KinesisStreamParameters are required for a Kinesis source.', 'sourceParameters');
  if (!runtime.targets.supports(definition.Target))
    throw validation(`Target ${definition.Target} is not supported by eddy.`, 'target');
  if (definition.Enrichment !== undefined)
    throw validation('eddy does not run pipe enrichments yet.', 'enrichment');
  for (const filter of definition.SourceParameters?.FilterCriteria?.Filters ?? []) {
    if (filter.Pattern === undefined) continue;
    try {
      parsePattern(filter.Pattern);
    } catch (error) {
      if (error instanceof PatternError)
        throw validation(
          `Invalid filter pattern: ${error.message}`,
          'sourceParameters.filterCriteria.filters.pattern',
        );
      throw error;
    }
  }
}

/** Why a pipe cannot read its source, if it cannot (a queue or stream that is not there, a broker eddy does not know). */
async function sourceProblem(runtime: Runtime, definition: PipeDefinition): Promise<string | undefined> {
  const service = parseArn(definition.Source)?.service;
  if (service === 'sqs' && !runtime.sources.queue(definition.Source)?.exists(definition.Source))
    return `The source queue ${definition.Source} does not exist.`;
  if (service === 'kinesis' && !(await runtime.sources.stream(definition.Source)?.shards(definition.Source)))
    return `The source stream ${definition.Source} does not exist.`;
  if (
    service === 'mq' &&
    !brokerUrl(
      runtime.config.mqBrokers ?? {},
      definition.Source,
      definition.SourceParameters?.RabbitMQBrokerParameters?.VirtualHost,
    )
  )
    return `eddy knows no RabbitMQ broker for ${definition.Source}: name it in EDDY_MQ_BROKERS.`;
  return undefined;
}

const summary = (pipe: PipeRecord, state?: Pipes.PipeState) => ({
  Arn: pipeArn(pipe),
  Name: pipe.name,
  DesiredState: pipe.desiredState,
  CurrentState: state ?? pipe.currentState,
  CreationTime: new Date(pipe.createdAt),
  LastModifiedTime: new Date(pipe.modifiedAt),
});

function pipeOfArn(arn: string): { account: string; region: string; name: string } {
  const parsed = parseArn(arn);
  if (parsed?.service !== 'pipes' || !parsed.resource.startsWith('pipe/'))
    throw validation(`${arn} is not a pipe ARN.`, 'resourceArn');
  return { account: parsed.accountId, region: parsed.region, name: parsed.resource.slice('pipe/'.length) };
}

export function pipesHandlers(runtime: Runtime, changed: () => void): Handlers<Pipes.Operations> {
  const { store, clock } = runtime;
  const requirePipe = async (tx: Tx, context: RequestContext, name: string) => {
    const pipe = await findPipe(tx, context.accountId, context.region, name);
    if (!pipe) throw notFound(name);
    return pipe;
  };
  const update = async (
    context: RequestContext,
    name: string,
    work: (pipe: PipeRecord) => Promise<PipeRecord> | PipeRecord,
  ) => {
    const saved = await store.write(async (tx) => {
      const pipe = await requirePipe(tx, context, name);
      const next = { ...(await work(pipe)), modifiedAt: clock.now() };
      await savePipe(tx, next);
      return next;
    });
    changed();
    return saved;
  };

  return {
    async CreatePipe(input, context) {
      const definition: PipeDefinition = {
        Description: input.Description,
        Source: input.Source,
        SourceParameters: input.SourceParameters,
        Enrichment: input.Enrichment,
        EnrichmentParameters: input.EnrichmentParameters,
        Target: input.Target,
        TargetParameters: input.TargetParameters,
        RoleArn: input.RoleArn,
        LogConfiguration: input.LogConfiguration,
        KmsKeyIdentifier: input.KmsKeyIdentifier,
      };
      checkDefinition(runtime, definition);
      const problem = await sourceProblem(runtime, definition);
      const desired = input.DesiredState ?? 'RUNNING';
      const now = clock.now();
      const pipe = await store.write(async (tx) => {
        if (await findPipe(tx, context.accountId, context.region, input.Name))
          throw conflict(`Pipe ${input.Name} already exists.`);
        const state: Pipes.PipeState = problem ? 'CREATE_FAILED' : desired;
        const row = await tx.get<{ id: number | string }>(
          `INSERT INTO pipes_pipes (account, region, name, desired_state, current_state, state_reason, definition, tags, created_at, modified_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [
            context.accountId,
            context.region,
            input.Name,
            desired,
            state,
            problem ?? null,
            JSON.stringify(definition),
            JSON.stringify(input.Tags ?? {}),
            now,
            now,
          ],
        );
        return {
          id: Number(row!.id),
          account: context.accountId,
          region: context.region,
          name: input.Name,
          desiredState: desired,
          currentState: state,
          stateReason: problem,
          definition,
          tags: input.Tags ?? {},
          createdAt: now,
          modifiedAt: now,
        } satisfies PipeRecord;
      });
      changed();
      return summary(pipe, 'CREATING');
    },

    DescribePipe: (input, context) =>
      store.read(async (tx) => {
        const pipe = await requirePipe(tx, context, input.Name);
        const d = pipe.definition;
        return {
          ...summary(pipe),
          ...(pipe.stateReason ? { StateReason: pipe.stateReason } : {}),
          ...(d.Description !== undefined ? { Description: d.Description } : {}),
          Source: d.Source,
          SourceParameters: d.SourceParameters ?? {},
          ...(d.Enrichment ? { Enrichment: d.Enrichment } : {}),
          EnrichmentParameters: d.EnrichmentParameters ?? {},
          Target: d.Target,
          TargetParameters: d.TargetParameters ?? {},
          RoleArn: d.RoleArn,
          Tags: pipe.tags,
          ...(d.LogConfiguration
            ? { LogConfiguration: d.LogConfiguration as Pipes.PipeLogConfiguration }
            : {}),
          ...(d.KmsKeyIdentifier ? { KmsKeyIdentifier: d.KmsKeyIdentifier } : {}),
        };
      }),

    async UpdatePipe(input, context) {
      const pipe = await update(context, input.Name, async (pipe) => {
        const sourceParameters = { ...(pipe.definition.SourceParameters ?? {}) } as Record<string, unknown>;
        for (const [key, value] of Object.entries(input.SourceParameters ?? {}))
          sourceParameters[key] = {
            ...((sourceParameters[key] as object | undefined) ?? {}),
            ...(value as object),
          };
        const definition: PipeDefinition = {
          ...pipe.definition,
          ...(input.Description !== undefined ? { Description: input.Description } : {}),
          SourceParameters: sourceParameters as Pipes.PipeSourceParameters,
          ...(input.Enrichment !== undefined
            ? { Enrichment: input.Enrichment === '' ? undefined : input.Enrichment }
            : {}),
          ...(input.EnrichmentParameters !== undefined
            ? { EnrichmentParameters: input.EnrichmentParameters }
            : {}),
          ...(input.Target !== undefined ? { Target: input.Target } : {}),
          ...(input.TargetParameters !== undefined ? { TargetParameters: input.TargetParameters } : {}),
          RoleArn: input.RoleArn,
          ...(input.LogConfiguration !== undefined ? { LogConfiguration: input.LogConfiguration } : {}),
          ...(input.KmsKeyIdentifier !== undefined ? { KmsKeyIdentifier: input.KmsKeyIdentifier } : {}),
        };
        checkDefinition(runtime, definition);
        const desired = input.DesiredState ?? pipe.desiredState;
        const problem = await sourceProblem(runtime, definition);
        return {
          ...pipe,
          definition,
          desiredState: desired,
          currentState: problem ? 'UPDATE_FAILED' : desired,
          stateReason: problem,
        };
      });
      return summary(pipe, 'UPDATING');
    },

    async DeletePipe(input, context) {
      const pipe = await store.write(async (tx) => {
        const pipe = await requirePipe(tx, context, input.Name);
        await tx.run('DELETE FROM pipes_checkpoints WHERE pipe_id = ?', [pipe.id]);
        await tx.run('DELETE FROM pipes_pipes WHERE id = ?', [pipe.id]);
        return pipe;
      });
      changed();
      return { ...summary(pipe, 'DELETING'), DesiredState: 'DELETED' };
    },

    async ListPipes(input, context) {
      const limit = input.Limit ?? 100;
      const after =
        input.NextToken === undefined ? undefined : Buffer.from(input.NextToken, 'base64').toString('utf8');
      const pipes = (await store.read((tx) => listPipes(tx, context.accountId, context.region))).filter(
        (pipe) =>
          (after === undefined || pipe.name > after) &&
          (input.NamePrefix === undefined || pipe.name.startsWith(input.NamePrefix)) &&
          (input.DesiredState === undefined || pipe.desiredState === input.DesiredState) &&
          (input.CurrentState === undefined || pipe.currentState === input.CurrentState) &&
          (input.SourcePrefix === undefined || pipe.definition.Source.startsWith(input.SourcePrefix)) &&
          (input.TargetPrefix === undefined || pipe.definition.Target.startsWith(input.TargetPrefix)),
      );
      const page = pipes.slice(0, limit);
      return {
        Pipes: page.map((pipe) => ({
          ...summary(pipe),
          ...(pipe.stateReason ? { StateReason: pipe.stateReason } : {}),
          Source: pipe.definition.Source,
          Target: pipe.definition.Target,
          ...(pipe.definition.Enrichment ? { Enrichment: pipe.definition.Enrichment } : {}),
        })),
        ...(pipes.length > limit
          ? { NextToken: Buffer.from(page[page.length - 1]!.name).toString('base64') }
          : {}),
      };
    },

    async StartPipe(input, context) {
      const pipe = await update(context, input.Name, async (pipe) => {
        const problem = await sourceProblem(runtime, pipe.definition);
        return {
          ...pipe,
          desiredState: 'RUNNING',
          currentState: problem ? 'START_FAILED' : 'RUNNING',
          stateReason: problem,
        };
      });
      return summary(pipe, 'STARTING');
    },

    async StopPipe(input, context) {
      const pipe = await update(context, input.Name, (pipe) => ({
        ...pipe,
        desiredState: 'STOPPED',
        currentState: 'STOPPED',
        stateReason: undefined,
      }));
      return summary(pipe, 'STOPPING');
    },

    TagResource: (input) =>
      store
        .write(async (tx) => {
          const ref = pipeOfArn(input.resourceArn);
          const pipe = await findPipe(tx, ref.account, ref.region, ref.name);
          if (!pipe) throw notFound(ref.name);
          await savePipe(tx, { ...pipe, tags: { ...pipe.tags, ...input.tags } });
        })
        .then(() => ({})),

    UntagResource: (input) =>
      store
        .write(async (tx) => {
          const ref = pipeOfArn(input.resourceArn);
          const pipe = await findPipe(tx, ref.account, ref.region, ref.name);
          if (!pipe) throw notFound(ref.name);
          const tags = { ...pipe.tags };
          for (const key of input.tagKeys) delete tags[key];
          await savePipe(tx, { ...pipe, tags });
        })
        .then(() => ({})),

    ListTagsForResource: (input) =>
      store.read(async (tx) => {
        const ref = pipeOfArn(input.resourceArn);
        const pipe = await findPipe(tx, ref.account, ref.region, ref.name);
        if (!pipe) throw notFound(ref.name);
        return { tags: pipe.tags };
      }),
  };
}
