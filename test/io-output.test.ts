// Output paths: a regular file is replaced atomically; a device, a FIFO, a symbolic link and
// /dev/stdout are written in place (never replaced by a regular file); folders are created one
// level at a time, so a path under /proc fails at once instead of spinning forever.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkDirWritable, makeDirs, makeDirsSync, OutputPathError } from '../io/dirs.ts';
import { checkOutputFile, openOutput, writeOutputText } from '../io/output.ts';
import { buildPools, writePools } from '../generators/pools.ts';
import { runGenerate, runPools } from '../generators/run.ts';
import { prepareRunDir, RunDirError } from '../report/write.ts';

let dir = '';
// Pools built once, small (what is under test is where the writers write, not how much): the
// writers read them from this file rather than build them each time.
let pools: ReturnType<typeof buildPools>;
let poolsFile = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-io-'));
  pools = buildPools({ seed: 1, sizes: { products: 50, validCoupons: 50, loyaltyCards: 50, profileIds: 50 } });
  poolsFile = join(dir, 'pools.json');
  await writePools(pools, poolsFile);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const generateTo = (out: string) =>
  runGenerate({ sessions: 3, seed: 1, pools: poolsFile, format: 'ndjson', out, stdout: process.stdout });

test('a regular file is replaced atomically: no temporary file is left, and the content is whole', async () => {
  const file = join(dir, 'plans.ndjson');
  await writeFile(file, 'old\n');
  const r = await generateTo(file);
  assert.equal((await readFile(file, 'utf8')).trimEnd().split('\n').length, 3);
  assert.equal(r.out, file);
  assert.ok((await lstat(file)).isFile());
  assert.deepEqual(
    (await import('node:fs/promises').then((fs) => fs.readdir(dir))).filter((f) => f.endsWith('.tmp')),
    [],
  );
});

test('a character device stays a device after generate, pools and writePools write to it', async () => {
  // As root a regression would replace the machine's /dev/null with a regular file, so the
  // writers are first proved on a copy of the null device made in the temp folder; /dev/null
  // itself is written only once that passed. Without root, /dev/null cannot be replaced (nor a
  // device node made): it is tested directly.
  const root = process.getuid?.() === 0;
  const devices = ['/dev/null'];
  if (root) {
    const copy = join(dir, 'null-copy');
    execFileSync('mknod', ['-m', '666', copy, 'c', '1', '3']);
    devices.unshift(copy);
  }
  for (const device of devices) {
    const before = await stat(device);
    assert.ok(before.isCharacterDevice(), `${device} is a character device`);
    await generateTo(device);
    await runPools({ seed: 1, pools: poolsFile, out: device });
    await writePools(pools, device);
    const after = await lstat(device);
    assert.ok(after.isCharacterDevice(), `${device} is still a device`);
    assert.equal(after.rdev, before.rdev);
  }
});

test('a symbolic link is written through: the link stays, its target gets the content', async () => {
  const real = join(dir, 'real.ndjson');
  const link = join(dir, 'link.ndjson');
  await writeFile(real, 'old\n');
  await symlink(real, link);
  await generateTo(link);
  assert.ok((await lstat(link)).isSymbolicLink(), 'the link was not replaced');
  assert.equal(await readlink(link), real);
  assert.equal((await readFile(real, 'utf8')).trimEnd().split('\n').length, 3);
});

test('a FIFO is written in place: its reader gets the plans and the FIFO stays a FIFO', {
  timeout: 30_000,
}, async () => {
  const fifo = join(dir, 'plans.fifo');
  execFileSync('mkfifo', [fifo]);
  let got = '';
  const reading = new Promise<void>((resolve, reject) => {
    const r = createReadStream(fifo, 'utf8');
    r.on('data', (c) => (got += c));
    r.on('end', resolve);
    r.on('error', reject);
  });
  await generateTo(fifo);
  await reading;
  assert.equal(got.trimEnd().split('\n').length, 3);
  assert.ok((await lstat(fifo)).isFIFO());
});

test('writeOutputText and openOutput tell the two cases apart', async () => {
  const file = join(dir, 'text.txt');
  const a = await openOutput(file, '--json');
  assert.equal(a.atomic, true);
  await a.abort();
  await assert.rejects(stat(file), /ENOENT/, 'an aborted new file leaves nothing');
  await writeOutputText(file, 'x', '--json');
  assert.equal(await readFile(file, 'utf8'), 'x');
  const b = await openOutput('/dev/null', '--json');
  assert.equal(b.atomic, false);
  await b.commit();
});

test('a path under /proc fails at once, naming the flag, instead of spinning', async () => {
  // Node's mkdir({ recursive: true }) never returns on this path; each call below must.
  await assert.rejects(makeDirs('/proc/cartload-nope/run'), /ENOENT/);
  assert.throws(() => makeDirsSync('/proc/cartload-nope/run'), /ENOENT/);
  await assert.rejects(checkDirWritable('/proc/cartload-nope', '--results-dir'), (err: unknown) => {
    assert.ok(err instanceof OutputPathError);
    assert.match(err.message, /^--results-dir \/proc\/cartload-nope: cannot create a folder in \/proc/);
    return true;
  });
  await assert.rejects(
    prepareRunDir('/proc/cartload-nope', 'r1'),
    (err: unknown) => err instanceof RunDirError && /--results-dir/.test(err.message),
  );
  await assert.rejects(
    generateTo('/proc/cartload-nope/x.ndjson'),
    (err: unknown) => err instanceof OutputPathError && /^--out /.test(err.message),
  );
});

test('checks name a file where a folder is needed, a folder where a file is needed, and accept what can be written', async () => {
  const file = join(dir, 'a-file');
  await writeFile(file, '');
  await assert.rejects(checkDirWritable(file, '--results-dir'), /--results-dir .*a-file: is a file, not a folder/);
  await assert.rejects(checkDirWritable(join(file, 'sub'), '--results-dir'), /a-file is a file, not a folder/);
  await assert.rejects(checkOutputFile(dir, '--json'), /--json .*: is a folder; name a file/);
  await assert.rejects(checkOutputFile(join(file, 'x.json'), '--json'), /a-file is a file, not a folder/);
  await checkOutputFile(join(dir, 'new', 'deeper', 'x.json'), '--json');
  await checkOutputFile('/dev/null', '--json');
  await checkDirWritable(join(dir, 'new', 'deeper'), '--results-dir');
  await assert.rejects(stat(join(dir, 'new')), /ENOENT/, 'a check creates nothing');
  await makeDirs(join(dir, 'made', 'two'));
  assert.ok((await stat(join(dir, 'made', 'two'))).isDirectory());
  makeDirsSync(join(dir, 'made', 'sync', 'three'));
  assert.ok((await stat(join(dir, 'made', 'sync', 'three'))).isDirectory());
  assert.throws(() => makeDirsSync(join(file, 'x')), /a-file is a file, not a folder/);
  await mkdir(join(dir, 'made', 'two'), { recursive: true });
});
