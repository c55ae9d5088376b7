// The log tables. An event is one row read in (timestamp, seq) order, by stream or by group; a
// stream and a group carry their running byte counts so describing them never sums events.
import type { Dialect, Migration } from '../../store/index.ts';

/** Event ids are never reused (SQLite would reuse the top rowid after a purge): tokens and eventIds stay unique. */
const serial = (dialect: Dialect) =>
  dialect === 'postgres' ? 'BIGSERIAL PRIMARY KEY' : 'INTEGER PRIMARY KEY AUTOINCREMENT';

export const logsMigrations: Migration[] = [
  {
    id: 'logs/001-init',
    up: (dialect) => `CREATE TABLE logs_groups (
           id ${serial(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           retention_days INTEGER,
           kms_key_id TEXT,
           class TEXT NOT NULL,
           tags TEXT NOT NULL,
           stored_bytes BIGINT NOT NULL DEFAULT 0,
           UNIQUE (account, region, name)
         );
         CREATE TABLE logs_streams (
           id ${serial(dialect)},
           group_id BIGINT NOT NULL,
           name TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           first_event_at BIGINT,
           last_event_at BIGINT,
           last_ingested_at BIGINT,
           stored_bytes BIGINT NOT NULL DEFAULT 0,
           uploads BIGINT NOT NULL DEFAULT 0,
           UNIQUE (group_id, name)
         );
         CREATE TABLE logs_events (
           seq ${serial(dialect)},
           group_id BIGINT NOT NULL,
           stream_id BIGINT NOT NULL,
           ts BIGINT NOT NULL,
           ingested_at BIGINT NOT NULL,
           bytes INTEGER NOT NULL,
           message TEXT NOT NULL
         );
         CREATE INDEX logs_events_by_stream ON logs_events (stream_id, ts, seq);
         CREATE INDEX logs_events_by_group ON logs_events (group_id, ts, seq);`,
  },
];
