/**
 * uvu's CLI runner, plus a teardown: all test files run in one process (sharing one
 * embedded Postgres), then the server is stopped so the process can end. Mirrors
 * uvu/run (node_modules/uvu/run/index.mjs).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, stopTestServer } from './support/db.ts';

function collect(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? collect(p) : name.endsWith('.test.ts') ? [p] : [];
    });
}

const pattern = new RegExp(process.argv[2] ?? '');
// Unit tests first: they are fast and say the most when something basic broke.
const files = collect(join(ROOT, 'test'))
  .filter((f) => pattern.test(relative(ROOT, f)))
  .sort((a, b) => Number(a.includes('/integration/')) - Number(b.includes('/integration/')) || a.localeCompare(b));

const g = globalThis as unknown as { UVU_DEFER: number; UVU_INDEX: number; UVU_QUEUE: unknown[][] };
g.UVU_DEFER = 1;
const uvu = await import('uvu');
let index = 0;
for (const file of files) {
  g.UVU_INDEX = index++;
  g.UVU_QUEUE.push([relative(join(ROOT, 'test'), file)]);
  await import(pathToFileURL(file).href);
}
await uvu.exec();
try {
  await stopTestServer();
} catch (err) {
  console.error('could not stop the test server:', err);
}
process.exit(process.exitCode ?? 0);
