// deploy/: no Kubernetes cluster or k6 binary runs here, so this checks what can be checked
// without one: the TestRun sets only variables the scenarios read, keeps the key in a Secret, and
// names the ConfigMap and file that deploy/README.md tells the user to create.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

test('deploy/k6-operator/testrun.yaml matches the scenarios and deploy/README.md', async () => {
  const yaml = await readFile(join(ROOT, 'deploy/k6-operator/testrun.yaml'), 'utf8');
  const readme = await readFile(join(ROOT, 'deploy/README.md'), 'utf8');
  const config = await readFile(join(ROOT, 'scenarios/lib/config.ts'), 'utf8');
  assert.doesNotMatch(yaml, /\t/);
  assert.match(yaml, /^apiVersion: k6\.io\/v1alpha1\nkind: TestRun$/m);
  assert.match(yaml, /^ {2}parallelism: \d+$/m);

  const envNames = [...yaml.matchAll(/- name: ([A-Z_]+)\n/g), ...yaml.matchAll(/-e ([A-Z_]+)=/g)].map((m) => m[1]!);
  assert.ok(envNames.length >= 6);
  for (const name of new Set(envNames)) {
    assert.match(config, new RegExp(`'${name}'`), `the scenarios do not read ${name}`);
  }
  // The key only ever comes from the Secret the README creates.
  assert.match(yaml, /- name: TALON_API_KEY\n {8}valueFrom:\n {10}secretKeyRef:\n {12}name: cartload-talon\n {12}key: api-key\n/);
  assert.match(readme, /kubectl create secret generic cartload-talon --from-literal=api-key="\$TALON_API_KEY"/);

  const cm = /configMap:\n {6}name: (\S+)\n {6}file: (\S+)/.exec(yaml);
  assert.ok(cm, 'script.configMap with name and file');
  assert.match(readme, new RegExp(`kubectl create configmap ${cm[1]} --from-file=${cm[2]!.replace('.', '\\.')}`));
  assert.match(readme, new RegExp(`k6 archive dist/lifecycle\\.js -O ${cm[2]!.replace('.', '\\.')}`));
});
