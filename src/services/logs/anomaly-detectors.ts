// Log anomaly detectors: stored, listed, updated and deleted, with their groups checked. eddy does
// not train or run AWS's anomaly models, so a detector stays INITIALIZING (PAUSED when disabled) and
// finds no anomalies: ListAnomalies is empty, and UpdateAnomaly finds none to update.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, formatArn, newUuid, parseArn } from '../../runtime/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, notFound } from './errors.ts';
import { compileFilter } from './event-handlers.ts';
import { type Caller, groupNameFromArn } from './input.ts';
import { groupArn, type LogRegistry } from './registry.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';

const LIST_LIMIT = 50;

interface DetectorBody {
  detectorName?: string;
  logGroupArnList: string[];
  evaluationFrequency?: CloudWatchLogs.EvaluationFrequency;
  filterPattern?: string;
  kmsKeyId?: string;
  anomalyVisibilityTime?: number;
  enabled: boolean;
}

const detectorNotFound = () => notFound('The specified anomaly detector does not exist.');

const detectorArn = (caller: Caller, id: string) =>
  formatArn({
    service: 'logs',
    region: caller.region,
    accountId: caller.accountId,
    resource: `anomaly-detector:${id}`,
  });

function toDetector(caller: Caller, resource: Resource<DetectorBody>): CloudWatchLogs.AnomalyDetector {
  const { body } = resource;
  return {
    anomalyDetectorArn: detectorArn(caller, resource.name),
    ...(body.detectorName !== undefined ? { detectorName: body.detectorName } : {}),
    logGroupArnList: body.logGroupArnList,
    ...(body.evaluationFrequency !== undefined ? { evaluationFrequency: body.evaluationFrequency } : {}),
    ...(body.filterPattern !== undefined ? { filterPattern: body.filterPattern } : {}),
    anomalyDetectorStatus: body.enabled ? 'INITIALIZING' : 'PAUSED',
    ...(body.kmsKeyId !== undefined ? { kmsKeyId: body.kmsKeyId } : {}),
    creationTimeStamp: resource.createdAt,
    lastModifiedTimeStamp: resource.updatedAt,
    anomalyVisibilityTime: body.anomalyVisibilityTime ?? 21,
  };
}

export function anomalyDetectorHandlers(registry: LogRegistry, resources: Resources, clock: Clock) {
  /** The detector an ARN names in the caller's account. */
  async function detector(arn: string, caller: Caller) {
    const parsed = parseArn(arn);
    if (!parsed?.resource.startsWith('anomaly-detector:'))
      throw invalidParameter(`${arn} is not an anomaly detector ARN.`);
    if (parsed.accountId !== caller.accountId || parsed.region !== caller.region) throw detectorNotFound();
    const found = await resources.get<DetectorBody>(caller, {
      kind: 'anomaly-detector',
      name: parsed.resource.slice('anomaly-detector:'.length),
    });
    if (!found) throw detectorNotFound();
    return found;
  }

  return {
    async CreateLogAnomalyDetector(input, context) {
      if (input.logGroupArnList.length === 0)
        throw invalidParameter('logGroupArnList must name at least one log group.');
      if (input.filterPattern !== undefined) compileFilter(input.filterPattern);
      const arns: string[] = [];
      for (const arn of input.logGroupArnList) {
        const group = await registry.requireGroup(
          context.accountId,
          context.region,
          groupNameFromArn(arn, context),
        );
        arns.push(groupArn(group));
      }
      const id = newUuid();
      await resources.put<DetectorBody>(
        context,
        { kind: 'anomaly-detector', name: id },
        {
          ...(input.detectorName !== undefined ? { detectorName: input.detectorName } : {}),
          logGroupArnList: arns,
          ...(input.evaluationFrequency !== undefined
            ? { evaluationFrequency: input.evaluationFrequency }
            : {}),
          ...(input.filterPattern !== undefined ? { filterPattern: input.filterPattern } : {}),
          ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
          ...(input.anomalyVisibilityTime !== undefined
            ? { anomalyVisibilityTime: input.anomalyVisibilityTime }
            : {}),
          enabled: true,
        },
        clock.now(),
        { ...(input.tags ? { tags: input.tags } : {}) },
      );
      return { anomalyDetectorArn: detectorArn(context, id) };
    },

    async GetLogAnomalyDetector(input, context) {
      const { anomalyDetectorArn: _arn, ...rest } = toDetector(
        context,
        await detector(input.anomalyDetectorArn, context),
      );
      return rest;
    },

    async UpdateLogAnomalyDetector(input, context) {
      const found = await detector(input.anomalyDetectorArn, context);
      if (input.filterPattern !== undefined) compileFilter(input.filterPattern);
      await resources.put<DetectorBody>(
        context,
        { kind: 'anomaly-detector', name: found.name },
        {
          ...found.body,
          ...(input.evaluationFrequency !== undefined
            ? { evaluationFrequency: input.evaluationFrequency }
            : {}),
          ...(input.filterPattern !== undefined ? { filterPattern: input.filterPattern } : {}),
          ...(input.anomalyVisibilityTime !== undefined
            ? { anomalyVisibilityTime: input.anomalyVisibilityTime }
            : {}),
          enabled: input.enabled,
        },
        clock.now(),
      );
    },

    async DeleteLogAnomalyDetector(input, context) {
      const found = await detector(input.anomalyDetectorArn, context);
      await resources.delete(context, { kind: 'anomaly-detector', name: found.name });
    },

    async ListLogAnomalyDetectors(input, context) {
      const filter = input.filterLogGroupArn?.replace(/:\*$/, '');
      const { items, nextToken } = await pageOf<DetectorBody>(
        resources,
        context,
        { kind: 'anomaly-detector' },
        {
          token: input.nextToken,
          limit: input.limit ?? LIST_LIMIT,
          keep: (found) => filter === undefined || found.body.logGroupArnList.includes(filter),
        },
      );
      return { anomalyDetectors: items.map((item) => toDetector(context, item)), nextToken };
    },

    async ListAnomalies(input, context) {
      if (input.anomalyDetectorArn !== undefined) await detector(input.anomalyDetectorArn, context);
      return { anomalies: [] };
    },

    async UpdateAnomaly(input, context) {
      await detector(input.anomalyDetectorArn, context);
      if (input.anomalyId === undefined && input.patternId === undefined)
        throw invalidParameter('Either anomalyId or patternId must be specified.');
      throw notFound(
        input.anomalyId !== undefined
          ? `The anomaly ${input.anomalyId} does not exist.`
          : `The pattern ${input.patternId} does not exist.`,
      );
    },
  } satisfies Partial<LogsHandlers>;
}
