// Loaded on first use, by the one VU that compiles a profile file (bundle/lazy.ts).
export { compileProfile } from './profile.ts';
