// The S3 tables. Object bytes are files (blobs.ts); a row here is what makes them an object, so an
// object exists exactly when its row is committed. Keys sort as bytes (S3 lists in UTF-8 binary
// order): SQLite's default collation does, PostgreSQL's key column says COLLATE "C".
import { autoKey, type Migration } from '../../store/index.ts';

export const objectMigrations: Migration[] = [
  {
    id: 'objects/001-init',
    up: (dialect) => {
      const key = dialect === 'postgres' ? 'TEXT COLLATE "C"' : 'TEXT';
      return `CREATE TABLE s3_buckets (
           id ${autoKey(dialect)},
           name TEXT NOT NULL UNIQUE,
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           created_at BIGINT NOT NULL
         );
         CREATE TABLE s3_bucket_configs (
           bucket_id BIGINT NOT NULL,
           kind TEXT NOT NULL,
           body TEXT NOT NULL,
           PRIMARY KEY (bucket_id, kind)
         );
         CREATE TABLE s3_objects (
           id ${autoKey(dialect)},
           bucket_id BIGINT NOT NULL,
           key ${key} NOT NULL,
           size BIGINT NOT NULL,
           etag TEXT NOT NULL,
           last_modified BIGINT NOT NULL,
           meta TEXT NOT NULL,
           segments TEXT NOT NULL,
           tags TEXT,
           UNIQUE (bucket_id, key)
         );
         CREATE TABLE s3_uploads (
           id TEXT PRIMARY KEY,
           bucket_id BIGINT NOT NULL,
           key ${key} NOT NULL,
           initiated BIGINT NOT NULL,
           meta TEXT NOT NULL
         );
         CREATE INDEX s3_uploads_key ON s3_uploads (bucket_id, key, id);
         CREATE TABLE s3_parts (
           upload_id TEXT NOT NULL,
           part_number INTEGER NOT NULL,
           size BIGINT NOT NULL,
           etag TEXT NOT NULL,
           checksum TEXT,
           blob TEXT NOT NULL,
           last_modified BIGINT NOT NULL,
           PRIMARY KEY (upload_id, part_number)
         );
         CREATE TABLE s3_outbox (
           id ${autoKey(dialect)},
           target TEXT NOT NULL,
           body TEXT NOT NULL,
           subject TEXT,
           created_at BIGINT NOT NULL,
           attempts INTEGER NOT NULL
         );`;
    },
  },
];
