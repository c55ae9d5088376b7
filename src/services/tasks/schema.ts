// The tasks service's tables: clusters, task definition families and revisions, tasks, services,
// service deployments and revisions, account settings, capacity providers and daemons. A record is
// one JSON column beside the columns queried.
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
  {
    // Account settings per principal (the root user's are the account's defaults), and the
    // account's own capacity providers (FARGATE and FARGATE_SPOT are built in, not rows).
    id: 'tasks/003-settings-and-capacity-providers',
    up: `CREATE TABLE ecs_account_settings (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           principal TEXT NOT NULL,
           name TEXT NOT NULL,
           value TEXT NOT NULL,
           PRIMARY KEY (account, region, principal, name)
         );
         CREATE TABLE ecs_capacity_providers (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL,
           PRIMARY KEY (account, region, name)
         );`,
  },
  {
    // Service deployments and the service revisions they roll out, kept after the service moves on.
    id: 'tasks/004-service-deployments',
    up: `CREATE TABLE ecs_service_revisions (
           arn TEXT PRIMARY KEY,
           service_arn TEXT NOT NULL,
           body TEXT NOT NULL
         );
         CREATE TABLE ecs_service_deployments (
           arn TEXT PRIMARY KEY,
           service_arn TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL
         );
         CREATE INDEX ecs_service_deployments_by_service ON ecs_service_deployments (service_arn, created_at);`,
  },
  {
    // ECS Managed Daemons: daemon task definitions, daemons, and their revisions and deployments.
    id: 'tasks/005-daemons',
    up: `CREATE TABLE ecs_daemon_task_definitions (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           family TEXT NOT NULL,
           revision INTEGER NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL,
           PRIMARY KEY (account, region, family, revision)
         );
         CREATE TABLE ecs_daemons (
           arn TEXT PRIMARY KEY,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL
         );
         CREATE TABLE ecs_daemon_revisions (
           arn TEXT PRIMARY KEY,
           daemon_arn TEXT NOT NULL,
           body TEXT NOT NULL
         );
         CREATE TABLE ecs_daemon_deployments (
           arn TEXT PRIMARY KEY,
           daemon_arn TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           status TEXT NOT NULL,
           body TEXT NOT NULL
         );
         CREATE INDEX ecs_daemon_deployments_by_daemon ON ecs_daemon_deployments (daemon_arn, created_at);`,
  },
  {
    // Several nodes on one store: each task runs on one of them, and a StopTask that reaches another
    // node waits in ecs_stop_requests until the task's node has taken it.
    id: 'tasks/006-task-nodes',
    up: `ALTER TABLE ecs_tasks ADD COLUMN node_id TEXT;
         CREATE TABLE ecs_stop_requests (
           task_arn TEXT PRIMARY KEY,
           node_id TEXT NOT NULL,
           stop_code TEXT NOT NULL,
           reason TEXT NOT NULL
         );`,
  },
];
