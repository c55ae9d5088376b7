// Lookup tables: CSV tables (a header row, then records) that Insights queries can join with the
// `lookup` command. eddy stores, describes, updates and deletes them; its Insights subset does not
// run `lookup` yet.
import type { CloudWatchLogs } from '../../contract/index.ts';
import { type Clock, formatArn, parseArn } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { LogsHandlers } from './api.ts';
import { alreadyExists, invalidParameter, notFound } from './errors.ts';
import type { Caller } from './input.ts';
import { pageOf, type Resource, type Resources } from './resources.ts';

const DESCRIBE_LIMIT = 100;

interface TableBody {
  description?: string;
  tableBody: string;
  kmsKeyId?: string;
}

const tableNotFound = () => notFound('The specified lookup table does not exist.');

const tableArn = (caller: Caller, name: string) =>
  formatArn({
    service: 'logs',
    region: caller.region,
    accountId: caller.accountId,
    resource: `lookup-table:${name}`,
  });

/** The header's field names and the number of records; a table needs a header. */
function shape(body: string): { fields: string[]; records: number } {
  const lines = body.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines[0];
  if (header === undefined) throw invalidParameter('A lookup table needs a header row.');
  const fields = header.split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
  if (fields.some((field) => field === ''))
    throw invalidParameter('Every column of a lookup table needs a name.');
  return { fields, records: lines.length - 1 };
}

function summary(caller: Caller, resource: Resource<TableBody>): CloudWatchLogs.LookupTable {
  const { fields, records } = shape(resource.body.tableBody);
  return {
    lookupTableArn: tableArn(caller, resource.name),
    lookupTableName: resource.name,
    ...(resource.body.description !== undefined ? { description: resource.body.description } : {}),
    tableFields: fields,
    recordsCount: records,
    sizeBytes: Buffer.byteLength(resource.body.tableBody),
    lastUpdatedTime: resource.updatedAt,
    ...(resource.body.kmsKeyId !== undefined ? { kmsKeyId: resource.body.kmsKeyId } : {}),
  };
}

export function lookupTableHandlers(resources: Resources, store: Store, clock: Clock) {
  async function table(arn: string, caller: Caller) {
    const parsed = parseArn(arn);
    if (!parsed?.resource.startsWith('lookup-table:'))
      throw invalidParameter(`${arn} is not a lookup table ARN.`);
    if (parsed.accountId !== caller.accountId || parsed.region !== caller.region) throw tableNotFound();
    const found = await resources.get<TableBody>(caller, {
      kind: 'lookup-table',
      name: parsed.resource.slice('lookup-table:'.length),
    });
    if (!found) throw tableNotFound();
    return found;
  }

  return {
    async CreateLookupTable(input, context) {
      shape(input.tableBody);
      const key = { kind: 'lookup-table', name: input.lookupTableName } as const;
      const saved = await store.write(async (tx) => {
        if (await resources.getIn(tx, context, key))
          throw alreadyExists('The specified lookup table already exists.');
        return resources.putIn<TableBody>(
          tx,
          context,
          key,
          {
            tableBody: input.tableBody,
            ...(input.description !== undefined ? { description: input.description } : {}),
            ...(input.kmsKeyId !== undefined ? { kmsKeyId: input.kmsKeyId } : {}),
          },
          clock.now(),
          { ...(input.tags ? { tags: input.tags } : {}) },
        );
      });
      return { lookupTableArn: tableArn(context, saved.name), createdAt: saved.createdAt };
    },

    async DescribeLookupTables(input, context) {
      const { items, nextToken } = await pageOf<TableBody>(
        resources,
        context,
        {
          kind: 'lookup-table',
          ...(input.lookupTableNamePrefix !== undefined ? { prefix: input.lookupTableNamePrefix } : {}),
        },
        { token: input.nextToken, limit: input.maxResults ?? DESCRIBE_LIMIT },
      );
      return { lookupTables: items.map((item) => summary(context, item)), nextToken };
    },

    async GetLookupTable(input, context) {
      const found = await table(input.lookupTableArn, context);
      return {
        lookupTableArn: tableArn(context, found.name),
        lookupTableName: found.name,
        ...(found.body.description !== undefined ? { description: found.body.description } : {}),
        tableBody: found.body.tableBody,
        sizeBytes: Buffer.byteLength(found.body.tableBody),
        lastUpdatedTime: found.updatedAt,
        ...(found.body.kmsKeyId !== undefined ? { kmsKeyId: found.body.kmsKeyId } : {}),
      };
    },

    async UpdateLookupTable(input, context) {
      const found = await table(input.lookupTableArn, context);
      shape(input.tableBody);
      const saved = await resources.put<TableBody>(
        context,
        { kind: 'lookup-table', name: found.name },
        {
          tableBody: input.tableBody,
          ...(input.description !== undefined
            ? { description: input.description }
            : found.body.description !== undefined
              ? { description: found.body.description }
              : {}),
          ...(input.kmsKeyId !== undefined
            ? { kmsKeyId: input.kmsKeyId }
            : found.body.kmsKeyId !== undefined
              ? { kmsKeyId: found.body.kmsKeyId }
              : {}),
        },
        clock.now(),
      );
      return { lookupTableArn: tableArn(context, found.name), lastUpdatedTime: saved.updatedAt };
    },

    async DeleteLookupTable(input, context) {
      const found = await table(input.lookupTableArn, context);
      await resources.delete(context, { kind: 'lookup-table', name: found.name });
    },
  } satisfies Partial<LogsHandlers>;
}
