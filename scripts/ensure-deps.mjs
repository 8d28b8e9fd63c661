#!/usr/bin/env node
// Lets `npm start` and `npm test` be the only two commands on a fresh clone: when the
// dependencies were never installed, install them (npm ci) first. After a pull that
// changes package-lock.json, run `npm ci` yourself, as in any npm project.
// Plain Node with no imports beyond node:, since nothing else is installed yet.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
// npm writes this file last, after a complete install.
if (!existsSync(`${root}node_modules/.package-lock.json`)) {
  console.error('pgscale: installing dependencies first (npm ci) …');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 2, 'inherit'] });
  if (r.status !== 0) {
    console.error('pgscale: npm ci failed (see above); fix that, then run the command again.');
    process.exit(r.status ?? 1);
  }
}
