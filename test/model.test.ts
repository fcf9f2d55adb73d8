import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ENDPOINTS, endpointOf, sessionIdOf, sessionPath, withSessionId, type SessionPlan } from '../model/plan.ts';
import { redact } from '../model/summary.ts';

test('sessionPath encodes the ID and endpointOf names the endpoint', () => {
  const p = sessionPath('a b/c');
  assert.equal(p, '/v2/customer_sessions/a%20b%2Fc');
  assert.equal(endpointOf('PUT', p), ENDPOINTS.update);
  assert.equal(endpointOf('GET', p), ENDPOINTS.get);
  assert.equal(endpointOf('PUT', sessionPath('x', 'reopen')), ENDPOINTS.reopen);
  assert.equal(endpointOf('POST', sessionPath('x', 'returns')), ENDPOINTS.returns);
  assert.equal(endpointOf('POST', p), undefined);
  assert.equal(endpointOf('GET', '/v1/other'), undefined);
  assert.equal(sessionIdOf(sessionPath('a b/c', 'returns')), 'a b/c');
});

test('withSessionId rewrites every step path and nothing else', () => {
  const plan: SessionPlan = {
    sessionId: 's1',
    kind: 'return',
    steps: [
      { step: 'open', method: 'PUT', path: sessionPath('s1'), body: { customerSession: {} }, expect: 'open' },
      { step: 'return', method: 'POST', path: sessionPath('s1', 'returns'), at: 10 },
    ],
  };
  const renamed = withSessionId(plan, 'run7-s1');
  assert.deepEqual(
    renamed.steps.map((s) => s.path),
    ['/v2/customer_sessions/run7-s1', '/v2/customer_sessions/run7-s1/returns'],
  );
  assert.equal(renamed.sessionId, 'run7-s1');
  assert.equal(plan.steps[0]?.path, '/v2/customer_sessions/s1', 'the original is untouched');
});

test('redact hides secrets at any depth and keeps the rest', () => {
  const out = redact({
    apiKey: 'k',
    nested: { TALON_API_KEY: 'k2', rate: 5 },
    list: [{ authorization: 'x' }],
    empty: '',
  });
  assert.deepEqual(out, {
    apiKey: '[redacted]',
    nested: { TALON_API_KEY: '[redacted]', rate: 5 },
    list: [{ authorization: '[redacted]' }],
    empty: '',
  });
});
