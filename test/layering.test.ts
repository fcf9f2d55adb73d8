// The layering rule in biome.jsonc, proved on probe files: a copy of the config in a scratch folder
// with one small file per top folder, linted by one Biome process. Every import of a folder above
// the importer's own in the layer order must be refused (at any depth, with the message that says
// what to do), the imports down the layers must pass, and only cli/main.ts may end the process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

/** The top folders, bottom up: what the architecture promises, whatever lists the config keeps. */
const ORDER = [
  'model',
  'io',
  'recordings',
  'generators',
  'learn',
  'emulator',
  'report',
  'scenarios',
  'bundle',
  'engine',
  'orchestrate',
  'cli',
  'test',
  'bench',
];
/** test and bench may import anything. */
const RESTRICTED = ORDER.slice(0, ORDER.indexOf('test'));

const CONFIG = fileURLToPath(new URL('../biome.jsonc', import.meta.url));
const BIOME = createRequire(import.meta.url).resolve('@biomejs/biome/bin/biome');

interface Finding {
  rule: string;
  /** file:line, the file relative to the probe folder. */
  at: string;
  message: string;
}

let dir = '';
/** The probe files and, for each, the lines whose import must be refused. */
const probes = new Map<string, { lines: string[]; refused: number[] }>();
let findings: Finding[] = [];

function probe(file: string, lines: Array<[string, 'refused' | 'allowed']>): void {
  probes.set(file, {
    lines: lines.map(([text]) => text),
    refused: lines.flatMap(([, verdict], i) => (verdict === 'refused' ? [i + 1] : [])),
  });
}

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'cartload-layering-'));
  copyFileSync(CONFIG, join(dir, 'biome.jsonc'));
  // Upward, from each restricted folder to every folder above it.
  for (const [i, folder] of RESTRICTED.entries()) {
    probe(
      `${folder}/up.ts`,
      ORDER.slice(i + 1).map((above) => [`import '../${above}/x.ts';`, 'refused']),
    );
  }
  // Deeper files, both ways.
  probe('report/html/deep.ts', [
    ["import '../../engine/sender.ts';", 'refused'],
    ["import '../../model/errors.ts';", 'allowed'],
    ["import '../data/parse.ts';", 'allowed'],
  ]);
  probe('orchestrate/capacity/deep.ts', [
    ["import '../../cli/main.ts';", 'refused'],
    ["import '../../engine/scheduler.ts';", 'allowed'],
  ]);
  // Down: orchestrate and cli may import every layer below them, tests anything.
  for (const folder of ['orchestrate', 'cli/commands', 'test']) {
    const top = folder.split('/')[0] as string;
    const up = '../'.repeat(folder.split('/').length);
    probe(
      `${folder}/down.ts`,
      ORDER.filter((t) => t !== top && (top === 'test' || ORDER.indexOf(t) < ORDER.indexOf(top))).map((t) => [
        `import '${up}${t}/x.ts';`,
        'allowed',
      ]),
    );
  }
  probe('engine/exit.ts', [['export const stop = (): never => process.exit(1);', 'refused']]);
  probe('cli/main.ts', [['export const stop = (): never => process.exit(1);', 'allowed']]);
  for (const [file, { lines }] of probes) {
    mkdirSync(join(dir, dirname(file)), { recursive: true });
    writeFileSync(join(dir, file), `${lines.join('\n')}\n`);
  }

  // No git here: the repository's ignore file is not needed to lint these few files.
  const run = spawnSync(
    process.execPath,
    [BIOME, 'lint', '--vcs-enabled=false', '--reporter=github', '--max-diagnostics=none', '.'],
    { cwd: dir, encoding: 'utf8', timeout: 60_000 },
  );
  // One line per finding: ::error title=<rule>,file=<path>,line=<n>,...::<message>
  const probeName = (path: string): string => relative(dir, path).split(sep).join('/');
  findings = [...run.stdout.matchAll(/^::error title=([^,]+),file=([^,]+),line=(\d+),.*?::(.*)$/gm)].map((m) => ({
    rule: m[1] as string,
    at: `${probeName(m[2] as string)}:${m[3]}`,
    message: m[4] as string,
  }));
  assert.ok(run.status === 0 || findings.length > 0, `biome failed to run: ${run.error ?? ''}${run.stderr}`);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const expectedAt = (only: (file: string) => boolean): string[] =>
  [...probes]
    .filter(([file]) => only(file))
    .flatMap(([file, { refused }]) => refused.map((line) => `${file}:${line}`))
    .sort();

test('an import of a folder above the importer in the layer order is refused, at any depth', () => {
  const imports = findings.filter((f) => f.rule === 'lint/style/noRestrictedImports');
  assert.deepEqual(
    imports.map((f) => f.at).sort(),
    expectedAt((file) => file !== 'engine/exit.ts' && file !== 'cli/main.ts'),
  );
  const model = imports.find((f) => f.at === 'model/up.ts:1');
  assert.match(model?.message ?? '', /^model\/ imports no other folder .*move the shared piece down instead\.$/);
  const report = imports.find((f) => f.at === 'report/html/deep.ts:1');
  assert.match(report?.message ?? '', /^report\/ may import only model\/ and io\/ .*move the shared piece down/);
});

test('imports down the layers pass: orchestrate and cli import every layer below them, tests anything', () => {
  // cli/ imports each of the eleven folders below it.
  assert.equal(probes.get('cli/commands/down.ts')?.lines.length, ORDER.indexOf('cli'));
  assert.deepEqual(
    findings.filter((f) => f.at.includes('down.ts:')),
    [],
  );
});

test('only cli/main.ts ends the process', () => {
  const exits = findings.filter((f) => f.rule === 'lint/nursery/noJsRestrictedProperties').map((f) => f.at);
  assert.deepEqual(exits, ['engine/exit.ts:1']);
});

test('the probes raise nothing else', () => {
  const other = findings.filter(
    (f) => f.rule !== 'lint/style/noRestrictedImports' && f.rule !== 'lint/nursery/noJsRestrictedProperties',
  );
  assert.deepEqual(other, []);
});
