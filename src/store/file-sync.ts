// Group fsync: commits that ask while one fdatasync runs share the next one, so a burst of
// commits costs two syncs, not one each. The syncs run on libuv's thread pool, never blocking the
// event loop, and the next batch of writes executes while the last one's sync is under way.
import { type FileHandle, open } from 'node:fs/promises';
import { dirname } from 'node:path';

export class FileSync {
  private file: Promise<FileHandle> | undefined;
  /** The sync under way: it covers what was written before it started. */
  private running: Promise<void> | undefined;
  /** The sync that starts when the running one ends: it covers what is written meanwhile. */
  private next: Promise<void> | undefined;

  constructor(private readonly path: string) {}

  /** Resolves once everything written to the file before this call is on disk. */
  sync(): Promise<void> {
    if (!this.running) {
      this.running = this.syncOnce().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    this.next ??= this.running
      .catch(() => {})
      .then(() => {
        this.next = undefined;
        return this.sync();
      });
    return this.next;
  }

  /** Waits for the syncs asked for (and what their callers chained on them), then closes the file. */
  async close(): Promise<void> {
    await Promise.allSettled([this.running, this.next]);
    const file = this.file;
    this.file = undefined;
    if (file) await (await file).close();
  }

  private async syncOnce(): Promise<void> {
    this.file ??= this.openAndSyncDirectory().catch((error: unknown) => {
      this.file = undefined;
      throw error;
    });
    await (await this.file).datasync();
  }

  /** The file is opened once; its directory is synced once, so that the file's entry is on disk too. */
  private async openAndSyncDirectory(): Promise<FileHandle> {
    const file = await open(this.path, 'r');
    const directory = await open(dirname(this.path), 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
    return file;
  }
}
