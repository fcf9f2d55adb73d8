// Loaded on first use, by the VU that runs handleSummary (bundle/lazy.ts).
export { summaryFiles } from './summary.ts';
