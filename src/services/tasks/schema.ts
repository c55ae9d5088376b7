// The tasks service's tables: clusters, task definition families and revisions, and tasks. A task's
// whole record is one JSON column beside the columns ListTasks filters on.
import type { Migration } from '../../store/index.ts';

export const tasksMigrations: Migration[] = [
  {
    id: 'tasks/001-init',
    up: `CREATE TABLE ecs_clusters (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           PRIMARY KEY (account, region, name)
         );
         CREATE TABLE ecs_families (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           family TEXT NOT NULL,
           last_revision INTEGER NOT NULL,
           PRIMARY KEY (account, region, family)
         );
         CREATE TABLE ecs_task_definitions (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           family TEXT NOT NULL,
           revision INTEGER NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL,
           tags TEXT NOT NULL,
           PRIMARY KEY (account, region, family, revision)
         );
         CREATE TABLE ecs_tasks (
           arn TEXT PRIMARY KEY,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           cluster_arn TEXT NOT NULL,
           family TEXT NOT NULL,
           started_by TEXT,
           launch_type TEXT NOT NULL,
           desired_status TEXT NOT NULL,
           last_status TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           stopped_at BIGINT,
           client_token TEXT,
           body TEXT NOT NULL
         );
         CREATE INDEX ecs_tasks_by_cluster ON ecs_tasks (cluster_arn, desired_status, created_at);
         CREATE INDEX ecs_tasks_by_token ON ecs_tasks (account, region, client_token);
         CREATE INDEX ecs_tasks_live ON ecs_tasks (last_status);`,
  },
  {
    // ECS services: the whole record (deployments, events) as JSON; the scheduler reads them all.
    id: 'tasks/002-services',
    up: `CREATE TABLE ecs_services (
           arn TEXT PRIMARY KEY,
           cluster_arn TEXT NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL
         );`,
  },
];
