// Loaded on first use, by the one VU that compiles a profile (bundle/lazy.ts).
export { compileProfile } from './profile.ts';
