// The event bus's tables. Each matched target that cannot take an event in the transaction that
// accepts it becomes a delivery row that lives until the target took the event or it went to a
// DLQ. evb_events, the inbox of events waiting to be matched, is only read at start: eddy matched
// events after their commit before it matched them in it.
import { autoKey, type Migration } from '../../store/index.ts';

export const eventMigrations: Migration[] = [
  {
    id: 'events/001-init',
    up: (dialect) => `CREATE TABLE evb_buses (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           description TEXT,
           kms_key TEXT,
           dead_letter_arn TEXT,
           policy TEXT,
           tags TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           modified_at BIGINT NOT NULL,
           matched_through BIGINT NOT NULL DEFAULT 0,
           UNIQUE (account, region, name)
         );
         CREATE TABLE evb_rules (
           id ${autoKey(dialect)},
           bus_id INTEGER NOT NULL,
           name TEXT NOT NULL,
           event_pattern TEXT,
           schedule TEXT,
           state TEXT NOT NULL,
           description TEXT,
           role_arn TEXT,
           managed_by TEXT,
           created_by TEXT NOT NULL,
           tags TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           UNIQUE (bus_id, name)
         );
         CREATE TABLE evb_targets (
           rule_id INTEGER NOT NULL,
           target_id TEXT NOT NULL,
           arn TEXT NOT NULL,
           config TEXT NOT NULL,
           PRIMARY KEY (rule_id, target_id)
         );
         CREATE TABLE evb_events (
           seq ${autoKey(dialect)},
           bus_id INTEGER NOT NULL,
           event_id TEXT NOT NULL,
           envelope TEXT NOT NULL,
           bus_path TEXT NOT NULL,
           received_at BIGINT NOT NULL
         );
         CREATE INDEX evb_events_bus ON evb_events (bus_id, seq);
         CREATE TABLE evb_deliveries (
           id ${autoKey(dialect)},
           event_id TEXT NOT NULL,
           rule_arn TEXT NOT NULL,
           target TEXT NOT NULL,
           event TEXT NOT NULL,
           payload TEXT NOT NULL,
           attempts INTEGER NOT NULL DEFAULT 0,
           event_time BIGINT NOT NULL,
           received_at BIGINT NOT NULL
         );`,
  },
  {
    // Archives keep copies of a bus's events (one row per archive and event); replays walk one
    // archive's time window with a cursor, so a restart continues where the last batch committed.
    id: 'events/002-archives',
    up: (dialect) => `CREATE TABLE evb_archives (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           bus_arn TEXT NOT NULL,
           description TEXT,
           event_pattern TEXT,
           retention_days INTEGER NOT NULL,
           state TEXT NOT NULL,
           event_count BIGINT NOT NULL DEFAULT 0,
           size_bytes BIGINT NOT NULL DEFAULT 0,
           created_at BIGINT NOT NULL,
           UNIQUE (account, region, name)
         );
         CREATE TABLE evb_archive_events (
           id ${autoKey(dialect)},
           archive_id INTEGER NOT NULL,
           event_id TEXT NOT NULL,
           event_time BIGINT NOT NULL,
           archived_at BIGINT NOT NULL,
           size INTEGER NOT NULL,
           envelope TEXT NOT NULL
         );
         CREATE INDEX evb_archive_events_time ON evb_archive_events (archive_id, event_time, id);
         CREATE INDEX evb_archive_events_age ON evb_archive_events (archive_id, archived_at);
         CREATE TABLE evb_replays (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           description TEXT,
           archive_id INTEGER NOT NULL,
           archive_arn TEXT NOT NULL,
           destination TEXT NOT NULL,
           event_start BIGINT NOT NULL,
           event_end BIGINT NOT NULL,
           last_archived_id BIGINT NOT NULL,
           state TEXT NOT NULL,
           state_reason TEXT,
           cursor_time BIGINT,
           cursor_id BIGINT,
           last_replayed BIGINT,
           replayed_count BIGINT NOT NULL DEFAULT 0,
           started_at BIGINT NOT NULL,
           ended_at BIGINT,
           UNIQUE (account, region, name)
         );`,
  },
  {
    // Connections (their secrets included) and API destinations, each record one JSON column.
    id: 'events/003-connections',
    up: `CREATE TABLE evb_connections (arn TEXT PRIMARY KEY, body TEXT NOT NULL);
         CREATE TABLE evb_api_destinations (arn TEXT PRIMARY KEY, body TEXT NOT NULL);`,
  },
  {
    // Each recent event's trace: the rules it matched, then one row per attempt at a target.
    id: 'events/004-traces',
    up: (dialect) => `CREATE TABLE evb_traces (
           seq ${autoKey(dialect)},
           event_id TEXT NOT NULL UNIQUE,
           bus_arn TEXT NOT NULL,
           received_at BIGINT NOT NULL,
           matched_rules TEXT NOT NULL
         );
         CREATE TABLE evb_trace_attempts (
           id ${autoKey(dialect)},
           trace_seq INTEGER NOT NULL,
           body TEXT NOT NULL
         );
         CREATE INDEX evb_trace_attempts_trace ON evb_trace_attempts (trace_seq);`,
  },
  {
    // Attempts made in the transaction that accepts an event (a queue took it) are kept in the
    // trace's own row: one insert fewer per event; later attempts still get rows of their own.
    id: 'events/005-trace-attempts-inline',
    up: 'ALTER TABLE evb_traces ADD COLUMN attempts TEXT;',
  },
  {
    // Global endpoints: each one JSON column as DescribeEndpoint shows it, but for its times.
    id: 'events/006-endpoints',
    up: `CREATE TABLE evb_endpoints (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           body TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           modified_at BIGINT NOT NULL,
           PRIMARY KEY (account, region, name)
         );`,
  },
  {
    // AWS/Events metrics per rule and minute (rule-metrics.ts), kept 15 days.
    id: 'events/007-rule-metrics',
    up: `CREATE TABLE evb_rule_metrics (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           bus TEXT NOT NULL,
           rule TEXT NOT NULL,
           minute BIGINT NOT NULL,
           matched BIGINT NOT NULL,
           invocations BIGINT NOT NULL,
           failed BIGINT NOT NULL,
           PRIMARY KEY (account, region, bus, rule, minute)
         );
         CREATE INDEX evb_rule_metrics_rule ON evb_rule_metrics (rule, minute);`,
  },
];
