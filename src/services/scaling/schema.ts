// Application Auto Scaling's tables: scalable targets, scaling policies and scaling activities
// (activities kept six weeks, as AWS keeps them).
import { autoKey, type Migration } from '../../store/index.ts';

export const scalingMigrations: Migration[] = [
  {
    id: 'scaling/001-init',
    up: (dialect) => `CREATE TABLE aas_targets (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           namespace TEXT NOT NULL,
           resource_id TEXT NOT NULL,
           dimension TEXT NOT NULL,
           body TEXT NOT NULL,
           PRIMARY KEY (account, region, namespace, resource_id, dimension)
         );
         CREATE TABLE aas_policies (
           arn TEXT PRIMARY KEY,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           namespace TEXT NOT NULL,
           resource_id TEXT NOT NULL,
           dimension TEXT NOT NULL,
           name TEXT NOT NULL,
           body TEXT NOT NULL,
           UNIQUE (account, region, namespace, resource_id, dimension, name)
         );
         CREATE TABLE aas_activities (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           namespace TEXT NOT NULL,
           resource_id TEXT NOT NULL,
           dimension TEXT NOT NULL,
           started_at BIGINT NOT NULL,
           scaled INTEGER NOT NULL,
           body TEXT NOT NULL
         );
         CREATE INDEX aas_activities_target ON aas_activities (account, region, namespace, resource_id, dimension, started_at);`,
  },
];
