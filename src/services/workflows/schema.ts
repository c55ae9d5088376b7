// Step Functions' tables (both stores).
//
// - sfn_machines: a state machine, its current definition and settings; sfn_revisions keeps each
//   definition an execution may have started with (UpdateStateMachine leaves running executions on
//   theirs); sfn_versions and sfn_aliases are the published versions and the aliases over them.
// - sfn_activities: activities. sfn_tags: tags of machines and activities.
// - sfn_executions: one row per execution; `event_count` is its last history event's id.
// - sfn_events: the history, one row per event; `details` is the event's details member as JSON.
// - sfn_frames: where an execution is — one frame for the machine, one per Parallel branch and Map
//   iteration under way (`parent` the frame of the Parallel/Map state). `data` is the frame's JSON.
// - sfn_tasks: tasks handed out by token: activity tasks waiting for a worker (`activity_arn`,
//   `status` 'queued'), tasks started and waiting for their end, tokens already closed.
import type { Migration } from '../../store/index.ts';

export const workflowsMigrations: Migration[] = [
  {
    id: 'workflows/001-init',
    up: `CREATE TABLE sfn_machines (
           arn TEXT PRIMARY KEY,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           type TEXT NOT NULL,
           status TEXT NOT NULL,
           revision_id TEXT NOT NULL,
           definition TEXT NOT NULL,
           role_arn TEXT NOT NULL,
           settings TEXT NOT NULL,
           description TEXT,
           next_version INTEGER NOT NULL,
           created_at BIGINT NOT NULL,
           updated_at BIGINT NOT NULL
         );
         CREATE INDEX sfn_machines_scope ON sfn_machines (account, region, name);
         CREATE TABLE sfn_revisions (
           machine_arn TEXT NOT NULL,
           revision_id TEXT NOT NULL,
           definition TEXT NOT NULL,
           role_arn TEXT NOT NULL,
           settings TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           PRIMARY KEY (machine_arn, revision_id)
         );
         CREATE TABLE sfn_versions (
           arn TEXT PRIMARY KEY,
           machine_arn TEXT NOT NULL,
           version INTEGER NOT NULL,
           revision_id TEXT NOT NULL,
           description TEXT,
           created_at BIGINT NOT NULL
         );
         CREATE INDEX sfn_versions_machine ON sfn_versions (machine_arn, version);
         CREATE TABLE sfn_aliases (
           arn TEXT PRIMARY KEY,
           machine_arn TEXT NOT NULL,
           name TEXT NOT NULL,
           description TEXT,
           routing TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           updated_at BIGINT NOT NULL
         );
         CREATE INDEX sfn_aliases_machine ON sfn_aliases (machine_arn, name);
         CREATE TABLE sfn_activities (
           arn TEXT PRIMARY KEY,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           encryption TEXT,
           created_at BIGINT NOT NULL
         );
         CREATE INDEX sfn_activities_scope ON sfn_activities (account, region, name);
         CREATE TABLE sfn_tags (
           resource_arn TEXT NOT NULL,
           tag_key TEXT NOT NULL,
           tag_value TEXT NOT NULL,
           PRIMARY KEY (resource_arn, tag_key)
         );
         CREATE TABLE sfn_executions (
           arn TEXT PRIMARY KEY,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           machine_arn TEXT NOT NULL,
           version_arn TEXT,
           alias_arn TEXT,
           revision_id TEXT NOT NULL,
           name TEXT NOT NULL,
           type TEXT NOT NULL,
           status TEXT NOT NULL,
           input TEXT NOT NULL,
           output TEXT,
           error TEXT,
           cause TEXT,
           trace_header TEXT,
           map_run_arn TEXT,
           parent_token TEXT,
           started_at BIGINT NOT NULL,
           stopped_at BIGINT,
           event_count INTEGER NOT NULL,
           redrive_count INTEGER NOT NULL,
           redrive_date BIGINT
         );
         CREATE INDEX sfn_executions_machine ON sfn_executions (machine_arn, started_at);
         CREATE INDEX sfn_executions_status ON sfn_executions (machine_arn, status, started_at);
         CREATE TABLE sfn_events (
           execution_arn TEXT NOT NULL,
           id INTEGER NOT NULL,
           type TEXT NOT NULL,
           at BIGINT NOT NULL,
           previous_id INTEGER NOT NULL,
           details TEXT,
           PRIMARY KEY (execution_arn, id)
         );
         CREATE TABLE sfn_frames (
           execution_arn TEXT NOT NULL,
           id TEXT NOT NULL,
           parent TEXT,
           idx INTEGER NOT NULL,
           status TEXT NOT NULL,
           data TEXT NOT NULL,
           PRIMARY KEY (execution_arn, id)
         );
         CREATE INDEX sfn_frames_parent ON sfn_frames (execution_arn, parent, idx);
         CREATE INDEX sfn_frames_status ON sfn_frames (execution_arn, status);
         CREATE TABLE sfn_tasks (
           token TEXT PRIMARY KEY,
           execution_arn TEXT NOT NULL,
           frame_id TEXT NOT NULL,
           kind TEXT NOT NULL,
           status TEXT NOT NULL,
           activity_arn TEXT,
           resource TEXT NOT NULL,
           input TEXT,
           ref TEXT,
           worker TEXT,
           created_at BIGINT NOT NULL
         );
         CREATE INDEX sfn_tasks_activity ON sfn_tasks (activity_arn, status, created_at);
         CREATE INDEX sfn_tasks_execution ON sfn_tasks (execution_arn, status);
         CREATE INDEX sfn_tasks_ref ON sfn_tasks (ref);`,
  },
];
