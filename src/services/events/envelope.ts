// PutEvents entries: AWS's per-entry rules, and the envelope every target receives.
import { randomUUID } from 'node:crypto';

export const MAX_ENTRY_BYTES = 1_048_576;

export interface PutEventsEntry {
  Time?: Date;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

export interface EntryError {
  ErrorCode: string;
  ErrorMessage: string;
}

/** The size AWS counts for an entry: its strings in UTF-8, and 14 bytes for a given Time. */
export function entrySize(entry: PutEventsEntry): number {
  let size = entry.Time ? 14 : 0;
  for (const text of [entry.Source, entry.DetailType, entry.Detail, ...(entry.Resources ?? [])]) {
    if (text) size += Buffer.byteLength(text);
  }
  return size;
}

/** Checks one entry; undefined when it may be put. */
export function checkEntry(entry: PutEventsEntry): EntryError | undefined {
  const invalid = (field: string, reason: string) => ({
    ErrorCode: 'InvalidArgument',
    ErrorMessage: `Parameter ${field} is not valid. Reason: ${reason}`,
  });
  if (!entry.Source) return invalid('Source', 'Source is a required argument.');
  if (!entry.DetailType) return invalid('DetailType', 'DetailType is a required argument.');
  if (entry.Detail === undefined) return invalid('Detail', 'Detail is a required argument.');
  if (entry.Source.length > 256) return invalid('Source', 'Source must be at most 256 characters.');
  if (entry.DetailType.length > 256)
    return invalid('DetailType', 'DetailType must be at most 256 characters.');
  if (entry.Source.toLowerCase().startsWith('aws.')) {
    return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  }
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (entrySize(entry) > MAX_ENTRY_BYTES) {
    return invalid('Detail', `The entry is larger than ${MAX_ENTRY_BYTES} bytes.`);
  }
  return undefined;
}

/** The event as targets receive it; `detail` is kept as the caller's JSON text. */
export function buildEnvelope(
  entry: Required<Pick<PutEventsEntry, 'Source' | 'DetailType' | 'Detail'>> & PutEventsEntry,
  account: string,
  region: string,
  now: number,
  id: string = randomUUID(),
): { id: string; json: string } {
  const time = (entry.Time ?? new Date(now)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const head = {
    version: '0',
    id,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account,
    time,
    region,
    resources: entry.Resources ?? [],
  };
  return { id, json: `${JSON.stringify(head).slice(0, -1)},"detail":${entry.Detail.trim()}}` };
}
