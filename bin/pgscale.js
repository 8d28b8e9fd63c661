#!/usr/bin/env node
// pgscale's command. In a checkout it runs the TypeScript sources through tsx, with no
// build step (cli/paired-run.ts starts a baseline checkout's bin/pgscale.js the same
// way). The npm package ships no sources: it runs the JavaScript that `npm run build`
// compiled into dist/. A checkout ignores any dist/ it holds, which may be stale.
import { existsSync } from 'node:fs';

const sources = new URL('../cli/main.ts', import.meta.url);
if (existsSync(sources)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(sources.href);
} else {
  await import('../dist/cli/main.js');
}
