import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isHeld, placeHold, releaseHold } from '../../db/embedded-clients.ts';

function withHome(fn: (home: string) => void): void {
  const home = mkdtempSync(join(tmpdir(), 'pgscale-hold-'));
  try {
    fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

test('a hold keeps up the postmaster it names', () => {
  withHome((home) => {
    placeHold(home, { pid: 123, start: '1700000000' });
    assert.ok(isHeld(home, { pid: 123, start: '1700000000' }));
  });
});

test('a hold on another postmaster (same pid, later start) is stale and removed', () => {
  withHome((home) => {
    placeHold(home, { pid: 123, start: '1700000000' });
    assert.not.ok(isHeld(home, { pid: 123, start: '1700000999' }));
    assert.not.ok(existsSync(join(home, 'held.json')));
  });
});

test('no server running means no hold', () => {
  withHome((home) => {
    placeHold(home, { pid: 123, start: '1700000000' });
    assert.not.ok(isHeld(home, undefined));
  });
});

test('a hold cut short while written counts as none', () => {
  withHome((home) => {
    writeFileSync(join(home, 'held.json'), '{"pid":12');
    assert.not.ok(isHeld(home, { pid: 12, start: '' }));
  });
});

test('releaseHold lets the server stop again', () => {
  withHome((home) => {
    placeHold(home, { pid: 123, start: '1700000000' });
    releaseHold(home);
    assert.not.ok(isHeld(home, { pid: 123, start: '1700000000' }));
  });
});

test.run();
