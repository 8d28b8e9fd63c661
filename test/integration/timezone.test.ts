/**
 * A server whose default time zone is not UTC: pgscale's sessions run in UTC, partition
 * bounds are UTC month starts, nothing lands in the DEFAULT partitions, and the data is
 * the same as in a UTC database.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { environmentFingerprint } from '../../bench/environment.ts';
import type pg from 'pg';
import { load } from '../../db/load.ts';
import { quoteIdent } from '../../db/quote.ts';
import { fill, namedStatements, readSql, statement } from '../../scenarios/sql.ts';
import { openTarget, type Target } from '../../db/target.ts';
import { checksums } from '../support/data.ts';
import { dropSchema, testClient, testTarget, testUrl, uniqueSchema } from '../support/db.ts';

const DATA = { scale: 20_000, seed: 4, months: 3 };
const DATABASE = `t_tz_${process.pid}`;
const inZone = uniqueSchema('tz');
const inUtc = uniqueSchema('utc');
let zoned: Target | undefined;

test.before(async () => {
  const c = await testClient();
  try {
    await c.query(`CREATE DATABASE ${DATABASE}`);
    await c.query(`ALTER DATABASE ${DATABASE} SET timezone = 'America/New_York'`);
  } finally {
    await c.end();
  }
  const url = new URL(await testUrl());
  url.pathname = `/${DATABASE}`;
  zoned = await openTarget({ kind: 'url', url: url.toString(), source: 'test' });
});

test.after(async () => {
  await dropSchema(inUtc);
  const c = await testClient();
  try {
    await c.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  } finally {
    await c.end();
  }
});

test('a load into a New York database lands every row in its UTC month, as in a UTC database', async () => {
  await load(zoned!, { schema: inZone, data: DATA, enums: 'smallint', jobs: 2, fresh: false });
  await load(await testTarget(), { schema: inUtc, data: DATA, enums: 'smallint', jobs: 2, fresh: false });
  const z = await zoned!.connect();
  const u = await testClient();
  try {
    // The database's own default is untouched; pgscale's session is UTC.
    const zone = await z.query<{ db: string; session: string }>(
      `SELECT (SELECT split_part(cfg, '=', 2) FROM pg_db_role_setting s, unnest(s.setconfig) cfg WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database()) AND cfg ILIKE 'timezone=%') AS db, current_setting('TimeZone') AS session`,
    );
    assert.equal(zone.rows[0], { db: 'America/New_York', session: 'UTC' });
    assert.is((await environmentFingerprint(z, zoned!)).serverTimeZone, 'America/New_York', 'the results record the server\'s zone');
    for (const table of ['message_history', 'analytics_events']) {
      const d = await z.query<{ n: string }>(`SELECT count(*) AS n FROM ${inZone}.${table}_default`);
      assert.is(Number(d.rows[0].n), 0, `${table}_default is empty`);
    }
    // Bounds read back in a New York session are still UTC month starts.
    await z.query(`SET TimeZone = 'America/New_York'`);
    const bounds = await z.query<{ lo: string; hi: string }>(
      `SELECT ((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)'))[1]::timestamptz AT TIME ZONE 'UTC')::text AS lo,
              ((regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \\(''([^'']+)''\\) TO \\(''([^'']+)''\\)'))[2]::timestamptz AT TIME ZONE 'UTC')::text AS hi
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
        WHERE i.inhparent = '${inZone}.message_history'::regclass AND c.relname <> 'message_history_default'`,
    );
    assert.ok(bounds.rows.length >= 3, `${bounds.rows.length} monthly partitions`);
    for (const b of bounds.rows) {
      const lo = new Date(`${String(b.lo).replace(' ', 'T')}Z`);
      assert.is(lo.getUTCDate(), 1, `partition starts on the 1st (UTC): ${b.lo}`);
      assert.is(lo.getUTCHours(), 0, `partition starts at 00:00 UTC: ${b.lo}`);
    }
    await z.query(`SET TimeZone = 'UTC'`);
    assert.equal(await checksums(z, inZone), await checksums(u, inUtc), 'the same rows as in a UTC database');
  } finally {
    await z.end();
    await u.end();
  }
});

test("time-index's ranges (start, ends, rows in each) are the same in both zones", async () => {
  // time-index's own statements, run on each data set in a pgscale session.
  const sql = namedStatements(readSql(new URL('../../scenarios/time-index/index.ts', import.meta.url).href, 'setup.sql'));
  const ranges = async (c: pg.Client, schema: string) => {
    const start = (await c.query<{ start: Date }>(fill(statement(sql, 'range-start'), { src: quoteIdent(schema) }))).rows[0].start.toISOString();
    const ends = (await c.query<Record<string, Date>>(statement(sql, 'range-ends'), [start])).rows[0];
    const rows: Record<string, number> = {};
    for (const [sel, end] of Object.entries(ends)) {
      rows[sel] = Number((await c.query<{ n: string }>(fill(statement(sql, 'rows-in-range'), { src: quoteIdent(schema) }), [start, end])).rows[0].n);
    }
    return { start, ends: Object.fromEntries(Object.entries(ends).map(([k, v]) => [k, v.toISOString()])), rows };
  };
  const z = await zoned!.connect();
  const u = await testClient();
  try {
    const inNewYork = await ranges(z, inZone);
    assert.ok(inNewYork.rows.month > 0, 'the month range holds rows');
    assert.equal(inNewYork, await ranges(u, inUtc));
  } finally {
    await z.end();
    await u.end();
  }
});

test.run();
