// Orders a stream by a numeric key with bounded memory: an external merge sort. Items gather into
// a chunk; a full chunk is sorted (stably) and spilled to a temporary file, one item a line; at the end the
// spilled runs and the last, in-memory chunk are merged with a heap. Input that fits in one chunk
// never touches the disk. Ties keep input order. Temporary files are removed when the iteration
// ends, fails or is stopped early, and at process exit as a last resort.
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DueHeap, type Due } from './heap.ts';
import { FileRun, JSON_LINES, MemoryRun, writeRun, type LineCodec, type RunSource } from './runs.ts';
import { CartloadError } from '../../model/errors.ts';

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
  /** Estimated bytes held before a chunk is spilled (default 8 MiB), as counted by `weigh`. */
  chunkBytes?: number;
  weigh?: (item: T) => number;
  /** Where the temporary folder goes (default: the OS temp folder). */
  tmpDir?: string;
  /** Most runs merged at once (open files); more runs are merged in extra passes (default 128). */
  maxFanIn?: number;
  /** Filled in as the sort goes, for benchmarks and tests. */
  stats?: SortStats;
  /** How items are written to and read from the temporary files (default: JSON, one a line). */
  codec?: LineCodec<T>;
}

export const DEFAULT_CHUNK_ITEMS = 100_000;
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
export const DEFAULT_MAX_FAN_IN = 128;

const liveDirs = new Set<string>();
let exitHookInstalled = false;

/** A disk error with what the user can do about it: the sort needs room for about the input's size. */
export class SortSpillError extends CartloadError {
  constructor(where: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super(
      `sorting the recording needs temporary files and ${where} failed: ${why} (point TMPDIR at a folder with room for about the recording's size)`,
      { cause },
    );
    this.name = 'SortSpillError';
  }
}

async function makeTempDir(base: string): Promise<string> {
  let dir: string;
  try {
    dir = await mkdtemp(join(base, 'cartload-sort-'));
  } catch (err) {
    throw new SortSpillError(`creating a folder in ${base}`, err);
  }
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

/** A run's place in the merge: ordered by its next item's key, ties by run order (stable). */
interface MergeCursor<T> extends Due {
  src: RunSource<T>;
}

async function* merge<T>(runs: RunSource<T>[], key: (item: T) => number): AsyncGenerator<T> {
  const heap = new DueHeap<MergeCursor<T>>();
  for (let i = 0; i < runs.length; i++) {
    const src = runs[i] as RunSource<T>;
    if (src.pos < src.items.length || (await src.fill())) heap.push({ due: key(src.items[src.pos] as T), seq: i, src });
  }
  for (;;) {
    const top = heap.pop();
    if (top === undefined) return;
    const src = top.src;
    yield src.items[src.pos++] as T;
    if (src.pos < src.items.length || (await src.fill())) {
      top.due = key(src.items[src.pos] as T);
      heap.push(top);
    }
  }
}

/**
 * The sort as an object, for callers that produce items in synchronous batches: `add` items,
 * `await spill()` whenever `full` says so (before adding the next item), then iterate `drain()`
 * once. `dispose()` removes the temporary files of a sort that is abandoned before draining.
 */
export class ExternalSorter<T> {
  readonly stats: SortStats;
  private readonly key: (item: T) => number;
  private readonly chunkItems: number;
  private readonly chunkBytes: number;
  private readonly maxFanIn: number;
  private readonly tmpBase: string;
  private readonly codec: LineCodec<T>;
  private chunk: T[] = [];
  private chunkWeight = 0;
  private dir: string | undefined;
  private fileCount = 0;
  private readonly runPaths: string[] = [];
  private readonly open: RunSource<T>[] = [];

  constructor(options: Omit<ExternalSortOptions<T>, 'weigh'>) {
    this.key = options.key;
    this.chunkItems = Math.max(1, options.chunkItems ?? DEFAULT_CHUNK_ITEMS);
    this.chunkBytes = options.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.maxFanIn = Math.max(2, options.maxFanIn ?? DEFAULT_MAX_FAN_IN);
    this.tmpBase = options.tmpDir ?? tmpdir();
    this.stats = options.stats ?? { items: 0, runs: 0, bytesWritten: 0, extraMergePasses: 0 };
    this.codec = options.codec ?? (JSON_LINES as LineCodec<T>);
  }

  /** True when the chunk in memory is at its budget: spill before adding more. */
  get full(): boolean {
    return this.chunk.length >= this.chunkItems || this.chunkWeight >= this.chunkBytes;
  }

  /** Adds an item; `weight` is its estimated size in bytes, for the chunk budget. */
  add(item: T, weight = 0): void {
    this.chunk.push(item);
    this.chunkWeight += weight;
    this.stats.items++;
  }

  private sortChunk(): void {
    const key = this.key;
    this.chunk.sort((a, b) => key(a) - key(b));
  }

  private async nextPath(): Promise<string> {
    this.dir ??= await makeTempDir(this.tmpBase);
    return join(this.dir, `run-${this.fileCount++}.ndjson`);
  }

  /** Sorts the chunk in memory and writes it out as a run. */
  async spill(): Promise<void> {
    if (this.chunk.length === 0) return;
    this.sortChunk();
    const path = await this.nextPath();
    const items = this.chunk;
    this.chunk = [];
    this.chunkWeight = 0;
    try {
      this.stats.bytesWritten += await writeRun(path, items, this.codec);
    } catch (err) {
      throw new SortSpillError(`writing ${path}`, err);
    }
    this.stats.runs++;
    this.runPaths.push(path);
  }

  /** Every item added, in key order (ties in the order added); cleans up when done or stopped. */
  async *drain(): AsyncGenerator<T> {
    try {
      this.sortChunk();
      if (this.runPaths.length === 0) {
        const items = this.chunk;
        this.chunk = [];
        yield* items;
        return;
      }
      // Too many runs to open at once: merge the earliest ones into one (which keeps ties in order),
      // only as many as needed, so the extra pass rewrites as little of the data as it can.
      while (this.runPaths.length + 1 > this.maxFanIn) {
        const k = Math.min(this.maxFanIn, this.runPaths.length + 2 - this.maxFanIn);
        const group = this.runPaths.slice(0, k);
        const runs = group.map((p) => new FileRun<T>(p, this.codec));
        this.open.push(...runs);
        const path = await this.nextPath();
        this.stats.bytesWritten += await writeRun(path, merge(runs, this.key), this.codec);
        this.stats.extraMergePasses++;
        await Promise.all(group.map((p) => rm(p, { force: true })));
        this.runPaths.splice(0, group.length, path);
      }
      const runs: RunSource<T>[] = this.runPaths.map((p) => new FileRun<T>(p, this.codec));
      runs.push(new MemoryRun(this.chunk));
      this.chunk = [];
      this.open.push(...runs);
      yield* merge(runs, this.key);
    } finally {
      await this.dispose();
    }
  }

  /** Closes open runs and removes the temporary folder; safe to call more than once. */
  async dispose(): Promise<void> {
    this.chunk = [];
    await Promise.allSettled(this.open.splice(0).map((r) => r.close()));
    const dir = this.dir;
    this.dir = undefined;
    if (dir !== undefined) {
      await rm(dir, { recursive: true, force: true });
      liveDirs.delete(dir);
    }
  }
}

/** Sorts an async stream: see ExternalSorter. */
export async function* externalSort<T>(source: AsyncIterable<T>, options: ExternalSortOptions<T>): AsyncGenerator<T> {
  const sorter = new ExternalSorter<T>(options);
  const weigh = options.weigh;
  try {
    for await (const item of source) {
      // Spill only when a full chunk gets one more item: input that exactly fills a chunk stays in memory.
      if (sorter.full) await sorter.spill();
      sorter.add(item, weigh ? weigh(item) : 0);
    }
    yield* sorter.drain();
  } finally {
    await sorter.dispose();
  }
}
