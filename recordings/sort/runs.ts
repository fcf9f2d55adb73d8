// Sorted runs on disk, one line an item (NDJSON unless the caller brings its own line codec):
// written in large buffered blocks, read back in blocks and decoded a block at a time, so a merge
// over many runs keeps one block of each in memory.
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';

const WRITE_BLOCK_CHARS = 1 << 20;
// Small enough that a merge of 128 runs holds about 20 MB, large enough to keep reads few.
const READ_BLOCK_BYTES = 64 * 1024;

/** How items become lines and back; a line must not contain '\n'. */
export interface LineCodec<T> {
  encode: (item: T) => string;
  decode: (line: string) => T;
}

export const JSON_LINES: LineCodec<unknown> = {
  encode: (item) => JSON.stringify(item),
  decode: (line) => JSON.parse(line) as unknown,
};

/**
 * Writes items one line each; returns the bytes written. One block is written while the next is
 * encoded, so the disk and the CPU work at the same time.
 */
export async function writeRun<T>(
  path: string,
  items: Iterable<T> | AsyncIterable<T>,
  codec: LineCodec<T>,
): Promise<number> {
  const fh = await open(path, 'w');
  let bytes = 0;
  let inFlight: Promise<{ bytesWritten: number }> | undefined;
  const write = async (block: string): Promise<void> => {
    if (inFlight) bytes += (await inFlight).bytesWritten;
    inFlight = fh.write(block);
  };
  try {
    let buf = '';
    for await (const item of items) {
      buf += codec.encode(item) + '\n';
      if (buf.length >= WRITE_BLOCK_CHARS) {
        await write(buf);
        buf = '';
      }
    }
    if (buf.length > 0) await write(buf);
    if (inFlight) bytes += (await inFlight).bytesWritten;
    inFlight = undefined;
  } finally {
    // A failed write rejects here, after the handle is closed either way.
    await Promise.allSettled(inFlight ? [inFlight] : []);
    await fh.close();
  }
  return bytes;
}

/** A source of items in order: a run on disk, or the last chunk kept in memory. */
export interface RunSource<T> {
  /** The items read and not yet taken; `pos` is the next one. */
  items: T[];
  pos: number;
  /** Reads the next block; false when the run is exhausted. */
  fill(): Promise<boolean>;
  close(): Promise<void>;
}

export class MemoryRun<T> implements RunSource<T> {
  pos = 0;
  constructor(public items: T[]) {}
  async fill(): Promise<boolean> {
    this.items = [];
    this.pos = 0;
    return false;
  }
  async close(): Promise<void> {
    this.items = [];
  }
}

export class FileRun<T> implements RunSource<T> {
  items: T[] = [];
  pos = 0;
  private fh: FileHandle | undefined;
  private readonly decoder = new StringDecoder('utf8');
  // Two blocks: the next one is read while the current one is decoded and merged.
  private readonly blocks = [Buffer.allocUnsafe(READ_BLOCK_BYTES), Buffer.allocUnsafe(READ_BLOCK_BYTES)];
  private current = 0;
  private reading: Promise<number> | undefined;
  private rest = '';
  private ended = false;

  constructor(
    readonly path: string,
    private readonly codec: LineCodec<T>,
  ) {}

  private readAhead(fh: FileHandle): void {
    this.reading = fh.read(this.blocks[this.current] as Buffer, 0, READ_BLOCK_BYTES, null).then((r) => r.bytesRead);
  }

  async fill(): Promise<boolean> {
    this.items = [];
    this.pos = 0;
    while (this.items.length === 0 && !this.ended) {
      if (this.fh === undefined) {
        this.fh = await open(this.path, 'r');
        this.readAhead(this.fh);
      }
      const bytesRead = await (this.reading as Promise<number>);
      const block = this.blocks[this.current] as Buffer;
      this.current ^= 1;
      let text: string;
      if (bytesRead === 0) {
        this.reading = undefined;
        this.ended = true;
        text = this.rest + this.decoder.end();
        this.rest = '';
        if (text.length > 0) text += '\n';
      } else {
        this.readAhead(this.fh);
        text = this.rest + this.decoder.write(block.subarray(0, bytesRead));
      }
      const lastNl = text.lastIndexOf('\n');
      if (lastNl === -1) {
        this.rest = text;
        continue;
      }
      this.rest = text.slice(lastNl + 1);
      let start = 0;
      while (start <= lastNl) {
        const nl = text.indexOf('\n', start);
        if (nl > start) this.items.push(this.codec.decode(text.slice(start, nl)));
        start = nl + 1;
      }
    }
    if (this.ended) await this.close();
    return this.items.length > 0;
  }

  async close(): Promise<void> {
    const fh = this.fh;
    const reading = this.reading;
    this.fh = undefined;
    this.reading = undefined;
    this.ended = true;
    if (reading) await reading.catch(() => 0);
    if (fh) await fh.close();
  }
}
