/**
 * The integration tests' Postgres: one embedded server for the whole test run (its own
 * data under .pgscale/test, apart from the user's data set), or the server named by
 * PGSCALE_TEST_DATABASE_URL. Stopped by test/runner.ts after the last test.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { dropOwnedSchema } from '../../db/schema.ts';
import { type Target, openTarget } from '../../db/target.ts';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const TEST_HOME = process.env.PGSCALE_TEST_HOME ?? join(ROOT, '.pgscale', 'test');

let target: Promise<Target> | undefined;

/** The shared test server, started on first use. */
export function testTarget(): Promise<Target> {
  target ??= process.env.PGSCALE_TEST_DATABASE_URL
    ? openTarget({ kind: 'url', url: process.env.PGSCALE_TEST_DATABASE_URL, source: 'PGSCALE_TEST_DATABASE_URL' })
    : openTarget({ kind: 'embedded', home: TEST_HOME, port: 54330 });
  return target;
}

/** A client of the test server; the caller ends it. */
export async function testClient(): Promise<pg.Client> {
  return (await testTarget()).connect();
}

/** Flags that point a spawned `pgscale` at the test server. */
export async function testUrl(): Promise<string> {
  const c = (await testTarget()).config;
  if (c.connectionString) return c.connectionString;
  return `postgres://${encodeURIComponent(String(c.user))}:${encodeURIComponent(String(c.password))}@${c.host}:${c.port}/${c.database}`;
}

let counter = 0;
/** A schema name unique to this test run. */
export function uniqueSchema(prefix: string): string {
  return `t_${prefix}_${process.pid}_${++counter}`;
}

/** Drop a schema a test created through pgscale (refuses anything else, like pgscale). */
export async function dropSchema(schema: string): Promise<void> {
  const c = await testClient();
  try {
    await dropOwnedSchema(c, schema);
  } finally {
    await c.end();
  }
}

/** Stop the shared server if this process started it. */
export async function stopTestServer(): Promise<void> {
  if (target) await (await target).close();
}
