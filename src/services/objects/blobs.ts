// Object bytes on disk, under the data directory's objects/ folder: each blob is a file named by a
// random id (blobs/ab/<id>), written to tmp/<node>/ first, flushed (fsync) and renamed into place;
// only then is the row that names it committed. So a crash leaves at worst a file no row names:
// tmp files of this node are removed at start, and unnamed blobs older than ten minutes are swept.
// Several nodes share one directory (a shared volume): every node reads every blob.
import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** One stored piece of an object: a blob and its length (a multipart object has one per part). */
export interface Segment {
  blob: string;
  size: number;
}

/** Unnamed blobs younger than this are left alone: their row may be committing on another node. */
const ORPHAN_AGE_MS = 10 * 60 * 1000;

export class BlobStore {
  readonly root: string;
  private readonly tmp: string;
  private readonly ownsRoot: boolean;

  constructor(dataDir: string | undefined, nodeId: string) {
    this.ownsRoot = dataDir === undefined;
    this.root =
      dataDir === undefined ? mkdtempSync(join(tmpdir(), 'eddy-objects-')) : join(dataDir, 'objects');
    this.tmp = join(this.root, 'tmp', nodeId.replace(/[^A-Za-z0-9._-]/g, '_'));
    // What this node was writing when it stopped (or died) is nobody's.
    rmSync(this.tmp, { recursive: true, force: true });
    mkdirSync(this.tmp, { recursive: true });
    mkdirSync(join(this.root, 'blobs'), { recursive: true });
  }

  path(blob: string): string {
    return join(this.root, 'blobs', blob.slice(0, 2), blob);
  }

  /**
   * Writes `source` to a new blob: to a temporary file, flushed to disk, then renamed into place.
   * On any failure nothing is left behind. `observe` sees each chunk (sizes, limits).
   */
  async write(source: AsyncIterable<Uint8Array>, observe?: (chunk: Uint8Array) => void): Promise<Segment> {
    const blob = randomUUID().replace(/-/g, '');
    const temporary = join(this.tmp, blob);
    let size = 0;
    try {
      const out = createWriteStream(temporary, { highWaterMark: 1 << 20 });
      await pipeline(
        source,
        async function* (chunks: AsyncIterable<Uint8Array>) {
          for await (const chunk of chunks) {
            size += chunk.length;
            observe?.(chunk);
            yield chunk;
          }
        },
        out,
      );
      const handle = await open(temporary, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(join(this.root, 'blobs', blob.slice(0, 2)), { recursive: true });
      await rename(temporary, this.path(blob));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { blob, size };
  }

  /** A copy of a blob under a new name (a reflink where the file system has them). */
  async copy(segment: Segment): Promise<Segment> {
    const blob = randomUUID().replace(/-/g, '');
    const temporary = join(this.tmp, blob);
    try {
      await copyFile(this.path(segment.blob), temporary);
      const handle = await open(temporary, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await mkdir(join(this.root, 'blobs', blob.slice(0, 2)), { recursive: true });
      await rename(temporary, this.path(blob));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { blob, size: segment.size };
  }

  /** The bytes `start` to `end` (inclusive) of an object made of `segments`, read as they are sent. */
  async *read(segments: readonly Segment[], start: number, end: number): AsyncGenerator<Buffer> {
    let offset = 0;
    for (const segment of segments) {
      const from = Math.max(start, offset);
      const to = Math.min(end, offset + segment.size - 1);
      offset += segment.size;
      if (from > to) continue;
      const stream = createReadStream(this.path(segment.blob), {
        start: from - (offset - segment.size),
        end: to - (offset - segment.size),
        highWaterMark: 1 << 20,
      });
      try {
        for await (const chunk of stream) yield chunk as Buffer;
      } finally {
        stream.destroy();
      }
    }
  }

  /** Removes blobs no committed row names any more. Missing files are fine. */
  async remove(blobs: readonly string[]): Promise<void> {
    await Promise.all(blobs.map((blob) => unlink(this.path(blob)).catch(() => undefined)));
  }

  /** Removes blobs older than ten minutes that `isNamed` does not know: what a crash left between rename and commit. */
  async sweep(isNamed: (blobs: string[]) => Promise<Set<string>>, now: number): Promise<number> {
    let removed = 0;
    // Temporary files of nodes that never came back (another id): a day old, nobody is writing them.
    const temporaries = join(this.root, 'tmp');
    for (const node of await readdir(temporaries).catch(() => [] as string[])) {
      for (const name of await readdir(join(temporaries, node)).catch(() => [] as string[])) {
        const path = join(temporaries, node, name);
        const info = await stat(path).catch(() => undefined);
        if (info && now - info.mtimeMs > 24 * 60 * 60 * 1000) {
          await unlink(path).catch(() => undefined);
          removed++;
        }
      }
    }
    const base = join(this.root, 'blobs');
    for (const shard of await readdir(base).catch(() => [] as string[])) {
      const names = await readdir(join(base, shard)).catch(() => [] as string[]);
      for (let i = 0; i < names.length; i += 500) {
        const batch = names.slice(i, i + 500);
        const named = await isNamed(batch);
        for (const blob of batch) {
          if (named.has(blob)) continue;
          const info = await stat(this.path(blob)).catch(() => undefined);
          if (info && now - info.mtimeMs > ORPHAN_AGE_MS) {
            await unlink(this.path(blob)).catch(() => undefined);
            removed++;
          }
        }
      }
    }
    return removed;
  }

  close(): void {
    if (this.ownsRoot) rmSync(this.root, { recursive: true, force: true });
  }
}
