#!/usr/bin/env node
// Launcher for the `flywheel` CLI: registers tsx so the TypeScript sources run as they are.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
