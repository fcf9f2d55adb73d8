// How much memory the target's store takes per session, to size --max-sessions: the heap held by
// a core with N sessions (opened, then half of them closed), against the least any store could
// hold for the same sessions: their request bodies, parsed, in a Map (the baseline, same run).
// It re-runs itself with --expose-gc (npm run bench passes no flags) so that the heap is read
// after full collections. BENCH_SESSIONS (default 50,000).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTargetCore } from '../emulator/core/index.ts';

const N = Number(process.env['BENCH_SESSIONS'] ?? 50_000);
const gc = (globalThis as { gc?: () => void }).gc;
const cart = Array.from({ length: 5 }, (_, i) => ({
  sku: `SKU-${i}`,
  quantity: 1 + (i % 3),
  price: 9.99 + i,
  category: 'shoes',
}));
const body = (i: number) =>
  JSON.stringify({
    customerSession: {
      profileId: `profile-${i % 10_000}`,
      couponCodes: [`CLCODE${String(i).padStart(6, '0')}`],
      cartItems: cart,
    },
  });

function settle(): number {
  if (gc) {
    gc();
    gc();
  } else {
    // Without --expose-gc, churn short-lived garbage so that V8 collects before we read the heap.
    for (let i = 0; i < 20; i++) new Array(1_000_000).fill(i);
  }
  return process.memoryUsage().heapUsed;
}

function measure(fill: () => unknown): number {
  const before = settle();
  const kept = fill();
  const after = settle();
  if (!kept) throw new Error('nothing kept');
  return (after - before) / N;
}

function run(): void {
  const baseline = measure(() => {
    const m = new Map<string, unknown>();
    for (let i = 0; i < N; i++) m.set(`s${i}`, JSON.parse(body(i)));
    return m;
  });
  const target = measure(() => {
    const core = createTargetCore({ maxSessions: N, maxProfiles: N });
    for (let i = 0; i < N; i++)
      core.handle({ method: 'PUT', path: `/v2/customer_sessions/s${i}`, query: {}, body: JSON.parse(body(i)) });
    for (let i = 0; i < N; i += 2)
      core.handle({
        method: 'PUT',
        path: `/v2/customer_sessions/s${i}`,
        query: {},
        body: { customerSession: { state: 'closed' } },
      });
    if (core.stats().sessionsStored !== N) throw new Error('sessions were evicted');
    return core;
  });
  console.log(
    `target store memory, ${N} sessions of 5 items and a coupon (half closed), ${gc ? 'exact (--expose-gc)' : 'upper bound (no --expose-gc)'}`,
  );
  console.log(
    `  baseline: parsed request bodies in a Map   ${Math.round(baseline).toString().padStart(6)} bytes/session`,
  );
  console.log(
    `  target core store                          ${Math.round(target).toString().padStart(6)} bytes/session   ratio ${(target / baseline).toFixed(2)}`,
  );
  console.log(`  so --max-sessions 100000 holds about ${Math.round((target * 100_000) / 2 ** 20)} MB`);
}

if (gc || process.env['CARTLOAD_BENCH_REEXEC']) {
  run();
} else {
  const r = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, CARTLOAD_BENCH_REEXEC: '1' },
  });
  process.exitCode = r.status ?? 1;
}
