import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { citusLayout } from '../../db/citus.ts';
import { load } from '../../db/load.ts';
import { inspectSchema } from '../../db/schema.ts';
import { openTarget } from '../../db/target.ts';
import { PgscaleError } from '../../core/errors.ts';
import { resolveTargetSpec } from '../../db/target.ts';
import { counts } from '../support/data.ts';
import { dropSchema, testClient, testTarget, uniqueSchema } from '../support/db.ts';
import { dockerEngine } from '../support/docker.ts';

const noEngine = dockerEngine();
const data = { scale: 20_000, seed: 3, months: 2 };

test('load --distribute citus into a server without the citus extension is refused and leaves no schema', async () => {
  const schema = uniqueSchema('citus_refused');
  const target = await testTarget();
  try {
    await load(target, { schema, data, enums: 'smallint', jobs: 2, fresh: false, distribute: 'citus' });
    assert.unreachable('a Citus load went into a server without Citus');
  } catch (err) {
    assert.instance(err, PgscaleError);
    assert.is((err as PgscaleError).code, 'USAGE');
    assert.match((err as PgscaleError).message, /citus extension/);
    assert.match((err as PgscaleError).hint ?? '', /--profile citus|container:citus|CREATE EXTENSION/);
    const c = await testClient();
    try {
      assert.is((await inspectSchema(c, schema)).exists, false);
    } finally {
      await c.end();
    }
  } finally {
    await dropSchema(schema);
  }
});

if (noEngine) {
  test('--target container:citus without a Docker engine fails with a clear DOCKER error', async () => {
    console.log(`  Citus cluster test skipped: no Docker engine answers (${noEngine})`);
    try {
      await openTarget(resolveTargetSpec({ target: 'container:citus' }, {}, process.cwd()));
      assert.unreachable('a Citus cluster started without Docker');
    } catch (err) {
      assert.instance(err, PgscaleError);
      assert.is((err as PgscaleError).code, 'DOCKER');
      assert.match((err as PgscaleError).message, /container:citus/);
    }
  });
} else {
  test('--target container:citus with --distribute citus distributes the tables and loads what a plain load does', async () => {
    let target;
    try {
      target = await openTarget(resolveTargetSpec({ target: 'container:citus' }, {}, process.cwd()));
    } catch (err) {
      // An engine that cannot pull (offline CI) is no verdict on pgscale.
      if (/pull|manifest|registry|network/i.test(String((err as Error).message))) {
        console.log(`  Citus cluster test skipped: the image could not be pulled (${(err as Error).message.split('\n')[0]})`);
        return;
      }
      throw err;
    }
    const plain = uniqueSchema('citus_plain');
    try {
      const s = await load(target, { schema: 'pgscale', data, enums: 'smallint', jobs: 2, fresh: true, distribute: 'citus' });
      assert.is(s.params.distribute, 'citus');
      const c = await target.connect();
      let citusCounts: Record<string, number>;
      try {
        const t = await c.query<{ table_name: string; citus_table_type: string; distribution_column: string; colocation_id: number }>(
          `SELECT table_name::text, citus_table_type, distribution_column, colocation_id FROM citus_tables WHERE table_name::text LIKE 'pgscale.%'`,
        );
        const layout = citusLayout('smallint', 'pgscale');
        const byName = Object.fromEntries(t.rows.map((r) => [r.table_name.replace(/^pgscale\./, ''), r]));
        for (const ref of layout.reference) assert.is(byName[ref]?.citus_table_type, 'reference', ref);
        for (const d of layout.distributed) {
          assert.is(byName[d]?.citus_table_type, 'distributed', d);
          assert.is(byName[d]?.distribution_column, 'tenant_id', d);
        }
        assert.is(new Set(layout.distributed.map((d) => byName[d].colocation_id)).size, 1, 'one co-location group');
        const workers = await c.query<{ n: number }>('SELECT count(DISTINCT nodename)::int AS n FROM citus_shards');
        assert.ok(workers.rows[0].n >= 2, 'the shards are spread over the workers');
        citusCounts = await counts(c, 'pgscale');
      } finally {
        await c.end();
      }
      // The shared test server stays open for the other tests (the runner stops it).
      await load(await testTarget(), { schema: plain, data, enums: 'smallint', jobs: 2, fresh: false });
      const lc = await testClient();
      try {
        assert.equal(citusCounts, await counts(lc, plain));
      } finally {
        await lc.end();
      }
    } finally {
      await target.close();
      await dropSchema(plain);
    }
  });
}

test.run();
