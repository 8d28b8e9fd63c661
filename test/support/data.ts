/** Checks on loaded data shared by the integration tests. */
import type pg from 'pg';
import { TABLE_NAMES } from '../../generators/index.ts';
import { qualified } from '../../db/quote.ts';

/** count(*) of every generated table. */
export async function counts(client: pg.Client, schema: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLE_NAMES) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${qualified(schema, t)}`);
    out[t] = Number(r.rows[0].n);
  }
  return out;
}

/** An ordered checksum of a table's whole content. */
export async function checksum(client: pg.Client, schema: string, table: string): Promise<string> {
  const r = await client.query<{ h: string }>(`SELECT md5(string_agg(md5(t::text), '' ORDER BY t::text)) AS h FROM ${qualified(schema, table)} t`);
  return r.rows[0].h;
}

/** Checksums of every generated table. */
export async function checksums(client: pg.Client, schema: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const t of TABLE_NAMES) out[t] = await checksum(client, schema, t);
  return out;
}
