// CloudWatch Logs' documented limits on events, batches and reads.

/** PutLogEvents: events and bytes per batch; each event counts its UTF-8 message plus 26 bytes. */
export const MAX_BATCH_EVENTS = 10_000;
export const MAX_BATCH_BYTES = 1_048_576;
export const EVENT_OVERHEAD_BYTES = 26;
/** One event, overhead included (AWS raised it from 256 KB to 1 MB). */
export const MAX_EVENT_BYTES = 1_048_576;

/** GetLogEvents and FilterLogEvents return at most 10,000 events and 1 MB. */
export const MAX_READ_EVENTS = 10_000;
export const MAX_READ_BYTES = 1_048_576;
