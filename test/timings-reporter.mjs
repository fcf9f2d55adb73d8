// A node:test reporter that writes how long each test file's top-level tests took, as JSON
// ({ "test/x.test.ts": ms }); test/run.mjs keeps these to start the slowest files first next time.
import { relative } from 'node:path';

export default async function* timings(source) {
  const perFile = {};
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { file, nesting, details } = event.data;
    if (nesting !== 0 || !file) continue;
    const name = relative(process.cwd(), file);
    perFile[name] = (perFile[name] ?? 0) + (details?.duration_ms ?? 0);
  }
  yield `${JSON.stringify(perFile)}\n`;
}
