import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PgscaleError } from '../../core/errors.ts';
import { PLACEMENT, placementTable, shardOf } from '../../db/placement.ts';
import { TENANT_COLUMN, splitRows } from '../../db/shard-route.ts';
import { FIRST_SHARD_PORT, resolveShardSpecs } from '../../db/shard-targets.ts';
import { GROUP_TABLES, TABLES, chunkPlan, generateChunk, makeContext } from '../../generators/index.ts';
import type { RowCounts, TableName } from '../../generators/tables.ts';

const lines = (b: Buffer | undefined) => (b ? b.toString('utf8').split('\n').filter(Boolean) : []);

test('the tenant column is tenant_id in every table but tenants, where it is id', () => {
  for (const [t, at] of Object.entries(TENANT_COLUMN) as Array<[TableName, number]>) {
    assert.is(TABLES[t].columns[at], t === 'tenants' ? 'id' : 'tenant_id', t);
  }
});

test('every generated row goes to its tenant\'s shard, in order, and nothing is lost or added', () => {
  const data = { scale: 30_000, seed: 3, months: 2 };
  const ctx = makeContext(data, 'smallint');
  const placement = placementTable(ctx.counts.tenants, 3);
  for (const chunk of chunkPlan(data).filter((c) => c.k === 0)) {
    const counts: RowCounts = {};
    for (const piece of generateChunk(ctx, chunk, counts, new Set(GROUP_TABLES[chunk.group]))) {
      const whole = lines(piece.buf);
      const shares = splitRows(piece.table, piece.buf, placement, 3);
      const parts = shares.map((s) => lines(s?.buf));
      parts.forEach((rows, s) => {
        assert.is(shares[s]?.rows ?? 0, rows.length, `${piece.table}: the row count of shard ${s}`);
        for (const row of rows) assert.is(shardOf(Number(row.split('\t')[TENANT_COLUMN[piece.table]]), 3), s, `${piece.table}: a row on shard ${s}`);
      });
      // Each share keeps the rows' order: merging them by their first position gives the piece back.
      const merged = whole.filter((row) => parts.some((p) => p.includes(row)));
      assert.equal(merged, whole);
      assert.is(parts.reduce((a, p) => a + p.length, 0), whole.length, piece.table);
      piece.release();
    }
  }
});

test('a buffer whose rows all go to one shard is handed on without a copy', () => {
  const placement = placementTable(4, 2);
  const tenant = [1, 2, 3, 4].find((t) => placement[t] === 1)!;
  const buf = Buffer.from(`${tenant}\tA\ta\tfree\tt\t{}\t2025-01-01\n${tenant}\tB\tb\tfree\tt\t{}\t2025-01-01\n`);
  const shares = splitRows('tenants', buf, placement, 2);
  assert.is(shares[0], undefined);
  assert.is(shares[1]!.buf, buf);
  assert.is(shares[1]!.rows, 2);
});

test('a row whose tenant the placement does not know is an error, not a guess', () => {
  const placement = placementTable(2, 2);
  assert.throws(() => splitRows('users', Buffer.from('00000000-0000-0000-0000-000000000001\t9\tx\n'), placement, 2), /tenant 9 has no place/);
});

test('placement spreads tenants over every shard and changes with the shard count only', () => {
  for (const count of [2, 3, 4]) {
    const used = new Set(Array.from({ length: 200 }, (_, i) => shardOf(i + 1, count)));
    assert.is(used.size, count, `${count} shards all get tenants`);
  }
  assert.ok(Array.from({ length: 50 }, (_, i) => shardOf(i + 1, 1)).every((s) => s === 0));
  assert.match(PLACEMENT, /hashint8extended/);
});

test('--shards N with the embedded target gives N homes and ports, and each a share of the memory', () => {
  const specs = resolveShardSpecs({ shards: 3, target: 'embedded', dataDir: '/d' }, {}, '/w', 3 * 2 ** 30)!;
  assert.equal(specs, [1, 2, 3].map((i) => ({ kind: 'embedded', home: `/d/shards/${i}`, port: FIRST_SHARD_PORT + i - 1, memoryBytes: 2 ** 30 })));
});

test('--shard URLs are kept in order, and no command without them is sharded', () => {
  const specs = resolveShardSpecs({ shard: ['postgres://a@h1/db', 'postgres://a@h2/db'] }, {}, '/w')!;
  assert.equal(specs.map((s) => (s.kind === 'url' ? s.url : '')), ['postgres://a@h1/db', 'postgres://a@h2/db']);
  assert.is(resolveShardSpecs({ databaseUrl: 'postgres://a@h/db' }, {}, '/w'), undefined);
});

const refusals: Array<[string, Parameters<typeof resolveShardSpecs>[0], RegExp]> = [
  ['--shard with --shards', { shard: ['postgres://h/d'], shards: 2 }, /cannot be combined/],
  ['--shard with --database-url', { shard: ['postgres://h/d'], databaseUrl: 'postgres://h/e' }, /--database-url names one server/],
  ['--shards with a container target', { shards: 2, target: 'container' }, /starts embedded servers/],
  ['the same database twice', { shard: ['postgres://u:secret@h:5432/d', 'postgres://v@h/d'] }, /same database as an earlier --shard/],
  ['a URL that is not postgres://', { shard: ['http://h/d'] }, /--shard #1 must start with postgres:\/\//],
];
for (const [what, flags, message] of refusals) {
  test(`${what} is refused with a usage error`, () => {
    try {
      resolveShardSpecs(flags, {}, '/w');
      assert.unreachable();
    } catch (err) {
      assert.instance(err, PgscaleError);
      assert.is((err as PgscaleError).code, 'USAGE');
      assert.match((err as Error).message, message);
      assert.not.match((err as Error).message, 'secret');
    }
  });
}

test.run();
