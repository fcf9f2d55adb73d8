// Orders a stream by a numeric key with bounded memory: an external merge sort. Items gather into
// a chunk; a full chunk is sorted (stably) and spilled to a temporary NDJSON file; at the end the
// spilled runs and the last, in-memory chunk are merged with a heap. Input that fits in one chunk
// never touches the disk. Ties keep input order. Temporary files are removed when the iteration
// ends, fails or is stopped early, and at process exit as a last resort.
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CursorHeap, type Cursor } from './heap.ts';
import { FileRun, MemoryRun, writeRun, type RunSource } from './runs.ts';

export interface SortStats {
  items: number;
  /** Sorted runs written to disk (0: the input fitted in memory). */
  runs: number;
  /** Bytes written to temporary files, intermediate merges included. */
  bytesWritten: number;
  /** Merges done before the final one because there were more runs than maxFanIn. */
  extraMergePasses: number;
}

export interface ExternalSortOptions<T> {
  key: (item: T) => number;
  /** Items held before a chunk is sorted and spilled (default 100,000). */
  chunkItems?: number;
  /** Estimated bytes held before a chunk is spilled (default 16 MiB), as counted by `weigh`. */
  chunkBytes?: number;
  weigh?: (item: T) => number;
  /** Where the temporary folder goes (default: the OS temp folder). */
  tmpDir?: string;
  /** Most runs merged at once (open files); more runs are merged in extra passes (default 64). */
  maxFanIn?: number;
  /** Filled in as the sort goes, for benchmarks and tests. */
  stats?: SortStats;
}

export const DEFAULT_CHUNK_ITEMS = 100_000;
export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_FAN_IN = 64;

const liveDirs = new Set<string>();
let exitHookInstalled = false;

async function makeTempDir(base: string): Promise<string> {
  const dir = await mkdtemp(join(base, 'cartload-sort-'));
  liveDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A process that ends without finishing the iteration (an uncaught error, process.exit) still cleans up.
    process.once('exit', () => {
      for (const d of liveDirs) rmSync(d, { recursive: true, force: true });
    });
  }
  return dir;
}

interface MergeCursor<T> extends Cursor {
  src: RunSource<T>;
}

async function* merge<T>(runs: RunSource<T>[], key: (item: T) => number): AsyncGenerator<T> {
  const heap = new CursorHeap<MergeCursor<T>>();
  for (let i = 0; i < runs.length; i++) {
    const src = runs[i] as RunSource<T>;
    if (src.pos < src.items.length || (await src.fill())) heap.push({ key: key(src.items[src.pos] as T), run: i, src });
  }
  for (;;) {
    const top = heap.peek();
    if (top === undefined) return;
    const src = top.src;
    yield src.items[src.pos++] as T;
    if (src.pos < src.items.length || (await src.fill())) {
      top.key = key(src.items[src.pos] as T);
      heap.updateTop();
    } else {
      heap.pop();
    }
  }
}

export async function* externalSort<T>(source: AsyncIterable<T>, options: ExternalSortOptions<T>): AsyncGenerator<T> {
  const { key, weigh } = options;
  const chunkItems = Math.max(1, options.chunkItems ?? DEFAULT_CHUNK_ITEMS);
  const chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const maxFanIn = Math.max(2, options.maxFanIn ?? DEFAULT_MAX_FAN_IN);
  const stats = options.stats ?? { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
  const byKey = (a: T, b: T): number => key(a) - key(b);

  let chunk: T[] = [];
  let chunkWeight = 0;
  let dir: string | undefined;
  let fileCount = 0;
  const runPaths: string[] = [];
  const open: RunSource<T>[] = [];
  const nextPath = async (): Promise<string> => {
    dir ??= await makeTempDir(options.tmpDir ?? tmpdir());
    return join(dir, `run-${fileCount++}.ndjson`);
  };

  try {
    for await (const item of source) {
      // Spill only when a full chunk gets one more item: input that exactly fills a chunk stays in memory.
      if (chunk.length >= chunkItems || chunkWeight >= chunkBytes) {
        chunk.sort(byKey);
        const path = await nextPath();
        stats.bytesWritten += await writeRun(path, chunk);
        stats.runs++;
        runPaths.push(path);
        chunk = [];
        chunkWeight = 0;
      }
      chunk.push(item);
      stats.items++;
      if (weigh) chunkWeight += weigh(item);
    }
    chunk.sort(byKey);
    if (runPaths.length === 0) {
      yield* chunk;
      return;
    }
    // Too many runs to open at once: merge the earliest ones into one, which keeps ties in order.
    while (runPaths.length + 1 > maxFanIn) {
      const group = runPaths.slice(0, maxFanIn);
      const runs = group.map((p) => new FileRun<T>(p));
      open.push(...runs);
      const path = await nextPath();
      stats.bytesWritten += await writeRun(path, merge(runs, key));
      stats.extraMergePasses++;
      await Promise.all(group.map((p) => rm(p, { force: true })));
      runPaths.splice(0, group.length, path);
    }
    const runs: RunSource<T>[] = runPaths.map((p) => new FileRun<T>(p));
    runs.push(new MemoryRun(chunk));
    chunk = [];
    open.push(...runs);
    yield* merge(runs, key);
  } finally {
    await Promise.allSettled(open.map((r) => r.close()));
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    }
  }
}
