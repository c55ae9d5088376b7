// The queues' tables. A message is one row; its visibility and delay are a deadline on that row
// (`visible_at`), so they survive a restart with no timer rows beside them.
import { autoKey, type Migration } from '../../store/index.ts';

export const queueMigrations: Migration[] = [
  {
    id: 'queues/001-init',
    up: (dialect) => `CREATE TABLE sqs_queues (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           fifo INTEGER NOT NULL,
           attributes TEXT NOT NULL,
           tags TEXT NOT NULL,
           permissions TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           modified_at BIGINT NOT NULL,
           last_purge_at BIGINT,
           last_sequence BIGINT NOT NULL DEFAULT 0,
           UNIQUE (account, region, name)
         );
         CREATE TABLE sqs_deleted_queues (
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           deleted_at BIGINT NOT NULL,
           PRIMARY KEY (account, region, name)
         );
         CREATE TABLE sqs_messages (
           seq ${autoKey(dialect)},
           queue_id INTEGER NOT NULL,
           message_id TEXT NOT NULL,
           body TEXT NOT NULL,
           attributes TEXT,
           system_attributes TEXT,
           md5_body TEXT NOT NULL,
           md5_attributes TEXT,
           md5_system TEXT,
           sender_id TEXT NOT NULL,
           sent_at BIGINT NOT NULL,
           expires_at BIGINT NOT NULL,
           visible_at BIGINT NOT NULL,
           receive_count INTEGER NOT NULL DEFAULT 0,
           first_received_at BIGINT,
           receipt TEXT,
           group_id TEXT,
           dedup_id TEXT,
           sequence_number TEXT,
           dead_letter_source TEXT
         );
         CREATE INDEX sqs_messages_visible ON sqs_messages (queue_id, visible_at);
         CREATE INDEX sqs_messages_order ON sqs_messages (queue_id, seq);
         CREATE TABLE sqs_dedup (
           queue_id INTEGER NOT NULL,
           dedup_key TEXT NOT NULL,
           message_id TEXT NOT NULL,
           sequence_number TEXT NOT NULL,
           expires_at BIGINT NOT NULL,
           PRIMARY KEY (queue_id, dedup_key)
         );
         CREATE TABLE sqs_receive_attempts (
           queue_id INTEGER NOT NULL,
           attempt_id TEXT NOT NULL,
           messages TEXT NOT NULL,
           expires_at BIGINT NOT NULL,
           PRIMARY KEY (queue_id, attempt_id)
         );
         CREATE TABLE sqs_move_tasks (
           handle TEXT PRIMARY KEY,
           source_queue_id INTEGER NOT NULL,
           source_arn TEXT NOT NULL,
           destination_arn TEXT,
           rate INTEGER,
           status TEXT NOT NULL,
           moved BIGINT NOT NULL DEFAULT 0,
           to_move BIGINT NOT NULL,
           last_seq BIGINT NOT NULL,
           failure TEXT,
           started_at BIGINT NOT NULL
         );
         CREATE TABLE sqs_queue_metrics (
           queue_id INTEGER NOT NULL,
           minute BIGINT NOT NULL,
           sent BIGINT NOT NULL DEFAULT 0,
           received BIGINT NOT NULL DEFAULT 0,
           deleted BIGINT NOT NULL DEFAULT 0,
           visible BIGINT,
           not_visible BIGINT,
           delayed BIGINT,
           oldest_age BIGINT,
           PRIMARY KEY (queue_id, minute)
         );`,
  },
  {
    // Several nodes on one PostgreSQL: a committed send (or a message made visible sooner, or a
    // FIFO message gone that held its group back) wakes the long polls of the other nodes, and a
    // queue created or changed reaches their registries. Each signal is `<sender> <topic> <key>`
    // on the store's channel (runtime/cluster.ts); NOTIFY sends it at commit, once per payload.
    id: 'queues/002-signals',
    up: (dialect) =>
      dialect === 'sqlite'
        ? ''
        : `CREATE FUNCTION sqs_signal(topic TEXT, key BIGINT) RETURNS VOID LANGUAGE sql AS $$
             SELECT pg_notify('eddy_signal_' || current_schema(),
               current_setting('application_name') || ' ' || topic || ' ' || key)
           $$;
           CREATE FUNCTION sqs_messages_signal() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             PERFORM sqs_signal('sqs', CASE WHEN TG_OP = 'DELETE' THEN OLD.queue_id ELSE NEW.queue_id END);
             RETURN NULL;
           END $$;
           CREATE TRIGGER sqs_messages_sent AFTER INSERT ON sqs_messages
             FOR EACH ROW EXECUTE FUNCTION sqs_messages_signal();
           CREATE TRIGGER sqs_messages_visible AFTER UPDATE OF visible_at ON sqs_messages
             FOR EACH ROW WHEN (NEW.visible_at < OLD.visible_at) EXECUTE FUNCTION sqs_messages_signal();
           CREATE TRIGGER sqs_messages_group_freed AFTER DELETE ON sqs_messages
             FOR EACH ROW WHEN (OLD.sequence_number IS NOT NULL) EXECUTE FUNCTION sqs_messages_signal();
           CREATE FUNCTION sqs_queues_signal() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN
             PERFORM sqs_signal('sqs-queues', NEW.id);
             RETURN NULL;
           END $$;
           CREATE TRIGGER sqs_queues_changed
             AFTER INSERT OR UPDATE OF attributes, tags, permissions, last_purge_at ON sqs_queues
             FOR EACH ROW EXECUTE FUNCTION sqs_queues_signal();`,
  },
];
