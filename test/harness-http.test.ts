// k6/http in the harness: methods, params, the Response object and json() selectors, auth, bodies,
// response types, unanswered requests, batch, http.url, response callbacks, and fault injection.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runK6Bundle, type HarnessResult } from './harness/index.ts';
import { fixtureBundles } from './harness-fixture-bundle.ts';

const fx = fixtureBundles();
after(() => fx.cleanup());

let result: HarnessResult;
const seen: Record<string, Record<string, unknown> | unknown[]> = {};
before(async () => {
  const bundle = await fx.bundle('http-api.js');
  result = await runK6Bundle({
    bundle,
    apiKey: 'secret-key',
    onRequest: (req) =>
      req.path.endsWith('/html')
        ? { status: 502, body: undefined, text: '<html>Bad gateway</html>', contentType: 'text/html' }
        : undefined,
  });
  for (const c of result.console) {
    const { what, value } = JSON.parse(c.message) as { what: string; value: Record<string, unknown> };
    seen[what] = value;
  }
});

test('the script ran without errors', () => {
  assert.deepEqual(result.errors, []);
  assert.deepEqual(result.checks, { 'open is 200': { passes: 1, fails: 0 } });
});

test('Response fields and json() selectors follow k6 (GJSON paths)', () => {
  assert.deepEqual(seen.open, {
    status: 200,
    status_text: '200 OK',
    proto: 'HTTP/1.1',
    contentType: 'application/json; charset=utf-8',
    skus: ['x', 'y'],
    count: 2,
    first: 'x',
    wild: 2,
    missingIsUndefined: true,
    effectsIsArray: true,
    requestMethod: 'PUT',
    requestBodyHasSku: true,
    requestUserAgent: 'k6/2.2.1 (https://k6.io/)',
    duration: 'number',
    waitingIsDuration: true,
    url: 'http://127.0.0.1:3000/v2/customer_sessions/api-1?dry=false',
  });
  assert.deepEqual(seen.get, { status: 200, state: 'open' });
  const open = result.requests[0]!;
  assert.deepEqual(open.query, { dry: 'false' });
  assert.equal(open.path, '/v2/customer_sessions/api-1');
});

test("a missing API key is answered 401 in Talon.One's shape", () => {
  const noKey = seen.noKey as {
    status: number;
    body: { message: string; errors: { title: string }[]; StatusCode: number };
  };
  assert.equal(noKey.status, 401);
  assert.equal(noKey.body.StatusCode, 401);
  assert.equal(noKey.body.errors[0]?.title, 'Unauthorized');
  assert.ok(!JSON.stringify(result).includes('secret-key'), 'the key appears nowhere in the result');
});

test('bodies: a plain object goes as a form (as in k6) and is refused; JSON without Content-Type is read', () => {
  assert.deepEqual(seen.form, {
    status: 400,
    contentType: 'application/x-www-form-urlencoded',
    message: 'Malformed JSON in the request body: Unexpected token \'a\', "a=1" is not valid JSON',
  });
  assert.equal(result.requests.find((r) => r.path.endsWith('api-2'))?.requestBody, 'a=1');
  assert.deepEqual(seen.bare, { status: 200 });
});

test('responseType none and binary', () => {
  assert.deepEqual(seen.none, {
    status: 200,
    body: null,
    error:
      "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response",
  });
  assert.deepEqual(seen.binary, { isArrayBuffer: true, byteLength: true, state: 'open' });
});

test('a request to another origin gets no answer, like a refused connection in k6', () => {
  assert.deepEqual(seen.elsewhere, {
    status: 0,
    error: 'dial tcp 127.0.0.1:1: connect: connection refused',
    code: 1212,
    jsonError:
      "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response",
  });
  const r = result.requests.find((x) => x.url.startsWith('http://127.0.0.1:1/'))!;
  assert.equal(r.tags.error_code, '1212');
  assert.equal(r.tags.expected_response, 'false');
});

test('json() on a body that is not JSON throws as k6 does, while a selector answers undefined', () => {
  const n = seen.notJson as { status: number; selector: unknown; parseError: string };
  assert.equal(n.status, 502);
  assert.equal(n.selector, undefined);
  assert.match(n.parseError, /^cannot parse json due to an error at line 1, character 1 , error: /);
});

test('http.url names the request by its template; batch sends every form of request', () => {
  assert.deepEqual(seen.url, { status: 200 });
  const tagged = result.requests.find((r) => r.tags.name === '${}/v2/customer_sessions/${}');
  assert.ok(tagged, 'the name tag is the template');
  assert.equal(tagged.tags.url, '${}/v2/customer_sessions/${}');
  assert.deepEqual(seen.batch, [200, 200, 401]);
  assert.deepEqual(seen.batchNamed, ['one:200']);
});

test('response callbacks decide expected_response and http_req_failed', () => {
  const expected = result.requests.find((r) => r.tags.probe === 'expected-401')!;
  assert.equal(expected.status, 401);
  assert.equal(expected.tags.expected_response, 'true');
  const unexpected = result.requests.find((r) => r.tags.probe === 'unexpected-401')!;
  assert.equal(unexpected.tags.expected_response, 'true', 'the per-request responseCallback wins');
  const failed = result.samples.filter((s) => s.metric === 'http_req_failed');
  assert.equal(failed.length, result.requests.length);
  assert.equal(
    failed.filter((s) => s.value === 1).length,
    result.requests.filter((r) => r.tags.expected_response === 'false').length,
  );
});

test('URLs are normalised as a URL parser does; the first of repeated query parameters counts', () => {
  assert.deepEqual(seen.spaced, { status: 404, url: 'http://127.0.0.1:3000/v2/customer_sessions/a%20b?x=1&x=2&y=' });
  const r = result.requests.find((x) => x.path === '/v2/customer_sessions/a%20b')!;
  assert.deepEqual(r.query, { x: '1', y: '' });
});

test('paths outside the session API are 404, as the local target answers them', () => {
  assert.deepEqual(seen.notFound, { status: 404, message: 'No such endpoint: POST /v1/other' });
});
