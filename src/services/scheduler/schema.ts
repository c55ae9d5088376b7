// The Scheduler's tables. A schedule is one row holding its definition as JSON; its next
// invocation is a durable timer. An invocation that the target did not take in the timer's own
// transaction is a row here until it was delivered or dead-lettered.
import { autoKey, type Migration } from '../../store/index.ts';

export const schedulerMigrations: Migration[] = [
  {
    id: 'scheduler/001-init',
    up: (dialect) => `CREATE TABLE sch_groups (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           tags TEXT NOT NULL,
           client_token TEXT,
           created_at BIGINT NOT NULL,
           modified_at BIGINT NOT NULL,
           UNIQUE (account, region, name)
         );
         CREATE TABLE sch_schedules (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           group_name TEXT NOT NULL,
           name TEXT NOT NULL,
           state TEXT NOT NULL,
           definition TEXT NOT NULL,
           client_token TEXT,
           created_at BIGINT NOT NULL,
           modified_at BIGINT NOT NULL,
           UNIQUE (account, region, group_name, name)
         );
         CREATE INDEX sch_schedules_name ON sch_schedules (account, region, name);
         CREATE TABLE sch_invocations (
           id ${autoKey(dialect)},
           execution_id TEXT NOT NULL UNIQUE,
           schedule_id BIGINT NOT NULL,
           schedule_arn TEXT NOT NULL,
           group_arn TEXT NOT NULL,
           target TEXT NOT NULL,
           scheduled_time BIGINT NOT NULL,
           attempts INTEGER NOT NULL,
           delete_after INTEGER NOT NULL,
           created_at BIGINT NOT NULL
         );`,
  },
  {
    id: 'scheduler/002-deleted-tokens',
    // A retried DeleteSchedule (its answer lost) carries the first call's ClientToken: it succeeds again.
    up: `CREATE TABLE sch_deleted_tokens (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           group_name TEXT NOT NULL,
           name TEXT NOT NULL,
           client_token TEXT NOT NULL,
           deleted_at BIGINT NOT NULL,
           PRIMARY KEY (account, region, group_name, name, client_token)
         );`,
  },
];
