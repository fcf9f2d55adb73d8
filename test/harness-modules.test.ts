// The smaller k6 modules and globals in the harness: k6/crypto, k6/encoding, k6/execution's
// tags and test options, randomSeed, console, __ENV defaults, and each VU's own realm.
import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, test } from 'node:test';
import { HARNESS_API_KEY, HARNESS_BASE_URL, runK6Bundle, type RunK6BundleOptions } from './harness/index.ts';
import { fixtureBundles } from './harness-fixture-bundle.ts';

const fx = fixtureBundles();
after(() => fx.cleanup());

async function report(source: string, options: Partial<RunK6BundleOptions> = {}): Promise<Record<string, unknown>[]> {
  const r = await runK6Bundle({ bundle: await fx.bundle(source), ...options });
  assert.deepEqual(r.errors, []);
  return r.console.map((c) => JSON.parse(c.message) as Record<string, unknown>);
}

test("k6/crypto and k6/encoding give k6's answers", async () => {
  const [out] = await report(`import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
export default function () {
  const h = crypto.createHash('sha256'); h.update('ab'); h.update('c');
  const raw = crypto.sha256('abc', 'binary');
  console.log(JSON.stringify({
    md5: crypto.md5('abc', 'hex'),
    sha256: crypto.sha256('abc', 'base64'),
    incremental: h.digest('hex'),
    hmac: crypto.hmac('sha256', 'key', 'abc', 'hex'),
    rawBytes: raw.byteLength,
    random: crypto.randomBytes(8).byteLength,
    b64: encoding.b64encode('héllo?'),
    b64url: encoding.b64encode('héllo?', 'rawurl'),
    back: encoding.b64decode(encoding.b64encode('héllo?'), 'std', 's'),
    backBytes: encoding.b64decode('AAEC').byteLength,
  }));
}`);
  assert.deepEqual(out, {
    md5: createHash('md5').update('abc').digest('hex'),
    sha256: createHash('sha256').update('abc').digest('base64'),
    incremental: createHash('sha256').update('abc').digest('hex'),
    hmac: createHmac('sha256', 'key').update('abc').digest('hex'),
    rawBytes: 32,
    random: 8,
    b64: Buffer.from('héllo?').toString('base64'),
    b64url: Buffer.from('héllo?').toString('base64url'),
    back: 'héllo?',
    backBytes: 3,
  });
});

test('k6/execution: VU tags tag the samples, test.options is the exported options, scenario info only in iterations', async () => {
  const r = await runK6Bundle({
    bundle: await fx.bundle(`import http from 'k6/http';
import exec from 'k6/execution';
export const options = { scenarios: { smoke: { executor: 'shared-iterations', vus: 1, iterations: 1, tags: { suite: 'smoke' } } }, discardResponseBodies: true };
export function setup() {
  let scenarioError = '';
  try { return exec.scenario.name; } catch (e) { scenarioError = e.message; }
  return scenarioError;
}
export default function (data) {
  exec.vu.tags.tenant = 'acme';
  exec.vu.metrics.tags.level = 3;
  const r = http.get(__ENV.TALON_BASE_URL + '/v2/customer_sessions/x');
  delete exec.vu.tags.level;
  console.log(JSON.stringify({ data, executor: exec.scenario.executor, options: exec.test.options.scenarios.smoke.executor, tenant: exec.vu.tags.tenant, level: exec.vu.tags.level, body: r.body, instance: exec.instance.iterationsCompleted, progress: exec.scenario.progress }));
}`),
  });
  assert.deepEqual(r.errors, []);
  assert.deepEqual(JSON.parse(r.console[0]!.message), {
    data: 'getting scenario information outside of the VU context is not supported',
    executor: 'shared-iterations',
    options: 'shared-iterations',
    tenant: 'acme',
    body: null,
    instance: 0,
    progress: 0,
  });
  assert.equal(r.requests[0]!.tags.tenant, 'acme');
  assert.equal(r.requests[0]!.tags.level, '3');
  assert.equal(r.requests[0]!.tags.suite, 'smoke', "the scenario's tags tag its requests");
  assert.equal(r.requests[0]!.responseBody !== undefined, true, 'the harness still records the answer');
});

test('randomSeed makes Math.random repeatable per VU, and each VU has its own globals', async () => {
  const out = await report(
    `import { randomSeed } from 'k6';
randomSeed(42);
globalThis.shared = (globalThis.shared || 0) + 1;
export default function () { console.log(JSON.stringify({ vu: __VU, r: Math.random(), shared: globalThis.shared, arrayFromThisRealm: [] instanceof Array })); }`,
    { vus: 3, iterations: 3 },
  );
  assert.equal(new Set(out.map((o) => o.r)).size, 1, 'the same seed gives each VU the same sequence');
  assert.deepEqual(
    out.map((o) => [o.vu, o.shared, o.arrayFromThisRealm]),
    [
      [1, 1, true],
      [2, 1, true],
      [3, 1, true],
    ],
  );
});

test('__ENV carries the given env, with TALON_BASE_URL and TALON_API_KEY defaulting to the harness target', async () => {
  const [a] = await report(`export default function () { console.log(JSON.stringify(__ENV)); }`, {
    env: { SEED: '7', SKIPPED: undefined },
  });
  assert.deepEqual(a, { TALON_BASE_URL: HARNESS_BASE_URL, TALON_API_KEY: HARNESS_API_KEY, SEED: '7' });
  const [b] = await report(`export default function () { console.log(JSON.stringify(__ENV)); }`, {
    baseUrl: 'http://target.test:8080/',
    apiKey: 'k',
  });
  assert.deepEqual(b, { TALON_BASE_URL: 'http://target.test:8080', TALON_API_KEY: 'k' });
});

test('async default functions and asyncRequest are awaited', async () => {
  const [out] = await report(`import http from 'k6/http';
export default async function () {
  const r = await http.asyncRequest('GET', __ENV.TALON_BASE_URL + '/v2/customer_sessions/x');
  console.log(JSON.stringify({ status: r.status }));
}`);
  assert.deepEqual(out, { status: 401 });
});
