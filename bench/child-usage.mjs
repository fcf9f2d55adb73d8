// Preloaded into a benchmark's child process (node --import): at exit, writes the process's CPU
// time (all threads) and peak RSS (the kernel's maxrss) as JSON to $BENCH_USAGE_FILE. Plain
// JavaScript, so it measures a child that is not run through the TypeScript loader too.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const out = process.env.BENCH_USAGE_FILE;
if (out) {
  process.on('exit', () => {
    const r = process.resourceUsage();
    writeFileSync(out, JSON.stringify({ userUs: r.userCPUTime, systemUs: r.systemCPUTime, maxRssKb: r.maxRSS }));
  });
}
