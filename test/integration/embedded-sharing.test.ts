import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, startCli } from '../support/cli.ts';
import { ROOT } from '../support/db.ts';

const home = join(ROOT, '.pgscale', `test-share-${process.pid}`);

function serverPid(): number | undefined {
  const file = join(home, 'data', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

test.after(() => {
  rmSync(home, { recursive: true, force: true });
});

test('two pgscale processes share one embedded server; the last to finish stops it', async () => {
  const first = startCli(['load', '--scale', '300k', '--months', '2', '--schema', 'first', '--data-dir', home]);
  // Wait for the first process to start the server, then let a shorter job share it.
  const until = Date.now() + 120_000;
  while (!serverPid()) {
    if (Date.now() > until) throw new Error('the first process never started the server');
    await new Promise((r) => setTimeout(r, 50));
  }
  const second = await runCli(['load', '--scale', '10k', '--months', '2', '--schema', 'second', '--data-dir', home]);
  assert.is(second.code, 0, second.stderr);
  assert.match(second.stderr, /sharing the server on port \d+ with pgscale process/);
  assert.ok(serverPid(), 'the server keeps running for the first process');
  const r = await first.done;
  assert.is(r.code, 0, r.stderr);
  assert.is(serverPid(), undefined, 'the last process stopped the server');
});

test('the process that started the server leaves it running while another still uses it', async () => {
  const owner = startCli(['load', '--scale', '150k', '--schema', 'owner', '--data-dir', home]);
  const until = Date.now() + 120_000;
  while (!serverPid()) {
    if (Date.now() > until) throw new Error('the owner never started the server');
    await new Promise((r) => setTimeout(r, 50));
  }
  const sharer = startCli(['load', '--scale', '600k', '--schema', 'sharer', '--data-dir', home]);
  const o = await owner.done;
  assert.is(o.code, 0, o.stderr);
  assert.match(o.stderr, /leaving the server running for pgscale process/);
  const s = await sharer.done;
  assert.is(s.code, 0, s.stderr);
  assert.is(serverPid(), undefined, 'the last process stopped the server');
});

test.run();
