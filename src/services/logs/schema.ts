// The log tables. An event is one row read in (timestamp, seq) order, by stream or by group; a
// stream and a group carry their running byte counts so describing them never sums events.
// Everything else CloudWatch Logs keeps (filters, policies, destinations, deliveries, query
// definitions, …) is a JSON document in logs_resources, keyed by kind, scope and name; one that
// belongs to a log group carries the group's id and goes with it.
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
  {
    id: 'logs/002-resources',
    up: (dialect) => `ALTER TABLE logs_groups ADD COLUMN deletion_protection INTEGER NOT NULL DEFAULT 0;
         ALTER TABLE logs_groups ADD COLUMN bearer_token_auth INTEGER NOT NULL DEFAULT 0;
         CREATE TABLE logs_resources (
           id ${serial(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           kind TEXT NOT NULL,
           scope TEXT NOT NULL,
           name TEXT NOT NULL,
           group_id BIGINT,
           body TEXT NOT NULL,
           tags TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           updated_at BIGINT NOT NULL,
           UNIQUE (account, region, kind, scope, name)
         );
         CREATE INDEX logs_resources_by_group ON logs_resources (group_id, kind);
         CREATE TABLE logs_subscription_progress (
           resource_id BIGINT PRIMARY KEY,
           delivered_seq BIGINT NOT NULL
         );
         CREATE TABLE logs_queries (
           id TEXT PRIMARY KEY,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           status TEXT NOT NULL,
           query TEXT NOT NULL,
           results TEXT
         );
         CREATE INDEX logs_queries_by_time ON logs_queries (account, region, created_at);`,
  },
  {
    // The copy of an event with its sensitive data masked, stored when a data protection policy applied at ingestion.
    id: 'logs/003-masked-events',
    up: 'ALTER TABLE logs_events ADD COLUMN masked TEXT;',
  },
  {
    // The version of an event a transformer made at ingestion (what Insights reads).
    id: 'logs/004-transformed-events',
    up: 'ALTER TABLE logs_events ADD COLUMN transformed TEXT;',
  },
  {
    // The datapoints metric filters publish, per metric, dimensions and minute.
    id: 'logs/005-metric-data',
    up: `CREATE TABLE logs_metric_data (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           namespace TEXT NOT NULL,
           metric TEXT NOT NULL,
           dimensions TEXT NOT NULL,
           minute BIGINT NOT NULL,
           unit TEXT NOT NULL,
           sum DOUBLE PRECISION NOT NULL,
           count BIGINT NOT NULL,
           min DOUBLE PRECISION NOT NULL,
           max DOUBLE PRECISION NOT NULL,
           PRIMARY KEY (account, region, namespace, metric, dimensions, minute)
         );`,
  },
];
