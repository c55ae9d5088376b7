// The topics' tables. A publish commits one delivery row per subscription that should get the
// message; the row lives until the subscriber took it or it went to the subscription's DLQ.
import { autoKey, type Migration } from '../../store/index.ts';

export const topicMigrations: Migration[] = [
  {
    id: 'topics/001-init',
    up: (dialect) => `CREATE TABLE sns_topics (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           fifo INTEGER NOT NULL,
           attributes TEXT NOT NULL,
           tags TEXT NOT NULL,
           last_sequence BIGINT NOT NULL DEFAULT 0,
           created_at BIGINT NOT NULL,
           UNIQUE (account, region, name)
         );
         CREATE TABLE sns_subscriptions (
           arn TEXT PRIMARY KEY,
           topic_id INTEGER NOT NULL,
           protocol TEXT NOT NULL,
           endpoint TEXT NOT NULL,
           owner TEXT NOT NULL,
           attributes TEXT NOT NULL,
           pending INTEGER NOT NULL,
           token TEXT,
           created_at BIGINT NOT NULL
         );
         CREATE INDEX sns_subscriptions_topic ON sns_subscriptions (topic_id);
         CREATE TABLE sns_deliveries (
           id ${autoKey(dialect)},
           subscription_arn TEXT NOT NULL,
           kind TEXT NOT NULL,
           message TEXT NOT NULL,
           attempts INTEGER NOT NULL DEFAULT 0,
           created_at BIGINT NOT NULL
         );
         CREATE TABLE sns_dedup (
           topic_id INTEGER NOT NULL,
           dedup_id TEXT NOT NULL,
           message_id TEXT NOT NULL,
           sequence_number TEXT NOT NULL,
           expires_at BIGINT NOT NULL,
           PRIMARY KEY (topic_id, dedup_id)
         );
         CREATE TABLE sns_signing_key (
           id INTEGER PRIMARY KEY CHECK (id = 1),
           private_key TEXT NOT NULL,
           certificate TEXT NOT NULL
         );`,
  },
  {
    id: 'topics/002-data-protection-platform-sms',
    up: (dialect) => `ALTER TABLE sns_topics ADD COLUMN data_protection_policy TEXT;
         CREATE TABLE sns_platform_applications (
           id ${autoKey(dialect)},
           arn TEXT NOT NULL UNIQUE,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           platform TEXT NOT NULL,
           attributes TEXT NOT NULL,
           created_at BIGINT NOT NULL
         );
         CREATE TABLE sns_platform_endpoints (
           id ${autoKey(dialect)},
           arn TEXT NOT NULL UNIQUE,
           application_arn TEXT NOT NULL,
           token TEXT NOT NULL,
           attributes TEXT NOT NULL,
           created_at BIGINT NOT NULL
         );
         CREATE INDEX sns_platform_endpoints_application ON sns_platform_endpoints (application_arn, token);
         CREATE TABLE sns_sms_attributes (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           attributes TEXT NOT NULL,
           PRIMARY KEY (account, region)
         );
         CREATE TABLE sns_sms_sandbox (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           phone_number TEXT NOT NULL,
           status TEXT NOT NULL,
           one_time_password TEXT,
           language_code TEXT NOT NULL,
           PRIMARY KEY (account, region, phone_number)
         );`,
  },
  {
    id: 'topics/003-outbox',
    up: (dialect) => `CREATE TABLE sns_outbox (
           id ${autoKey(dialect)},
           at BIGINT NOT NULL,
           protocol TEXT NOT NULL,
           destination TEXT NOT NULL,
           subject TEXT,
           message TEXT NOT NULL,
           message_id TEXT NOT NULL,
           message_type TEXT NOT NULL,
           topic_arn TEXT,
           subscription_arn TEXT,
           smtp TEXT
         );`,
  },
];
