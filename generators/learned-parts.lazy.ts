// Loaded on first use, by the VUs that plan a learned profile (bundle/lazy.ts).
export { learnedParts } from './learned-parts.ts';
