// Metric filters: stored per log group (at most 100), described across groups or by metric, and
// tried against sample messages with TestMetricFilter through the same filter-pattern engine that
// FilterLogEvents uses. What they publish as events arrive is metric-data.ts's.
import type { CloudWatchLogs } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, limitExceeded, notFound } from './errors.ts';
import { compileFilter } from './event-handlers.ts';
import { compileFilterExtractor, FilterPatternError } from './filter.ts';
import type { MetricData, MetricFilterBody } from './metric-data.ts';
import type { LogRegistry } from './registry.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';

const MAX_FILTERS_PER_GROUP = 100;
const MAX_DIMENSIONS = 3;
const DESCRIBE_LIMIT = 50;

/** `$.path` (a JSON pattern's selector) or `$name` (a space-delimited pattern's field). */
const FIELD_REFERENCE = /^\$(\.[\w.[\]*-]+|[A-Za-z_][A-Za-z0-9_]*)$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The rules AWS holds a metric transformation to beyond the model's. */
function checkTransformation(pattern: string, transformation: CloudWatchLogs.MetricTransformation): void {
  const form = pattern.trim().startsWith('{')
    ? 'json'
    : pattern.trim().startsWith('[')
      ? 'delimited'
      : 'terms';
  const referenceFits = (value: string) =>
    FIELD_REFERENCE.test(value) &&
    (form === 'json' ? value.startsWith('$.') : form === 'delimited' && !value.startsWith('$.'));
  const { metricValue, dimensions, defaultValue } = transformation;
  if (!NUMBER.test(metricValue) && !referenceFits(metricValue))
    throw invalidParameter(
      `Invalid metric value '${metricValue}': it must be a number, or a field the filter pattern selects.`,
    );
  const entries = Object.entries(dimensions ?? {});
  if (entries.length > MAX_DIMENSIONS)
    throw invalidParameter(`A metric transformation can have at most ${MAX_DIMENSIONS} dimensions.`);
  if (entries.length > 0 && defaultValue !== undefined)
    throw invalidParameter('A metric transformation with dimensions cannot have a default value.');
  for (const [name, value] of entries)
    if (!referenceFits(value))
      throw invalidParameter(
        `Invalid dimension '${name}': its value '${value}' must be a field the filter pattern selects.`,
      );
}

function toMetricFilter(resource: Resource<MetricFilterBody>): CloudWatchLogs.MetricFilter {
  const { body } = resource;
  return {
    filterName: resource.name,
    filterPattern: body.filterPattern,
    metricTransformations: body.metricTransformations,
    creationTime: resource.createdAt,
    logGroupName: resource.scope,
    ...(body.applyOnTransformedLogs !== undefined
      ? { applyOnTransformedLogs: body.applyOnTransformedLogs }
      : {}),
    ...(body.fieldSelectionCriteria !== undefined
      ? { fieldSelectionCriteria: body.fieldSelectionCriteria }
      : {}),
    ...(body.emitSystemFieldDimensions !== undefined
      ? { emitSystemFieldDimensions: body.emitSystemFieldDimensions }
      : {}),
  };
}

export function metricFilterHandlers(
  registry: LogRegistry,
  resources: Resources,
  store: Store,
  clock: Clock,
  metricData: MetricData,
) {
  return {
    async PutMetricFilter(input, context) {
      compileFilter(input.filterPattern);
      for (const transformation of input.metricTransformations)
        checkTransformation(input.filterPattern, transformation);
      const group = await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      const key = { kind: 'metric-filter', scope: group.name, name: input.filterName } as const;
      const body: MetricFilterBody = {
        filterPattern: input.filterPattern,
        metricTransformations: input.metricTransformations,
        ...(input.applyOnTransformedLogs !== undefined
          ? { applyOnTransformedLogs: input.applyOnTransformedLogs }
          : {}),
        ...(input.fieldSelectionCriteria !== undefined
          ? { fieldSelectionCriteria: input.fieldSelectionCriteria }
          : {}),
        ...(input.emitSystemFieldDimensions !== undefined
          ? { emitSystemFieldDimensions: input.emitSystemFieldDimensions }
          : {}),
      };
      await store.write(async (tx) => {
        const existing = await resources.getIn(tx, context, key);
        if (
          !existing &&
          (await resources.countOfGroupIn(tx, group.id, 'metric-filter')) >= MAX_FILTERS_PER_GROUP
        )
          throw limitExceeded();
        await resources.putIn(tx, context, key, body, clock.now(), { scope: group.name, groupId: group.id });
      });
      for (const transformation of input.metricTransformations)
        metricData.serve(transformation.metricNamespace);
    },

    async DeleteMetricFilter(input, context) {
      await registry.requireGroup(context.accountId, context.region, input.logGroupName);
      const deleted = await resources.delete(context, {
        kind: 'metric-filter',
        scope: input.logGroupName,
        name: input.filterName,
      });
      if (!deleted) throw notFound('The specified metric filter does not exist.');
    },

    async DescribeMetricFilters(input, context) {
      const { logGroupName, filterNamePrefix, metricName, metricNamespace } = input;
      if ((metricName === undefined) !== (metricNamespace === undefined))
        throw invalidParameter('metricName and metricNamespace must be specified together.');
      if (filterNamePrefix !== undefined && logGroupName === undefined)
        throw invalidParameter('filterNamePrefix can be used only with logGroupName.');
      if (logGroupName !== undefined)
        await registry.requireGroup(context.accountId, context.region, logGroupName);
      const { items, nextToken } = await pageOf<MetricFilterBody>(
        resources,
        context,
        {
          kind: 'metric-filter',
          ...(logGroupName !== undefined ? { scope: logGroupName } : {}),
          ...(filterNamePrefix !== undefined ? { prefix: filterNamePrefix } : {}),
        },
        {
          token: input.nextToken,
          limit: input.limit ?? DESCRIBE_LIMIT,
          keep: (filter) =>
            metricName === undefined ||
            filter.body.metricTransformations.some(
              (transformation) =>
                transformation.metricName === metricName &&
                transformation.metricNamespace === metricNamespace,
            ),
        },
      );
      return { metricFilters: items.map(toMetricFilter), nextToken };
    },

    async TestMetricFilter(input) {
      let extract: ReturnType<typeof compileFilterExtractor>;
      try {
        extract = compileFilterExtractor(input.filterPattern);
      } catch (error) {
        if (error instanceof FilterPatternError)
          throw invalidParameter(`Invalid filter pattern: ${error.message}`);
        throw error;
      }
      const matches: CloudWatchLogs.MetricFilterMatchRecord[] = [];
      for (const [index, message] of input.logEventMessages.entries()) {
        const extractedValues = extract(message);
        if (extractedValues) matches.push({ eventNumber: index + 1, eventMessage: message, extractedValues });
      }
      return { matches };
    },
  } satisfies Partial<LogsHandlers>;
}
