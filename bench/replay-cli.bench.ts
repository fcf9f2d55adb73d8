// `cartload replay` as users run it: the CLI (bin/cartload.mjs, through the TypeScript loader) on
// request-log CSV files of 4-step sessions with ~1.75 KB JSON bodies, against nginx (one worker,
// loopback, a tiny config answering 200 to the session paths; installed with apt-get when missing,
// else a minimal node:http server stands in and the reason is printed). Each figure is a ratio to
// an anchor measured in the same run, median of RUNS runs alternating with its anchor:
//   --asap req/s (the printed rate, over the sending phase)   vs autocannon, same server and connections
//   client CPU per request (the whole process, all threads)   vs autocannon
//   reader rows/s, same file, nothing sent                    vs csv-parse alone on it
//   lag p99 at 2,000 steps/s (--speed 1)                      vs a bare anchored timer loop
//   peak RSS replaying 10,000 rows (and 1,000,000 with --million), generate 1,000-item sessions/s: absolute goals
// Every replay runs with --workers 1 (one process, one core: the method of the figures in
// docs/replay-performance.md); the throughput phase also runs --workers 2 beside it.
// Options: --rows N (the throughput file, default 50,000; the first measurements used 200,000),
// --million (adds the 1,000,000-row peak RSS: a 2 GB file, minutes; --million-only runs just
// that), --runs N (default 3),
// --node-server (skip nginx). Every run is bounded by its count or duration; loopback only.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { createHistogram, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse';
import type { RunSummary } from '../model/summary.ts';
import { readRecording } from '../recordings/index.ts';
import { sessionBody, writeRequestLog } from './replay-data.ts';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const BIN = join(root, 'bin', 'cartload.mjs');
const USAGE = join(here, 'child-usage.mjs');
const CONNECTIONS = 50;
const LAG_RATE = 2000;
const LAG_SECONDS = 10;
const GENERATE_SESSIONS = 300;
const args = process.argv.slice(2);
/** A child that runs longer than this is killed and the bench fails: nothing here may hang. */
const CHILD_TIMEOUT_MS = (args.includes('--million') || args.includes('--million-only') ? 60 : 15) * 60_000;
const flag = (name: string): boolean => args.includes(name);
const option = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i === -1 ? dflt : Number(args[i + 1]);
};

interface Usage {
  userUs: number;
  systemUs: number;
  maxRssKb: number;
}

interface ChildResult {
  wallMs: number;
  usage: Usage;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** Runs a node child with the usage hook; resolves when it exits (killed past CHILD_TIMEOUT_MS). */
async function child(nodeArgs: string[], tmp: string, env: Record<string, string> = {}): Promise<ChildResult> {
  const usageFile = join(tmp, `usage-${process.hrtime.bigint()}.json`);
  const t0 = performance.now();
  const c = spawn(process.execPath, ['--import', USAGE, ...nodeArgs], {
    env: { ...process.env, ...env, BENCH_USAGE_FILE: usageFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => c.kill('SIGKILL'), CHILD_TIMEOUT_MS);
  const [code] = (await once(c, 'exit')) as [number | null];
  clearTimeout(timer);
  const wallMs = performance.now() - t0;
  const usage = JSON.parse(
    await readFile(usageFile, 'utf8').catch(() => '{"userUs":0,"systemUs":0,"maxRssKb":0}'),
  ) as Usage;
  await rm(usageFile, { force: true });
  return { wallMs, usage, stdout, stderr, code };
}

async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const port = (s.address() as { port: number }).port;
  s.close();
  return port;
}

const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
/** The last core for the server, when taskset exists: the client and anchor share the others. */
const pin = (cmd: string, cmdArgs: string[]): [string, string[]] =>
  hasTaskset && cpus().length > 1 ? ['taskset', ['-c', String(cpus().length - 1), cmd, ...cmdArgs]] : [cmd, cmdArgs];

function findNginx(): string | undefined {
  for (const p of ['/usr/sbin/nginx', '/usr/bin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'])
    if (existsSync(p)) return p;
  return undefined;
}

/** nginx when it is there or apt-get can install it; else why not. */
function nginxOrReason(): { bin: string } | { reason: string } {
  if (flag('--node-server')) return { reason: '--node-server given' };
  let bin = findNginx();
  if (!bin) {
    if (spawnSync('apt-get', ['--version']).status !== 0)
      return { reason: 'nginx is not installed and apt-get is not available' };
    console.log('nginx missing: apt-get install -y nginx (bounded to 5 min) ...');
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'nginx'], { stdio: 'ignore', timeout: 300_000 });
    bin = findNginx();
    if (!bin) return { reason: `apt-get install nginx failed (exit ${r.status ?? r.signal})` };
  }
  return { bin };
}

interface Server {
  url: string;
  name: string;
  stop: () => Promise<void>;
}

/** Servers still running: an interrupted bench stops them before it dies. */
const live = new Set<ChildProcess>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    for (const p of live) p.kill('SIGTERM');
    process.kill(process.pid, signal);
  });
}

async function startNginx(bin: string, tmp: string): Promise<Server> {
  const port = await freePort();
  const prefix = join(tmp, 'nginx');
  await mkdir(join(prefix, 'logs'), { recursive: true });
  const conf = join(prefix, 'nginx.conf');
  await writeFile(
    conf,
    `worker_processes 1;
daemon off;
pid ${join(prefix, 'nginx.pid')};
error_log ${join(prefix, 'logs', 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path ${join(prefix, 'body')};
  proxy_temp_path ${join(prefix, 'proxy')};
  fastcgi_temp_path ${join(prefix, 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'uwsgi')};
  scgi_temp_path ${join(prefix, 'scgi')};
  server {
    listen 127.0.0.1:${port};
    location /v2/customer_sessions/ {
      default_type application/json;
      return 200 '{}';
    }
  }
}
`,
  );
  const [cmd, cmdArgs] = pin(bin, ['-p', prefix, '-c', conf]);
  const proc = spawn(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'] });
  live.add(proc);
  await waitForPort(port, proc, 'nginx');
  return {
    url: `http://127.0.0.1:${port}`,
    name: `nginx (1 worker${hasTaskset ? ', pinned to the last core' : ''})`,
    stop: () => stopProc(proc),
  };
}

const NODE_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.writeHead(200, { 'content-type': 'application/json', 'content-length': 2 }); res.end('{}'); }); });
s.keepAliveTimeout = 60000;
s.listen(Number(process.argv[1]), '127.0.0.1');
process.stdin.on('end', () => process.exit(0)); process.stdin.resume();
`;

async function startNodeServer(): Promise<Server> {
  const port = await freePort();
  const [cmd, cmdArgs] = pin(process.execPath, ['-e', NODE_SERVER, String(port)]);
  const proc = spawn(cmd, cmdArgs, { stdio: ['pipe', 'ignore', 'inherit'] });
  live.add(proc);
  await waitForPort(port, proc, 'node:http server');
  return {
    url: `http://127.0.0.1:${port}`,
    name: `a minimal node:http server${hasTaskset ? ' pinned to the last core' : ''}`,
    stop: () => stopProc(proc),
  };
}

async function waitForPort(port: number, proc: ChildProcess, what: string): Promise<void> {
  const until = Date.now() + 10_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited (${proc.exitCode})`);
    const ok = await fetch(`http://127.0.0.1:${port}/v2/customer_sessions/probe`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    if (Date.now() > until) throw new Error(`${what} did not answer on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function stopProc(proc: ChildProcess): Promise<void> {
  live.delete(proc);
  if (proc.exitCode !== null) return;
  proc.kill('SIGTERM');
  const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
  await once(proc, 'exit');
  clearTimeout(t);
}

const cpuUs = (u: Usage): number => u.userUs + u.systemUs;

/** One `cartload replay` through the CLI; the summary it wrote. */
async function replay(
  file: string,
  url: string,
  tmp: string,
  extra: string[],
): Promise<{ summary: RunSummary; run: ChildResult }> {
  const resultsDir = join(tmp, 'results');
  const runId = `r${process.hrtime.bigint()}`;
  const workers = extra.includes('--workers') ? [] : ['--workers', '1'];
  const run = await child(
    [
      BIN,
      'replay',
      file,
      '--target',
      url,
      '--connections',
      String(CONNECTIONS),
      '--no-progress',
      '--results-dir',
      resultsDir,
      '--run-id',
      runId,
      '--tmp-dir',
      tmp,
      ...workers,
      ...extra,
    ],
    tmp,
  );
  if (run.code !== 0) throw new Error(`cartload replay exited ${run.code}: ${run.stderr.slice(-2000)}`);
  const summary = JSON.parse(await readFile(join(resultsDir, runId, 'summary.json'), 'utf8')) as RunSummary;
  await rm(join(resultsDir, runId), { recursive: true, force: true });
  return { summary, run };
}

/** autocannon (its CLI, in a child like cartload) for `seconds`: PUTs of one ~1.75 KB body. */
async function autocannon(url: string, seconds: number, tmp: string): Promise<{ rps: number; cpuPerReqUs: number }> {
  const bodyFile = join(tmp, 'ac-body.json');
  await writeFile(bodyFile, sessionBody(1, 1));
  const bin = join(root, 'node_modules', 'autocannon', 'autocannon.js');
  const r = await child(
    [
      bin,
      '-c',
      String(CONNECTIONS),
      '-p',
      '1',
      '-d',
      String(seconds),
      '-m',
      'PUT',
      '-H',
      'content-type=application/json',
      '-H',
      'authorization=ApiKey-v1 bench',
      '-i',
      bodyFile,
      '-j',
      `${url}/v2/customer_sessions/bench-ac`,
    ],
    tmp,
  );
  const out = JSON.parse(r.stdout) as { requests: { total: number }; duration: number; errors: number; non2xx: number };
  if (out.errors > 0 || out.non2xx > 0) throw new Error(`autocannon: ${out.errors} errors, ${out.non2xx} non-2xx`);
  return { rps: out.requests.total / out.duration, cpuPerReqUs: cpuUs(r.usage) / out.requests.total };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] as number)
    : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};
const spread = (xs: number[], digits = 0): string => {
  const s = [...xs].sort((a, b) => a - b);
  return `${(s[0] as number).toFixed(digits)} / ${median(xs).toFixed(digits)} / ${(s[s.length - 1] as number).toFixed(digits)}`;
};

interface Row {
  measure: string;
  mine: string;
  anchor: string;
  ratio: string;
  goal: string;
  met: boolean | undefined;
}
const rows: Row[] = [];
const report = (r: Row): void => {
  rows.push(r);
  console.log(
    `  ${r.measure}: ${r.mine}  |  anchor ${r.anchor}  |  ratio ${r.ratio}  |  goal ${r.goal}: ${r.met === undefined ? '–' : r.met ? 'met' : 'NOT met'}`,
  );
};

// --- child phases ---------------------------------------------------------------------------

/** csv-parse alone, or the reader, over a file; prints rows and ms (startup excluded). */
async function readPhase(kind: string, file: string, tmp: string): Promise<void> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  let rows = 0;
  if (kind === 'csv-parse') {
    const parser = createReadStream(file, { highWaterMark: 256 * 1024 }).pipe(
      parse({ bom: true, relax_column_count: true, skip_empty_lines: true, record_delimiter: ['\r\n', '\n'] }),
    );
    for await (const _r of parser as AsyncIterable<string[]>) rows++;
    rows--;
  } else {
    for await (const _e of readRecording({ file, onError: 'abort', tmpDir: tmp })) rows++;
  }
  const c = process.cpuUsage(c0);
  console.log(JSON.stringify({ rows, ms: performance.now() - t0, cpuUs: c.user + c.system }));
}

/** The lag floor: an anchored timer loop at LAG_RATE ticks/s, lateness of each tick (ms). */
async function timerPhase(): Promise<void> {
  const h = createHistogram();
  const n = LAG_RATE * LAG_SECONDS;
  const period = 1000 / LAG_RATE;
  const t0 = performance.now();
  let i = 0;
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now() - t0;
      while (i < n && i * period <= now) {
        h.record(Math.max(1, Math.round((now - i * period) * 1000)));
        i++;
      }
      if (i >= n) resolve();
      else setTimeout(tick, Math.max(0, i * period - (performance.now() - t0)));
    };
    tick();
  });
  console.log(JSON.stringify({ p99: h.percentile(99) / 1000 }));
}

// --- the measures ---------------------------------------------------------------------------

async function throughputAndCpu(
  server: Server,
  file: string,
  nRows: number,
  runs: number,
  tmp: string,
): Promise<{ acRps: number; acCpuUs: number }> {
  const mine: number[] = [];
  const overall: number[] = [];
  const mineCpu: number[] = [];
  const two: number[] = [];
  const twoCpu: number[] = [];
  const ac: number[] = [];
  const acCpu: number[] = [];
  // Warm both (page cache, the loader's cache, the server), then alternate.
  await autocannon(server.url, 2, tmp);
  await replay(file, server.url, tmp, ['--asap']);
  for (let i = 0; i < runs; i++) {
    const a = await autocannon(server.url, 5, tmp);
    ac.push(a.rps);
    acCpu.push(a.cpuPerReqUs);
    const { summary, run } = await replay(file, server.url, tmp, ['--asap']);
    if (summary.requests.total !== nRows || summary.requests.failed !== 0)
      throw new Error(`replay sent ${summary.requests.total} (${summary.requests.failed} failed)`);
    mine.push(summary.requests.total / (((summary.sendingMs ?? summary.durationMs) as number) / 1000));
    overall.push(summary.requests.total / (run.wallMs / 1000));
    mineCpu.push(cpuUs(run.usage) / summary.requests.total);
    const w = await replay(file, server.url, tmp, ['--asap', '--workers', '2']);
    if (w.summary.requests.total !== nRows || w.summary.requests.failed !== 0)
      throw new Error(`replay --workers 2 sent ${w.summary.requests.total} (${w.summary.requests.failed} failed)`);
    two.push(w.summary.requests.total / (((w.summary.sendingMs ?? w.summary.durationMs) as number) / 1000));
    twoCpu.push(cpuUs(w.run.usage) / w.summary.requests.total);
  }
  const r = median(mine) / median(ac);
  report({
    measure: `--asap req/s, ${nRows.toLocaleString('en')} PUTs, printed rate (sending phase)`,
    mine: spread(mine),
    anchor: `autocannon ${spread(ac)}`,
    ratio: `${r.toFixed(2)}×`,
    goal: '≥ 0.5×',
    met: r >= 0.5,
  });
  report({
    measure: 'same, whole command (start, read, sort, send, exit)',
    mine: spread(overall),
    anchor: `autocannon ${spread(ac)}`,
    ratio: `${(median(overall) / median(ac)).toFixed(2)}×`,
    goal: '–',
    met: undefined,
  });
  const c = median(mineCpu) / median(acCpu);
  report({
    measure: 'client CPU per request, whole process (µs)',
    mine: spread(mineCpu, 1),
    anchor: `autocannon ${spread(acCpu, 1)}`,
    ratio: `${c.toFixed(2)}×`,
    goal: '≤ 2×',
    met: c <= 2,
  });
  report({
    measure: 'same --asap with --workers 2 (a reader thread and two sending workers), printed rate',
    mine: spread(two),
    anchor: `autocannon ${spread(ac)}`,
    ratio: `${(median(two) / median(ac)).toFixed(2)}×`,
    goal: '–',
    met: undefined,
  });
  report({
    measure: 'client CPU per request with --workers 2 (µs)',
    mine: spread(twoCpu, 1),
    anchor: `autocannon ${spread(acCpu, 1)}`,
    ratio: `${(median(twoCpu) / median(acCpu)).toFixed(2)}×`,
    goal: '–',
    met: undefined,
  });
  return { acRps: median(ac), acCpuUs: median(acCpu) };
}

async function readerRate(file: string, runs: number, tmp: string, acRps: number, acCpuUs: number): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  const rate = async (kind: string): Promise<{ rps: number; cpuPerRow: number }> => {
    const r = await child(['--import', 'tsx', self, '--phase', 'read', kind, file, tmp], tmp);
    if (r.code !== 0) throw new Error(`read phase ${kind}: ${r.stderr.slice(-1000)}`);
    const o = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { rows: number; ms: number; cpuUs: number };
    return { rps: (o.rows * 1000) / o.ms, cpuPerRow: o.cpuUs / o.rows };
  };
  const mine: number[] = [];
  const base: number[] = [];
  const mineCpu: number[] = [];
  const baseCpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    const b = await rate('csv-parse');
    base.push(b.rps);
    baseCpu.push(b.cpuPerRow);
    const m = await rate('reader');
    mine.push(m.rps);
    mineCpu.push(m.cpuPerRow);
  }
  const r = median(mine) / median(base);
  report({
    measure: 'reader rows/s, same file, nothing sent (order scan included)',
    mine: spread(mine),
    anchor: `csv-parse alone ${spread(base)}`,
    ratio: `${r.toFixed(2)}×`,
    goal: '≥ 0.7×',
    met: r >= 0.7,
  });
  report({
    measure: 'reader CPU per row (µs)',
    mine: spread(mineCpu, 1),
    anchor: `csv-parse alone ${spread(baseCpu, 1)}`,
    ratio: `${(median(mineCpu) / median(baseCpu)).toFixed(2)}×`,
    goal: '–',
    met: undefined,
  });
  // The ceilings a reader built on csv-parse has on one core: its rate, and its CPU, against autocannon's.
  report({
    measure: 'ceiling: csv-parse alone rows/s ÷ autocannon req/s',
    mine: `${median(base).toFixed(0)} ÷ ${acRps.toFixed(0)}`,
    anchor: '–',
    ratio: `${(median(base) / acRps).toFixed(2)}×`,
    goal: '–',
    met: undefined,
  });
  report({
    measure: 'ceiling: csv-parse alone CPU per row ÷ autocannon CPU per request',
    mine: `${median(baseCpu).toFixed(1)} ÷ ${acCpuUs.toFixed(1)} µs`,
    anchor: '–',
    ratio: `${(median(baseCpu) / acCpuUs).toFixed(2)}×`,
    goal: '–',
    met: undefined,
  });
}

async function lag(server: Server, runs: number, tmp: string): Promise<void> {
  const file = join(tmp, 'lag.csv');
  // 500 sessions/s × 4 steps = 2,000 steps/s once every session is under way.
  await writeRequestLog(file, (LAG_RATE / 4) * LAG_SECONDS * 4, 'time', 2);
  const self = fileURLToPath(import.meta.url);
  const mine: number[] = [];
  const floor: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = await child(['--import', 'tsx', self, '--phase', 'timer'], tmp);
    floor.push((JSON.parse(t.stdout.trim().split('\n').pop() as string) as { p99: number }).p99);
    const { summary } = await replay(file, server.url, tmp, ['--speed', '1']);
    if (!summary.lag) throw new Error('no lag in the summary');
    mine.push(summary.lag.p99);
  }
  const r = median(mine) / median(floor);
  const load = loadavg()[0] as number;
  report({
    measure: `lag p99 at ${LAG_RATE.toLocaleString('en')} steps/s (ms), load ${load.toFixed(1)}`,
    mine: spread(mine, 2),
    anchor: `timer loop ${spread(floor, 2)}`,
    ratio: `${r.toFixed(2)}×`,
    goal: '≤ 5 ms quiet, ≤ 2× the timer loop under load',
    met: median(mine) <= 5 || r <= 2,
  });
}

async function peakRss(server: Server, nRows: number, runs: number, goalMb: number, tmp: string): Promise<void> {
  const file = join(tmp, `rss-${nRows}.csv`);
  await writeRequestLog(file, nRows);
  const mb: number[] = [];
  for (let i = 0; i < runs; i++) {
    const { run } = await replay(file, server.url, tmp, ['--asap']);
    mb.push(run.usage.maxRssKb / 1024);
  }
  report({
    measure: `peak RSS, ${nRows.toLocaleString('en')} rows, --asap (MB)`,
    mine: spread(mb),
    anchor: '–',
    ratio: '–',
    goal: `≤ ${goalMb} MB`,
    met: median(mb) <= goalMb,
  });
  await rm(file, { force: true });
}

async function floorRss(tmp: string): Promise<void> {
  const mb: number[] = [];
  for (let i = 0; i < 3; i++) mb.push((await child([BIN, 'replay', '--help'], tmp)).usage.maxRssKb / 1024);
  report({
    measure: 'peak RSS of `cartload replay --help` (the fixed cost, MB)',
    mine: spread(mb),
    anchor: '–',
    ratio: '–',
    goal: '–',
    met: undefined,
  });
}

async function generateRate(runs: number, tmp: string): Promise<void> {
  const profile = join(tmp, 'k1000.json');
  await writeFile(
    profile,
    JSON.stringify({ name: '1000-items', cart: { items: { median: 1000, sigma: 0, min: 1000, max: 1000 } } }),
  );
  for (const format of ['ndjson', 'csv']) {
    const wall: number[] = [];
    const perCpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      const out = join(tmp, `gen.${format}`);
      const r = await child(
        [BIN, 'generate', '--profile', profile, '--sessions', String(GENERATE_SESSIONS), '--format', format, '-o', out],
        tmp,
      );
      if (r.code !== 0) throw new Error(`generate: ${r.stderr}`);
      wall.push((GENERATE_SESSIONS * 1000) / r.wallMs);
      perCpu.push((GENERATE_SESSIONS * 1e6) / cpuUs(r.usage));
      await rm(out, { force: true });
    }
    report({
      measure: `generate ${GENERATE_SESSIONS} 1,000-item sessions --format ${format}, sessions/s of wall time (per CPU second)`,
      mine: `${spread(wall)} (${spread(perCpu)})`,
      anchor: '–',
      ratio: '–',
      goal: '≥ 200/s',
      met: median(wall) >= 200,
    });
  }
}

async function main(): Promise<void> {
  if (args[0] === '--phase') {
    if (args[1] === 'read') return readPhase(args[2] as string, args[3] as string, args[4] as string);
    if (args[1] === 'timer') return timerPhase();
    throw new Error(`unknown phase ${args[1]}`);
  }
  const nRows = option('--rows', 50_000);
  const runs = option('--runs', 3);
  if (!(nRows >= 1000 && nRows <= 2_000_000 && runs >= 1 && runs <= 9))
    throw new RangeError('--rows 1,000..2,000,000, --runs 1..9');
  const tmp = join(root, '.cartload-tmp', `bench-replay-cli-${process.pid}`);
  await mkdir(tmp, { recursive: true });
  let server: Server | undefined;
  try {
    const ngx = nginxOrReason();
    if ('reason' in ngx) console.log(`nginx skipped: ${ngx.reason}; using a minimal node:http server instead`);
    server = 'bin' in ngx ? await startNginx(ngx.bin, tmp) : await startNodeServer();
    if (flag('--million-only')) {
      console.log(
        `server: ${server.name}; load average ${loadavg()
          .map((x) => x.toFixed(1))
          .join(' ')}`,
      );
      await peakRss(server, 1_000_000, 1, 200, tmp);
      return;
    }
    const file = join(tmp, 'log.csv');
    const made = await writeRequestLog(file, nRows);
    console.log(
      `server: ${server.name}; ${CONNECTIONS} connections; request log ${made.rows.toLocaleString('en')} rows in time order, ${(made.bytes / 2 ** 20).toFixed(0)} MiB; ${runs} runs each, alternating with the anchor; min / median / max`,
    );
    console.log(
      `machine: ${cpus().length} cores, load average ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')} at the start (shared: figures are noisy, read the ratios)`,
    );
    const anchor = await throughputAndCpu(server, file, made.rows, runs, tmp);
    await readerRate(file, runs, tmp, anchor.acRps, anchor.acCpuUs);
    await rm(file, { force: true });
    await lag(server, runs, tmp);
    await floorRss(tmp);
    await peakRss(server, 10_000, runs, 100, tmp);
    if (flag('--million')) await peakRss(server, 1_000_000, 1, 200, tmp);
    await generateRate(runs, tmp);
    console.log(
      `load average at the end: ${loadavg()
        .map((x) => x.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    await server?.stop();
    printTable();
    // Anything a failed child left behind (spilled sort files, results) goes with the folder.
    if (existsSync(tmp)) for (const f of await readdir(tmp)) await rm(join(tmp, f), { recursive: true, force: true });
    await rm(tmp, { recursive: true, force: true });
  }
}

function printTable(): void {
  console.log(
    '\n| measure | cartload (min / median / max) | anchor in the same run | ratio | goal | met |\n|---|---|---|---|---|---|',
  );
  for (const r of rows)
    console.log(
      `| ${r.measure} | ${r.mine} | ${r.anchor} | ${r.ratio} | ${r.goal} | ${r.met === undefined ? '–' : r.met ? 'yes' : 'no'} |`,
    );
}

await main();
