// Loaded on first use, by the first VU, which parses __ENV for all (bundle/lazy.ts).
export { parseConfig } from './config.ts';
