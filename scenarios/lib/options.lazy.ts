// Loaded on first use: k6 builds the options in VU 0 only (bundle/lazy.ts).
export { openModelOptions, scenarioOptions, smokeOptions } from './options.ts';
