#!/usr/bin/env node
// The package's bin: runs the TypeScript CLI through tsx so that `npx cartload` works straight after `npm ci`.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
