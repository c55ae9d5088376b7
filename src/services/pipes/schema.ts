// Pipes' tables: a pipe is one row holding its definition as JSON; a Kinesis source's position is a
// checkpoint per shard, written only after the target took the batch before it.
import { autoKey, type Migration } from '../../store/index.ts';

export const pipesMigrations: Migration[] = [
  {
    id: 'pipes/001-init',
    up: (dialect) => `CREATE TABLE pipes_pipes (
           id ${autoKey(dialect)},
           account TEXT NOT NULL,
           region TEXT NOT NULL,
           name TEXT NOT NULL,
           desired_state TEXT NOT NULL,
           current_state TEXT NOT NULL,
           state_reason TEXT,
           definition TEXT NOT NULL,
           tags TEXT NOT NULL,
           created_at BIGINT NOT NULL,
           modified_at BIGINT NOT NULL,
           UNIQUE (account, region, name)
         );
         CREATE TABLE pipes_checkpoints (
           pipe_id BIGINT NOT NULL,
           shard_id TEXT NOT NULL,
           checkpoint TEXT NOT NULL,
           done INTEGER NOT NULL,
           PRIMARY KEY (pipe_id, shard_id)
         );`,
  },
];
