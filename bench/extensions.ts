/**
 * A contrib extension a measurement needs (pgstattuple, pg_walinspect): used wherever it
 * is already installed (its functions called schema-qualified), else installed WITH
 * SCHEMA a schema pgscale created, so it never lands in `public` and dropping that schema
 * removes it again — the rule bench/cache.ts keeps for pg_prewarm.
 */
import type pg from 'pg';
import { quoteIdent } from '../db/quote.ts';
import { inspectSchema } from '../db/schema.ts';

/** Where the extension's functions live, or why it cannot be had. */
export type ExtensionAt = { schema: string; installed: boolean } | { reason: string };

async function installedIn(client: pg.Client, name: string): Promise<string | undefined> {
  const r = await client.query<{ nspname: string }>('SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = $1', [name]);
  return r.rows[0]?.nspname;
}

/** The extension `name` where it is, or installed into the pgscale-owned `schema`; a reason when neither works. */
export async function contribExtension(client: pg.Client, name: string, schema: string): Promise<ExtensionAt> {
  const found = await installedIn(client, name);
  if (found) return { schema: found, installed: false };
  if (!(await inspectSchema(client, schema)).owned) return { reason: `${name} is not installed, and pgscale installs it only into a schema it created ('${schema}' is not one)` };
  try {
    await client.query(`CREATE EXTENSION ${quoteIdent(name)} WITH SCHEMA ${quoteIdent(schema)}`);
  } catch (err) {
    // Another session may have installed it meanwhile (duplicate_object): use that one.
    const meanwhile = await installedIn(client, name);
    if (meanwhile) return { schema: meanwhile, installed: false };
    const code = (err as { code?: string }).code;
    return { reason: `CREATE EXTENSION ${name} WITH SCHEMA ${quoteIdent(schema)} failed${code ? ` [SQLSTATE ${code}]` : ''}: ${(err as Error).message}` };
  }
  return { schema, installed: true };
}
