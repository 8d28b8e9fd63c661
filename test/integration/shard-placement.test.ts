import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hashint8extended, shardOf } from '../../db/placement.ts';
import { testClient } from '../support/db.ts';

test('the placement hash equals the server\'s hashint8extended(v, 0) for small, large and negative ids', async () => {
  const values = [0n, 1n, 2n, 3n, 4n, 41n, 1000n, -1n, -7n, 2n ** 31n - 1n, 2n ** 31n, -(2n ** 31n) - 1n, 2n ** 40n + 12345n, 2n ** 63n - 1n, -(2n ** 63n)];
  for (let i = 5n; i < 300n; i += 7n) values.push(i);
  const c = await testClient();
  try {
    const r = await c.query<{ v: string; h: string; s3: number }>(
      'SELECT v::text, hashint8extended(v, 0)::text AS h, (((hashint8extended(v, 0) % 3) + 3) % 3)::int AS s3 FROM unnest($1::bigint[]) v',
      [values.map(String)],
    );
    assert.is(r.rows.length, values.length);
    for (const row of r.rows) {
      assert.is(hashint8extended(BigInt(row.v)).toString(), row.h, `hash of ${row.v}`);
      if (BigInt(row.v) > 0n && BigInt(row.v) < 2n ** 53n) assert.is(shardOf(Number(row.v), 3), row.s3, `shard of ${row.v}`);
    }
  } finally {
    await c.end();
  }
});

test.run();
