// Log transformers: a pipeline of processors a group (or the account's TRANSFORMER_POLICY that
// selects it) applies to each event at ingestion. The transformed version is stored beside the
// original: GetLogEvents and FilterLogEvents return the original, Insights queries read the
// transformed one, and subscription filters with applyOnTransformedLogs deliver it.
//
// eddy runs these processors: parseJSON, parseKeyValue, csv, addKeys, deleteKeys, copyValue,
// moveKeys, renameKeys, lowerCaseString, upperCaseString, trimString, splitString, substituteString,
// typeConverter and listToMap. A transformer with another (grok, dateTimeConverter, the parsers of
// AWS-vended formats) is refused rather than stored and not applied.
import type { CloudWatchLogs } from '../../contract/index.ts';
import type { Clock } from '../../runtime/index.ts';
import type { Tx } from '../../store/index.ts';
import type { AccountPolicyBody } from './account-policies.ts';
import type { LogsHandlers } from './api.ts';
import { invalidParameter, logsError, notFound } from './errors.ts';
import { type Caller, identifiedGroup } from './input.ts';
import type { LogRegistry } from './registry.ts';
import type { Resources } from './resources.ts';
import { selects } from './selection.ts';

type Json = Record<string, unknown>;
type Step = (document: Json) => void;

const PARSERS = new Set(['parseJSON', 'parseKeyValue', 'csv']);
const UNSUPPORTED = new Set([
  'grok',
  'dateTimeConverter',
  'parseCloudfront',
  'parseRoute53',
  'parseToOCSF',
  'parsePostgres',
  'parseVPC',
  'parseWAF',
]);

/** Reads a dotted path (`a.b`) of a document. */
function get(document: Json, path: string): unknown {
  let value: unknown = document;
  for (const part of path.split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Json)[part];
  }
  return value;
}

function set(document: Json, path: string, value: unknown, overwrite = true): void {
  const parts = path.split('.');
  let node = document;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Json;
  }
  const last = parts.at(-1)!;
  if (overwrite || !(last in node)) node[last] = value;
}

function remove(document: Json, path: string): void {
  const parts = path.split('.');
  const parent = parts.length === 1 ? document : get(document, parts.slice(0, -1).join('.'));
  if (typeof parent === 'object' && parent !== null) delete (parent as Json)[parts.at(-1)!];
}

const each =
  (keys: string[], change: (value: string) => unknown): Step =>
  (document) => {
    for (const key of keys) {
      const value = get(document, key);
      if (typeof value === 'string') set(document, key, change(value));
    }
  };

/** Merges parsed fields into the document (or under `destination`), replacing the source text. */
function place(document: Json, source: string, destination: string | undefined, fields: Json): void {
  if (destination !== undefined) {
    set(document, destination, fields);
    return;
  }
  if (source === '@message') delete document['@message'];
  Object.assign(document, fields);
}

function splitCsvLine(line: string, delimiter: string, quote: string): string[] {
  const values: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (char === quote) {
      if (quoted && line[index + 1] === quote) {
        current += quote;
        index++;
      } else quoted = !quoted;
    } else if (char === delimiter && !quoted) {
      values.push(current);
      current = '';
    } else current += char;
  }
  values.push(current);
  return values;
}

function compileProcessor(processor: CloudWatchLogs.Processor): Step {
  const entries = Object.entries(processor).filter(([, value]) => value !== undefined);
  if (entries.length !== 1) throw invalidParameter('Each processor must set exactly one processor type.');
  const kind = entries[0]![0];
  if (UNSUPPORTED.has(kind))
    throw invalidParameter(
      `eddy does not run the ${kind} processor; it runs ${[...PARSERS].join(', ')} and the key and string processors.`,
    );
  const p = processor;
  switch (kind) {
    case 'parseJSON': {
      const { source = '@message', destination } = p.parseJSON!;
      return (document) => {
        const text = get(document, source);
        if (typeof text !== 'string') return;
        const parsed = JSON.parse(text) as unknown;
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
          throw new Error('not a JSON object');
        place(document, source, destination, parsed as Json);
      };
    }
    case 'parseKeyValue': {
      const {
        source = '@message',
        destination,
        fieldDelimiter = '&',
        keyValueDelimiter = '=',
        keyPrefix = '',
        nonMatchValue,
        overwriteIfExists = false,
      } = p.parseKeyValue!;
      return (document) => {
        const text = get(document, source);
        if (typeof text !== 'string') return;
        const fields: Json = {};
        for (const pair of text.split(fieldDelimiter)) {
          const at = pair.indexOf(keyValueDelimiter);
          if (at < 0) {
            if (nonMatchValue !== undefined && pair !== '') fields[keyPrefix + pair] = nonMatchValue;
            continue;
          }
          const key = keyPrefix + pair.slice(0, at).trim();
          if (overwriteIfExists || !(key in fields))
            fields[key] = pair.slice(at + keyValueDelimiter.length).trim();
        }
        place(document, source, destination, fields);
      };
    }
    case 'csv': {
      const { source = '@message', destination, delimiter = ',', quoteCharacter = '"', columns } = p.csv!;
      return (document) => {
        const text = get(document, source);
        if (typeof text !== 'string') return;
        const values = splitCsvLine(text, delimiter, quoteCharacter);
        const fields: Json = {};
        values.forEach((value, index) => {
          fields[columns?.[index] ?? `column_${index + 1}`] = value;
        });
        place(document, source, destination, fields);
      };
    }
    case 'addKeys':
      return (document) => {
        for (const entry of p.addKeys!.entries)
          set(document, entry.key, entry.value, entry.overwriteIfExists === true);
      };
    case 'deleteKeys':
      return (document) => {
        for (const key of p.deleteKeys!.withKeys) remove(document, key);
      };
    case 'copyValue':
      return (document) => {
        for (const entry of p.copyValue!.entries) {
          const value = get(document, entry.source);
          if (value !== undefined) set(document, entry.target, value, entry.overwriteIfExists === true);
        }
      };
    case 'moveKeys':
      return (document) => {
        for (const entry of p.moveKeys!.entries) {
          const value = get(document, entry.source);
          if (
            value === undefined ||
            (get(document, entry.target) !== undefined && entry.overwriteIfExists !== true)
          )
            continue;
          remove(document, entry.source);
          set(document, entry.target, value);
        }
      };
    case 'renameKeys':
      return (document) => {
        for (const entry of p.renameKeys!.entries) {
          const value = get(document, entry.key);
          if (
            value === undefined ||
            (get(document, entry.renameTo) !== undefined && entry.overwriteIfExists !== true)
          )
            continue;
          remove(document, entry.key);
          set(document, entry.renameTo, value);
        }
      };
    case 'lowerCaseString':
      return each(p.lowerCaseString!.withKeys, (value) => value.toLowerCase());
    case 'upperCaseString':
      return each(p.upperCaseString!.withKeys, (value) => value.toUpperCase());
    case 'trimString':
      return each(p.trimString!.withKeys, (value) => value.trim());
    case 'splitString':
      return (document) => {
        for (const entry of p.splitString!.entries)
          each([entry.source], (value) => value.split(entry.delimiter))(document);
      };
    case 'substituteString':
      return (document) => {
        for (const entry of p.substituteString!.entries) {
          const pattern = new RegExp(entry.from, 'g');
          each([entry.source], (value) => value.replace(pattern, entry.to))(document);
        }
      };
    case 'typeConverter':
      return (document) => {
        for (const entry of p.typeConverter!.entries) {
          const value = get(document, entry.key);
          if (value === undefined) continue;
          const text = String(value);
          const converted =
            entry.type === 'boolean'
              ? text.toLowerCase() === 'true'
              : entry.type === 'string'
                ? text
                : entry.type === 'integer'
                  ? Number.parseInt(text, 10)
                  : Number.parseFloat(text);
          if (typeof converted !== 'number' || Number.isFinite(converted))
            set(document, entry.key, converted);
        }
      };
    case 'listToMap':
      return (document) => {
        const { source, key, valueKey, target, flatten } = p.listToMap!;
        const list = get(document, source);
        if (!Array.isArray(list)) return;
        const map: Json = {};
        for (const item of list) {
          if (typeof item !== 'object' || item === null) continue;
          const name = (item as Json)[key];
          if (typeof name !== 'string') continue;
          const value = valueKey !== undefined ? (item as Json)[valueKey] : item;
          map[name] = flatten ? value : [...(((map[name] as unknown[]) ?? []) as unknown[]), value];
        }
        set(document, target ?? source, map);
      };
    default:
      throw invalidParameter(`Unknown processor ${kind}.`);
  }
}

export type Transform = (message: string) => string | undefined;

/** Checks a transformer as AWS does (a parser first, at most 20 processors) and compiles it. */
export function compileTransformer(processors: CloudWatchLogs.Processor[]): Transform {
  const first = Object.keys(processors[0] ?? {}).find(
    (key) => processors[0]![key as keyof CloudWatchLogs.Processor] !== undefined,
  );
  if (first === undefined || (!PARSERS.has(first) && !UNSUPPORTED.has(first)))
    throw invalidParameter(
      'The first processor of a transformer must be a parser (parseJSON, parseKeyValue, csv, grok, …).',
    );
  const steps = processors.map(compileProcessor);
  return (message) => {
    const document: Json = { '@message': message };
    try {
      for (const step of steps) step(document);
    } catch {
      return undefined;
    }
    return JSON.stringify(document);
  };
}

/** The transform for events ingested into a group now: its own transformer, else the account's that selects it. */
export async function transformerIn(
  tx: Tx,
  resources: Resources,
  caller: Caller,
  group: { name: string },
): Promise<Transform | undefined> {
  const own = await resources.getIn<{ transformerConfig: CloudWatchLogs.Processor[] }>(tx, caller, {
    kind: 'transformer',
    scope: group.name,
    name: '',
  });
  if (own) return compileTransformer(own.body.transformerConfig);
  const policies = await resources.listIn<AccountPolicyBody>(tx, caller, {
    kind: 'account-policy',
    scope: 'TRANSFORMER_POLICY',
  });
  const chosen = policies.find((policy) => selects(policy.body.selectionCriteria, group.name));
  if (!chosen) return undefined;
  const config = (JSON.parse(chosen.body.policyDocument) as { transformerConfig: CloudWatchLogs.Processor[] })
    .transformerConfig;
  return compileTransformer(config);
}

export function transformerHandlers(registry: LogRegistry, resources: Resources, clock: Clock) {
  async function groupOf(identifier: string, caller: Caller) {
    const group = await registry.requireGroup(
      caller.accountId,
      caller.region,
      identifiedGroup(identifier, caller),
    );
    if (group.logGroupClass === 'INFREQUENT_ACCESS')
      throw logsError(
        'InvalidOperationException',
        'Transformers are not supported for log groups in the Infrequent Access class.',
      );
    return { group, key: { kind: 'transformer', scope: group.name, name: '' } as const };
  }

  return {
    async PutTransformer(input, context) {
      compileTransformer(input.transformerConfig);
      const { group, key } = await groupOf(input.logGroupIdentifier, context);
      await resources.put(context, key, { transformerConfig: input.transformerConfig }, clock.now(), {
        scope: group.name,
        groupId: group.id,
      });
    },

    async GetTransformer(input, context) {
      const { key } = await groupOf(input.logGroupIdentifier, context);
      const found = await resources.get<{ transformerConfig: CloudWatchLogs.Processor[] }>(context, key);
      if (!found) throw notFound('The specified log group does not have a transformer.');
      return {
        logGroupIdentifier: input.logGroupIdentifier,
        creationTime: found.createdAt,
        lastModifiedTime: found.updatedAt,
        transformerConfig: found.body.transformerConfig,
      };
    },

    async DeleteTransformer(input, context) {
      const { key } = await groupOf(input.logGroupIdentifier, context);
      if (!(await resources.delete(context, key)))
        throw notFound('The specified log group does not have a transformer.');
    },

    async TestTransformer(input) {
      const transform = compileTransformer(input.transformerConfig);
      return {
        transformedLogs: input.logEventMessages.map((message, index) => ({
          eventNumber: index + 1,
          eventMessage: message,
          transformedEventMessage: transform(message) ?? message,
        })),
      };
    },
  } satisfies Partial<LogsHandlers>;
}
