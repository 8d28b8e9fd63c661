import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { load } from '../../db/load.ts';
import { openTarget } from '../../db/target.ts';
import { PgscaleError } from '../../core/errors.ts';
import { dockerEngine } from '../support/docker.ts';

const noEngine = dockerEngine();

if (noEngine) {
  test('--target container without a Docker engine fails with a clear DOCKER error', async () => {
    console.log(`  container tests skipped: no Docker engine answers (${noEngine})`);
    try {
      await openTarget({ kind: 'container', image: 'postgres:18' });
      assert.unreachable('a container started without Docker');
    } catch (err) {
      assert.instance(err, PgscaleError);
      assert.is((err as PgscaleError).code, 'DOCKER');
      assert.match((err as PgscaleError).hint ?? '', /Start Docker|--database-url/);
    }
  });
} else {
  test('--target container:postgres:16 loads a small data set into a pinned server', async () => {
    let target;
    try {
      target = await openTarget({ kind: 'container', image: 'postgres:16' });
    } catch (err) {
      // An engine that cannot pull (offline CI) is no verdict on pgscale.
      if (/pull|manifest|registry|network/i.test(String((err as Error).message))) {
        console.log(`  container test skipped: the image could not be pulled (${(err as Error).message.split('\n')[0]})`);
        return;
      }
      throw err;
    }
    try {
      const s = await load(target, { schema: 'pgscale', data: { scale: 10_000, seed: 1, months: 2 }, enums: 'smallint', jobs: 2, fresh: true });
      assert.is(s.rows.message_history, 10_000);
      const c = await target.connect();
      const v = await c.query<{ v: string }>('SHOW server_version_num');
      await c.end();
      assert.ok(v.rows[0].v.startsWith('16'));
    } finally {
      await target.close();
    }
  });
}

test.run();
