import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startEmbedded } from '../../db/embedded.ts';
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

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test.after(() => {
  rmSync(home, { recursive: true, force: true });
});

test('a second pgscale process shares the running server and leaves it running when it ends', async () => {
  const lines: string[] = [];
  const server = await startEmbedded({ home, port: 54340, log: (l) => lines.push(l) });
  assert.ok(lines.some((l) => /settings shared_buffers=\d+MB .*max_wal_size=/.test(l)), 'the tuned settings are printed');
  const r = await runCli(['load', '--scale', '10k', '--months', '2', '--schema', 'second', '--data-dir', home]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /sharing the server on port \d+ with pgscale process/);
  assert.ok(serverPid(), 'the server keeps running for the process that started it');
  await server.stop();
  assert.is(serverPid(), undefined, 'the last user stopped it');
});

test('the process that started the server leaves it running while another still uses it', async () => {
  const server = await startEmbedded({ home, port: 54340 });
  const sharer = startCli(['load', '--scale', '300k', '--months', '2', '--schema', 'sharer', '--fresh', '--data-dir', home]);
  const registered = join(home, 'clients', String(sharer.child.pid));
  await until(() => existsSync(registered), 'the second process joined');
  // Stopping now would cut the other process off: the starter only leaves.
  await server.stop();
  assert.ok(serverPid(), 'still running for the other process');
  const s = await sharer.done;
  assert.is(s.code, 0, s.stderr);
  assert.is(serverPid(), undefined, 'the last process stopped the server');
});

test.run();
