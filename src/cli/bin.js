#!/usr/bin/env node
// The `appkeys` command: runs the TypeScript CLI through tsx, as `npm start` runs the server.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
