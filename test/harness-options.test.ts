// validateK6Options against good and bad option sets, including the two that a real k6 v2.2 rejected
// with exit code 104 (test/fixtures/harness/k6-console-bad-options.txt, copied from its output).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatDuration, parseK6Duration } from '../model/duration.ts';
import { parseMetricSelector, parseThresholdExpression, validateK6Options } from './harness/options.ts';

const k6Console = readFileSync(new URL('./fixtures/harness/k6-console-bad-options.txt', import.meta.url), 'utf8');
/** The messages real k6 logged (msg="..."), unescaped. */
const k6Messages = [...k6Console.matchAll(/msg="((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);

test('k6 durations: Go syntax plus days, numbers as milliseconds', () => {
  const ok: [unknown, number][] = [
    ['30s', 30_000],
    ['1m30s', 90_000],
    ['500ms', 500],
    ['1.5h', 5_400_000],
    ['2d', 172_800_000],
    ['0', 0],
    ['-1s', -1_000],
    ['100us', 0.1],
    ['1h2m3s4ms', 3_723_004],
    [250, 250],
  ];
  for (const [v, ms] of ok) assert.deepEqual(parseK6Duration(v), { ms }, String(v));
  for (const v of ['', '30', '1x', 's', '1m 30s', '1.2.3s', true, null, {}]) {
    assert.ok('error' in parseK6Duration(v), `${JSON.stringify(v)} must be rejected`);
  }
  assert.match((parseK6Duration('30') as { error: string }).error, /missing unit/);
  assert.equal(formatDuration(500), '500ms');
  assert.equal(formatDuration(90_000), '1m30s');
  assert.equal(formatDuration(3_600_000), '1h0m0s');
});

test('threshold expressions parse as k6 parses them', () => {
  assert.deepEqual(parseThresholdExpression('p(95)<500'), {
    source: 'p(95)<500',
    method: 'p',
    percentile: 95,
    op: '<',
    value: 500,
  });
  assert.deepEqual(parseThresholdExpression('avg <= 200'), {
    source: 'avg <= 200',
    method: 'avg',
    op: '<=',
    value: 200,
  });
  assert.deepEqual(parseThresholdExpression('rate==1'), { source: 'rate==1', method: 'rate', op: '==', value: 1 });
  assert.deepEqual(parseThresholdExpression('count>10'), { source: 'count>10', method: 'count', op: '>', value: 10 });
  assert.deepEqual(parseThresholdExpression('p(99.9)<1e3'), {
    source: 'p(99.9)<1e3',
    method: 'p',
    percentile: 99.9,
    op: '<',
    value: 1000,
  });
  assert.deepEqual(parseThresholdExpression('value!=0'), { source: 'value!=0', method: 'value', op: '!=', value: 0 });
  assert.match(
    (parseThresholdExpression('p95<100') as { error: string }).error,
    /failed parsing method from expression/,
  );
  assert.match((parseThresholdExpression('avg 200') as { error: string }).error, /malformed threshold expression/);
  assert.match((parseThresholdExpression('avg<fast') as { error: string }).error, /right hand side/);
  assert.match((parseThresholdExpression('p(x)<1') as { error: string }).error, /malformed percentile value/);
});

test('metric selectors with tags', () => {
  assert.deepEqual(parseMetricSelector('http_req_duration'), { metric: 'http_req_duration', tags: {} });
  assert.deepEqual(parseMetricSelector('http_req_duration{step:open}'), {
    metric: 'http_req_duration',
    tags: { step: 'open' },
  });
  assert.deepEqual(parseMetricSelector('http_req_duration{ step : "open" ,name:PUT /v2/x}'), {
    metric: 'http_req_duration',
    tags: { step: 'open', name: 'PUT /v2/x' },
  });
  assert.deepEqual(parseMetricSelector('checks{group:::lifecycle}'), {
    metric: 'checks',
    tags: { group: '::lifecycle' },
  });
  for (const bad of ['x{step:open', 'x}step:open{', 'x{step:open}y', 'x{step}', 'x{step:}']) {
    assert.ok('error' in parseMetricSelector(bad), bad);
  }
});

test('a good option set of every executor passes', () => {
  const options = {
    scenarios: {
      si: { executor: 'shared-iterations', vus: 2, iterations: 10, maxDuration: '30s' },
      pvi: {
        executor: 'per-vu-iterations',
        vus: 2,
        iterations: 3,
        startTime: '10s',
        gracefulStop: '5s',
        exec: 'smoke',
        tags: { kind: 'smoke' },
        env: { X: '1' },
      },
      cv: { executor: 'constant-vus', vus: 5, duration: '1m' },
      rv: {
        executor: 'ramping-vus',
        startVUs: 0,
        stages: [
          { duration: '10s', target: 5 },
          { duration: '10s', target: 0 },
        ],
        gracefulRampDown: '0s',
      },
      car: {
        executor: 'constant-arrival-rate',
        rate: 20,
        timeUnit: '1s',
        duration: '3s',
        preAllocatedVUs: 4,
        maxVUs: 8,
      },
      rar: {
        executor: 'ramping-arrival-rate',
        startRate: 0,
        timeUnit: '1m',
        preAllocatedVUs: 10,
        stages: [{ duration: '1m', target: 60 }],
      },
      ec: { executor: 'externally-controlled', vus: 1, maxVUs: 10, duration: 0 },
    },
    thresholds: {
      http_req_failed: ['rate<0.01'],
      'http_req_duration{step:open}': ['p(95)<500', 'p(99)<1500'],
      http_req_duration: [{ threshold: 'avg<=200', abortOnFail: true, delayAbortEval: '10s' }],
      http_reqs: ['count>10', 'rate>1'],
      checks: ['rate==1'],
      vus: ['value>0'],
      cartload_step_duration: ['p(99)<1000'],
    },
    summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99.9)', 'count'],
  };
  assert.deepEqual(
    validateK6Options(options, { exports: ['default', 'smoke'], metrics: { cartload_step_duration: 'trend' } }),
    [],
  );
  assert.deepEqual(validateK6Options({ vus: 2, duration: '10s' }), []);
  assert.deepEqual(validateK6Options({ vus: 2, iterations: 10, duration: '10s' }), []);
  assert.deepEqual(validateK6Options({ stages: [{ duration: '5s', target: 3 }] }), []);
  assert.deepEqual(validateK6Options({}), []);
  assert.deepEqual(validateK6Options(undefined), []);
});

test('the two option sets real k6 rejected are rejected with its messages', () => {
  assert.equal(k6Messages.length, 2, 'the fixture holds both of k6 messages');
  const threshold = validateK6Options({ thresholds: { http_req_duration: ['p95<100'] } });
  assert.equal(threshold.length, 1);
  assert.ok(threshold[0]!.includes(k6Messages[0]!), `${threshold[0]} should contain k6's "${k6Messages[0]}"`);
  assert.match(threshold[0]!, /^thresholds\["http_req_duration"\]\[0\]: /);

  const pre = validateK6Options({ scenarios: { a: { executor: 'constant-arrival-rate', rate: 10, duration: '5s' } } });
  assert.equal(pre.length, 1);
  // k6 prints "- scenario a has configuration errors: ..." inside a longer message.
  assert.ok(k6Messages[1]!.includes(pre[0]!), `k6's "${k6Messages[1]}" should contain ${pre[0]}`);
});

test('every executor rule reports the scenario and the field', () => {
  const cases: [object, RegExp][] = [
    [
      { executor: 'constant-arrival-rate', duration: '5s', preAllocatedVUs: 1 },
      /scenario s has configuration errors: the iteration rate isn't specified/,
    ],
    [
      { executor: 'constant-arrival-rate', rate: 0, duration: '5s', preAllocatedVUs: 1 },
      /the iteration rate must be more than 0/,
    ],
    [
      { executor: 'constant-arrival-rate', rate: 1.5, duration: '5s', preAllocatedVUs: 1 },
      /rate must be an integer, got number 1.5/,
    ],
    [{ executor: 'constant-arrival-rate', rate: 1, preAllocatedVUs: 1 }, /the duration is unspecified/],
    [
      { executor: 'constant-arrival-rate', rate: 1, duration: '500ms', preAllocatedVUs: 1 },
      /the duration must be at least 1s, but is 500ms/,
    ],
    [
      { executor: 'constant-arrival-rate', rate: 1, duration: '5s', timeUnit: '0s', preAllocatedVUs: 1 },
      /the timeUnit must be more than 0/,
    ],
    [
      { executor: 'constant-arrival-rate', rate: 1, duration: '5s', preAllocatedVUs: 4, maxVUs: 2 },
      /maxVUs can't be less than preAllocatedVUs/,
    ],
    [
      { executor: 'constant-arrival-rate', rate: 1, duration: '5s', preAllocatedVUs: -1 },
      /preAllocatedVUs can't be negative/,
    ],
    [
      { executor: 'constant-arrival-rate', rate: 1, duration: '5s', preAllocatedVUs: 1, vus: 3 },
      /unknown field "vus" for executor constant-arrival-rate/,
    ],
    [
      { executor: 'constant-arrival-rate', rate: 1, duration: '5 s', preAllocatedVUs: 1 },
      /duration: invalid duration "5 s"/,
    ],
    [{ executor: 'ramping-arrival-rate', preAllocatedVUs: 1 }, /at least one stage has to be specified/],
    [
      { executor: 'ramping-arrival-rate', preAllocatedVUs: 1, stages: [{ target: 5 }] },
      /stage 1 doesn't have a duration/,
    ],
    [
      { executor: 'ramping-arrival-rate', preAllocatedVUs: 1, stages: [{ duration: '1s' }] },
      /stage 1 doesn't have a target/,
    ],
    [
      { executor: 'ramping-arrival-rate', preAllocatedVUs: 1, stages: [{ duration: '1s', target: -1 }] },
      /the target for stage 1 can't be negative/,
    ],
    [
      { executor: 'ramping-arrival-rate', preAllocatedVUs: 1, startRate: -2, stages: [{ duration: '1s', target: 1 }] },
      /startRate value can't be negative/,
    ],
    [
      { executor: 'ramping-arrival-rate', stages: [{ duration: '1s', target: 1 }] },
      /the number of preAllocatedVUs isn't specified/,
    ],
    [
      { executor: 'ramping-arrival-rate', preAllocatedVUs: 1, stages: [{ duration: '1s', target: 1, vus: 2 }] },
      /stage 1: unknown field "vus"/,
    ],
    [
      { executor: 'ramping-vus', startVUs: 0, stages: [{ duration: '1s', target: 0 }] },
      /either startVUs or one of the stages' target values must be greater than 0/,
    ],
    [{ executor: 'ramping-vus', startVUs: -1, stages: [{ duration: '1s', target: 1 }] }, /start VUs can't be negative/],
    [{ executor: 'ramping-vus', stages: 'fast' }, /stages must be an array/],
    [{ executor: 'constant-vus', vus: 0, duration: '5s' }, /the number of VUs must be more than 0/],
    [{ executor: 'constant-vus', vus: 1 }, /the duration is unspecified/],
    [
      { executor: 'shared-iterations', vus: 5, iterations: 2 },
      /the number of iterations \(2\) can't be less than the number of VUs \(5\)/,
    ],
    [
      { executor: 'shared-iterations', vus: 1, iterations: 2, maxDuration: '100ms' },
      /the maxDuration must be at least 1s, but is 100ms/,
    ],
    [{ executor: 'per-vu-iterations', vus: 1, iterations: 0 }, /the number of iterations must be more than 0/],
    [
      { executor: 'per-vu-iterations', vus: 1, iterations: 1, duration: '10s' },
      /unknown field "duration" for executor per-vu-iterations/,
    ],
    [
      { executor: 'externally-controlled', vus: 5, maxVUs: 2, duration: '10s' },
      /the number of active VUs \(5\) must be less than or equal to the number of maxVUs \(2\)/,
    ],
    [{ executor: 'externally-controlled', vus: 1 }, /the duration must be specified, for infinite duration use 0/],
    [
      { executor: 'externally-controlled', vus: 1, duration: '1m', gracefulStop: '1s' },
      /gracefulStop is not supported/,
    ],
    [{ executor: 'constant-vus', vus: 1, duration: '5s', startTime: '-1s' }, /the startTime can't be negative/],
    [
      { executor: 'constant-vus', vus: 1, duration: '5s', gracefulStop: '-1s' },
      /the gracefulStop timeout can't be negative/,
    ],
    [{ executor: 'constant-vus', vus: 1, duration: '5s', exec: '' }, /exec value cannot be empty/],
    [
      { executor: 'constant-vus', vus: 1, duration: '5s', tags: { step: 1 } },
      /tags.step must be a string, got number 1/,
    ],
    [{ executor: 'constant-vus', vus: 1, duration: '5s', env: 'X=1' }, /env must be an object of strings/],
    [{ executor: 'open-model', rate: 1 }, /unknown executor type "open-model" \(one of: shared-iterations, /],
    [{ vus: 1 }, /missing or empty type field/],
  ];
  for (const [sc, re] of cases) {
    const errors = validateK6Options({ scenarios: { s: sc } });
    assert.ok(
      errors.some((e) => re.test(e)),
      `${JSON.stringify(sc)}: expected ${re}, got ${JSON.stringify(errors)}`,
    );
  }
  assert.match(
    validateK6Options({ scenarios: { 'my scenario': { executor: 'constant-vus', vus: 1, duration: '5s' } } })[0]!,
    /scenario name should contain only/,
  );
});

test('exec must name an exported function when the exports are known', () => {
  const options = {
    scenarios: { a: { executor: 'per-vu-iterations', exec: 'lifecycle' }, b: { executor: 'per-vu-iterations' } },
  };
  assert.deepEqual(validateK6Options(options, { exports: ['default', 'lifecycle'] }), []);
  const errors = validateK6Options(options, { exports: ['smoke'] });
  assert.equal(errors.length, 2);
  // k6's words: "executor default: function 'default' not found in exports".
  assert.match(errors[0]!, /^executor a: function 'lifecycle' not found in exports \(the script exports: smoke\)/);
  assert.match(errors[1]!, /^executor b: function 'default' not found in exports/);
  assert.match(
    validateK6Options({}, { exports: ['smoke'] })[0]!,
    /^executor default: function 'default' not found in exports/,
  );
});

test('threshold rules: syntax, shape, aggregation per metric type, known metrics', () => {
  const check = (thresholds: unknown, re: RegExp, metrics?: Record<string, 'trend'>): void => {
    const errors = validateK6Options({ thresholds }, metrics ? { metrics } : {});
    assert.ok(
      errors.some((e) => re.test(e)),
      `${JSON.stringify(thresholds)}: expected ${re}, got ${JSON.stringify(errors)}`,
    );
  };
  check({ http_req_failed: 'rate<0.01' }, /must be an array of threshold expressions/);
  check(
    { http_req_failed: ['p(95)<1'] },
    /unsupported aggregation method p on metric of type rate\. supported aggregation methods for this metric are: rate/,
  );
  check({ http_req_duration: ['rate<1'] }, /unsupported aggregation method rate on metric of type trend/);
  check({ http_reqs: ['avg<1'] }, /supported aggregation methods for this metric are: count, rate/);
  check({ vus: ['max<1'] }, /on metric of type gauge/);
  check({ 'http_req_duration{step:open': ['p(95)<1'] }, /unmatched opening\/close curly brace/);
  check({ 'http_req_duration{step}': ['p(95)<1'] }, /tag expression is malformed/);
  check({ 'bad-name': ['avg<1'] }, /"bad-name" is not a valid metric name/);
  check({ cartload_nope: ['avg<1'] }, /no metric name "cartload_nope" found/, { cartload_step: 'trend' });
  check({ checks: [{ threshold: 'rate==1', abortOnFail: 'yes' }] }, /abortOnFail must be true or false/);
  check({ checks: [{ threshold: 'rate==1', delayAbortEval: '10 s' }] }, /delayAbortEval: invalid duration/);
  check({ checks: [{ abortOnFail: true }] }, /a threshold must be an expression string/);
  check({ http_req_duration: ['p(101)<1'] }, /percentile .* between 0 and 100/);
  check([], /thresholds must be an object/);
  // k6 ignores other fields of the object form.
  assert.deepEqual(validateK6Options({ thresholds: { checks: [{ threshold: 'rate==1', abortOnFailure: true }] } }), []);
  // Without known custom metrics, an unknown metric is not an error (k6 learns them at init).
  assert.deepEqual(validateK6Options({ thresholds: { cartload_anything: ['p(95)<1', 'count>1'] } }), []);
});

test('execution shortcuts conflict the way k6 says', () => {
  const one = (o: object): string => validateK6Options(o).join('\n');
  assert.match(one({ iterations: 5, stages: [{ duration: '1s', target: 1 }] }), /`iterations` and `stages`/);
  assert.match(one({ duration: '5s', stages: [{ duration: '1s', target: 1 }] }), /`duration` and `stages`/);
  assert.match(one({ iterations: 5, scenarios: {} }), /\(`iterations`\) and `scenarios`/);
  assert.match(one({ duration: '5s', scenarios: {} }), /\(`duration`\) and `scenarios`/);
  assert.match(one({ stages: [{ duration: '1s', target: 1 }], scenarios: {} }), /\(`stages`\) and `scenarios`/);
  assert.match(one({ duration: '0s' }), /`duration` should be more than 0/);
  assert.match(one({ vus: -1 }), /VUs can't be negative/);
  assert.match(one({ summaryTrendStats: ['p95'] }), /stat "p95" is not supported/);
  assert.match(one([] as unknown as object), /options must be an object/);
});
