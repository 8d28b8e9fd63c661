#!/usr/bin/env node
// Runs every uvu test file (test/**/*.test.ts) through tsx in one process, so the
// integration tests share one embedded Postgres, then prints the closing line CI reads:
// "N passed, N failed, N skipped". uvu itself prints Total/Passed/Skipped instead.
// Usage: npm test [-- PATTERN]   e.g. npm test -- unit   or   npm test -- loader
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const runner = fileURLToPath(new URL('./runner.ts', import.meta.url));
// A RegExp matched against test file paths, e.g. "unit" or "loader".
const pattern = process.argv[2] ?? '';

const child = spawn(process.execPath, ['--import', 'tsx', runner, pattern], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FORCE_COLOR: process.env.FORCE_COLOR ?? '0' },
});
let out = '';
child.stdout.setEncoding('utf8');
child.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  out += chunk;
});
child.on('close', (code, signal) => {
  const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
  const num = (label) => Number((plain.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? 0);
  const total = num('Total');
  const passed = num('Passed');
  const skipped = num('Skipped');
  // uvu counts a skipped test in Skipped only, not in Total.
  let failed = Math.max(0, total - passed);
  // A crash before uvu's summary (or a non-zero exit without failures) still fails the run.
  if ((code !== 0 || signal) && failed === 0) failed = 1;
  // Nothing ran and nothing was skipped: a pattern that matched no test is a failure.
  if (total === 0 && skipped === 0 && code === 0) {
    console.log('no tests ran');
    failed = 1;
  }
  console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
  process.exit(failed > 0 ? 1 : 0);
});
