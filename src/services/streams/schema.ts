// Kinesis's tables. A stream is a row; each shard a row holding its hash-key range and the counter
// its sequence numbers come from (incremented in the transaction that writes the records, so nodes
// sharing PostgreSQL never hand out one number twice); each record a row keyed by stream, shard
// and that counter.
import { autoKey, blobType, type Migration } from '../../store/index.ts';

export const streamsMigrations: Migration[] = [
  {
    id: 'streams/001-init',
    up: (dialect) => `CREATE TABLE kin_streams (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           status TEXT NOT NULL,
           mode TEXT NOT NULL,
           retention_hours INTEGER NOT NULL,
           encryption TEXT NOT NULL,
           key_id TEXT,
           metrics TEXT NOT NULL,
           tags TEXT NOT NULL,
           next_shard INTEGER NOT NULL,
           max_record_kib INTEGER NOT NULL,
           warm_mibps INTEGER,
           created_at BIGINT NOT NULL,
           UNIQUE (account, region, name)
         );
         CREATE TABLE kin_shards (
           stream_id BIGINT NOT NULL,
           idx INTEGER NOT NULL,
           parent TEXT,
           adjacent_parent TEXT,
           hash_start TEXT NOT NULL,
           hash_end TEXT NOT NULL,
           next_seq BIGINT NOT NULL,
           end_seq BIGINT,
           created_at BIGINT NOT NULL,
           closed_at BIGINT,
           PRIMARY KEY (stream_id, idx)
         );
         CREATE TABLE kin_records (
           stream_id BIGINT NOT NULL,
           shard INTEGER NOT NULL,
           seq BIGINT NOT NULL,
           partition_key TEXT NOT NULL,
           data ${blobType(dialect)} NOT NULL,
           arrival BIGINT NOT NULL,
           PRIMARY KEY (stream_id, shard, seq)
         );
         CREATE INDEX kin_records_arrival ON kin_records (stream_id, shard, arrival);
         CREATE TABLE kin_consumers (
           id ${autoKey(dialect)},
           stream_id BIGINT NOT NULL,
           name TEXT NOT NULL,
           arn TEXT NOT NULL UNIQUE,
           status TEXT NOT NULL,
           tags TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           UNIQUE (stream_id, name)
         );
         CREATE TABLE kin_policies (
           arn TEXT PRIMARY KEY,
           policy TEXT NOT NULL
         );`,
  },
];
