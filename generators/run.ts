// What the `generate` and `pools` commands do, as library functions that tests call directly:
// resolve the profile and pools (a pools file, or pools built from the seed, with CSV overrides),
// open the output (a file written atomically, gzipped by extension, or standard output) and run.
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { generate, type GenerateFormat, type GenerateResult } from './generate.ts';
import { buildPools, poolsText, readPools, type PoolArrays } from './pools.ts';
import { loadProfile } from './profile-file.ts';
import { editProfile } from './profile-edit.ts';
import { parseCsvPoolSpec, readCsvPools } from './user-pools.ts';
import type { TrafficProfile } from './profiles.ts';
import { OutputPathError } from '../io/dirs.ts';
import { openOutput, writeOutputText, type OpenOutput } from '../io/output.ts';

/** The output named by --out cannot be written (a bad path or permissions). */
export { OutputPathError as OutputError };

export interface PoolSource {
  /** A pools.json to use instead of generated pools. */
  pools?: string;
  /** `<pool>=<file.csv>` overrides, applied over the pools file or the generated pools. */
  csv?: readonly string[];
  /** Seed of generated pools. */
  seed: number | string;
}

/** The pools that a command's options name. */
export async function resolvePools(source: PoolSource): Promise<PoolArrays> {
  const specs = (source.csv ?? []).map(parseCsvPoolSpec);
  const base = source.pools ? await readPools(source.pools) : buildPools({ seed: source.seed });
  return { ...base, ...(await readCsvPools(specs)) };
}

export interface RunGenerateOptions extends PoolSource {
  sessions: number;
  profile?: string;
  /** What-if edits of the profile (`couponShare=0.8`). */
  set?: readonly string[];
  format: GenerateFormat;
  /** A file path (`.gz` compresses), or undefined / '-' for `stdout`. */
  out?: string;
  rate?: number;
  start?: number;
  firstIndex?: number;
  sessionPrefix?: string;
  /** Where '-' writes (the CLI passes process.stdout). */
  stdout: Writable;
  signal?: AbortSignal;
}

export interface RunGenerateResult extends GenerateResult {
  profile: TrafficProfile;
  out: string;
}

export async function runGenerate(o: RunGenerateOptions): Promise<RunGenerateResult> {
  const profile = editProfile(await loadProfile(o.profile ?? 'default'), o.set ?? []);
  const pools = await resolvePools(o);
  const toStdout = o.out === undefined || o.out === '-';
  const target = toStdout ? undefined : (o.out as string);
  // A regular file is replaced atomically; a device, FIFO or link is written in place (io/output.ts).
  const output: OpenOutput | undefined = target ? await openOutput(target, '--out') : undefined;
  const file: Writable | undefined = output?.stream;
  let sink: Writable;
  if (file) {
    sink = target!.endsWith('.gz') ? createGzip() : file;
    if (sink !== file) sink.pipe(file);
  } else {
    sink = o.stdout;
  }
  // A closed pipe (`| head`) ends the run quietly instead of failing it.
  const stop = new AbortController();
  const onAbort = (): void => stop.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  let sinkError: Error | undefined;
  const onError = (err: Error): void => {
    sinkError = err;
    stop.abort();
  };
  sink.on('error', onError);
  file?.on('error', onError);
  try {
    const result = await generate({
      sessions: o.sessions,
      seed: o.seed,
      profile,
      pools,
      format: o.format,
      out: sink,
      rate: o.rate,
      start: o.start,
      firstIndex: o.firstIndex,
      sessionPrefix: o.sessionPrefix,
      signal: stop.signal,
    });
    if (sinkError && (sinkError as NodeJS.ErrnoException).code !== 'EPIPE') throw sinkError;
    if (output && file) {
      if (sink !== file) {
        sink.end();
        await finished(file);
      }
      if (sinkError) throw sinkError;
      await output.commit();
    }
    return { ...result, interrupted: result.interrupted && o.signal?.aborted === true, profile, out: target ?? '-' };
  } catch (err) {
    await output?.abort();
    throw err;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    sink.off('error', onError);
    if (sinkError)
      sink.on('error', () => {
        // A broken pipe may still report late writes: the stream is dead, its errors are known.
      });
  }
}

export interface RunPoolsOptions extends PoolSource {
  out: string;
}

/** Writes pools.json (generated from the seed, or a pools file), with CSV overrides; returns the sizes. */
export async function runPools(o: RunPoolsOptions): Promise<Record<string, number>> {
  const pools = await resolvePools(o);
  await writeOutputText(o.out, poolsText(pools), '--out');
  return Object.fromEntries(Object.entries(pools).map(([k, v]) => [k, (v as unknown[]).length]));
}
