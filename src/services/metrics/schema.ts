// CloudWatch's tables: per-minute aggregates of each series (sum, count, min, max), the series known
// to ListMetrics, alarms and their history. Retention is bounded (metrics.ts, alarms.ts prune).
import { autoKey, type Migration } from '../../store/index.ts';

export const metricsMigrations: Migration[] = [
  {
    id: 'metrics/001-init',
    up: (dialect) => `CREATE TABLE cw_datapoints (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           namespace TEXT NOT NULL,
           metric TEXT NOT NULL,
           dimensions TEXT NOT NULL,
           minute BIGINT NOT NULL,
           unit TEXT NOT NULL,
           sum DOUBLE PRECISION NOT NULL,
           count DOUBLE PRECISION NOT NULL,
           min DOUBLE PRECISION NOT NULL,
           max DOUBLE PRECISION NOT NULL,
           PRIMARY KEY (account, region, namespace, metric, dimensions, minute)
         );
         CREATE INDEX cw_datapoints_minute ON cw_datapoints (minute);
         CREATE TABLE cw_series (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           namespace TEXT NOT NULL,
           metric TEXT NOT NULL,
           dimensions TEXT NOT NULL,
           last_put BIGINT NOT NULL,
           PRIMARY KEY (account, region, namespace, metric, dimensions)
         );
         CREATE TABLE cw_alarms (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           body TEXT NOT NULL,
           PRIMARY KEY (account, region, name)
         );
         CREATE TABLE cw_alarm_history (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           alarm_name TEXT NOT NULL,
           at BIGINT NOT NULL,
           item_type TEXT NOT NULL,
           summary TEXT NOT NULL,
           data TEXT NOT NULL
         );
         CREATE INDEX cw_alarm_history_alarm ON cw_alarm_history (account, region, alarm_name, at);`,
  },
];

metricsMigrations.push({
  id: 'metrics/002-dashboards',
  up: `CREATE TABLE cw_dashboards (
         account TEXT NOT NULL,
         region TEXT NOT NULL,
         name TEXT NOT NULL,
         body TEXT NOT NULL,
         modified_at BIGINT NOT NULL,
         PRIMARY KEY (account, region, name)
       );`,
});
