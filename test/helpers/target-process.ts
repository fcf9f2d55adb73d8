// `cartload target` in a process of its own, as a user runs it: a load generator in the test's
// process then competes with the target for CPU only through the scheduler, not on one event loop.
export { startTargetProcess, type TargetProcess } from '../../orchestrate/target-process.ts';
