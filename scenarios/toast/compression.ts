/**
 * One compression arm: a scratch copy of a month of message_history whose `content` is
 * compressed with `pglz` or `lz4`, loaded by COPY, then sized and read.
 * https://www.postgresql.org/docs/current/storage-toast.html
 */
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { copySql } from '../../db/copy.ts';
import { qualified, quoteIdent, quoteLiteral } from '../../db/quote.ts';
import { TABLES } from '../../generators/index.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';

const setupSql = namedStatements(readSql(import.meta.url, 'setup.sql'));

/** The methods compared; each is a keyword filled into setup.sql as it is (never user input). */
export const METHODS = ['pglz', 'lz4'] as const;
export type Method = (typeof METHODS)[number];

/** Why the server cannot compress with `method`, or undefined when it can. */
export async function unsupported(client: pg.Client, schema: string, method: Method): Promise<string | undefined> {
  // Built without lz4, CREATE TABLE fails with 0A000 "compression method lz4 not
  // supported" and a detail saying why; anything else is a real error.
  const probe = qualified(schema, `probe_${method}`);
  try {
    await client.query(fill(statement(setupSql, 'probe-compression'), { table: probe, method }));
  } catch (err) {
    const e = err as { code?: string; message: string; detail?: string };
    if (e.code !== '0A000') throw err;
    return e.detail ? `${e.message} (${e.detail.replace(/\.$/, '')})` : e.message;
  }
  await client.query(`DROP TABLE ${probe}`);
  return undefined;
}

/** Give `content` of `schema`.message_history and every partition of it the compression `method`. */
export async function setCompression(client: pg.Client, schema: string, method: Method): Promise<void> {
  const rels = await client.query<{ schema: string; name: string }>(statement(setupSql, 'relations'), [qualified(schema, 'message_history')]);
  for (const r of rels.rows) await client.query(fill(statement(setupSql, 'set-compression'), { table: qualified(r.schema, r.name), method }));
}

/**
 * Stream the month [from, to) of `src`.message_history into `dest`'s copy: COPY TO STDOUT
 * on one connection piped into COPY FROM STDIN on the other. Returns the seconds it took
 * (reading the source costs every arm the same).
 */
export async function copyMonth(source: pg.Client, dest: pg.Client, src: string, destSchema: string, window: { from: string; to: string }): Promise<number> {
  const out = fill(statement(setupSql, 'copy-out'), {
    columns: TABLES.message_history.columns.map(quoteIdent).join(', '),
    src: quoteIdent(src),
    from: quoteLiteral(window.from),
    to: quoteLiteral(window.to),
  });
  const t0 = performance.now();
  // pg-copy-streams README: pipeline(source, client.query(copyFrom(sql))).
  await pipeline(source.query(copyTo(out)), dest.query(copyFrom(copySql(destSchema, 'message_history'))));
  return (performance.now() - t0) / 1000;
}

/** The server's default_toast_compression (what a column without COMPRESSION of its own gets). */
export async function defaultCompression(client: pg.Client): Promise<string> {
  return (await client.query<{ method: string }>(statement(setupSql, 'default-compression'))).rows[0].method;
}

/** What compression did to a copy's `content`. */
export interface ContentBytes {
  rows: number;
  /** octet_length: the text as it is. */
  rawBytes: number;
  /** pg_column_size: as stored (compressed, out of line, or as it is). */
  storedBytes: number;
  /** Values stored compressed with the arm's method. */
  compressed: number;
  /** Values compressed with another method (0 unless a value kept its source's method). */
  otherMethod: number;
}

export async function contentBytes(client: pg.Client, schema: string, method: Method): Promise<ContentBytes> {
  const r = await client.query<Record<'rows' | 'raw_bytes' | 'stored_bytes' | 'compressed' | 'other_method', string>>(
    fill(statement(setupSql, 'content'), { table: qualified(schema, 'message_history') }),
    [method],
  );
  const x = r.rows[0];
  return { rows: Number(x.rows), rawBytes: Number(x.raw_bytes), storedBytes: Number(x.stored_bytes), compressed: Number(x.compressed), otherMethod: Number(x.other_method) };
}

/** The design's session index on the copy, so a history read is the same plan as on the data set. */
export async function indexSessions(client: pg.Client, schema: string): Promise<void> {
  await client.query(fill(statement(setupSql, 'session-index'), { table: qualified(schema, 'message_history') }));
}
