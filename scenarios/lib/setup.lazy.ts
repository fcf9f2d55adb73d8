// Loaded on first use, by the VU that runs setup() (bundle/lazy.ts).
export { checkTarget, chooseSessionPrefix } from './setup.ts';
