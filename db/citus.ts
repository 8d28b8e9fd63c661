/**
 * `load --distribute citus`: the platform's tables as Citus tables, loaded through the
 * coordinator. Tables with a `tenant_id` column are distributed by it and co-located (a
 * tenant's users, sessions, messages, tasks, approvals and events share one shard);
 * tables without one (`tenants`) become reference tables, copied to every node.
 *
 * Citus needs the distribution column in every primary key and unique index (Citus docs,
 * "Distributing by tenant ID": a unique constraint can only be checked inside one shard),
 * so the keys of distributed tables gain a leading `tenant_id`. The statements are built
 * here from db/schema/tables.sql and indexes.sql, so a table or key added there is
 * distributed and rewritten without a second list to keep in step.
 */
import type pg from 'pg';
import { PgscaleError } from '../core/errors.ts';
import type { EnumStyle } from '../generators/enums.ts';
import { quoteLiteral } from './quote.ts';
import { indexStatements, readSql, renderSql, statements } from './schema.ts';

/** The distribution column, present in every distributed table. */
export const DISTRIBUTION_COLUMN = 'tenant_id';

/** How the platform's tables are laid out on Citus. */
export interface CitusLayout {
  /** Copied to every node: tables without a tenant_id column. */
  reference: string[];
  /** Distributed by tenant_id, in tables.sql order; the first is the co-location anchor. */
  distributed: string[];
}

/** Tables of tables.sql (partitions excluded: they follow their parent) and their columns. */
export function schemaTables(style: EnumStyle, schema: string): Array<{ table: string; columns: string[] }> {
  const out: Array<{ table: string; columns: string[] }> = [];
  for (const sql of statements(renderSql(readSql('tables.sql'), style, schema))) {
    const m = /^CREATE TABLE (\w+) \(([\s\S]*)\)(?: PARTITION BY [\s\S]*)?$/.exec(sql);
    if (!m) continue; // partitions (`PARTITION OF`) and the partition function
    const columns = m[2]
      .split('\n')
      .map((line) => /^\s*(\w+)\s/.exec(line)?.[1])
      .filter((c): c is string => !!c);
    out.push({ table: m[1], columns });
  }
  return out;
}

/** Which tables are distributed and which are reference tables. */
export function citusLayout(style: EnumStyle, schema: string): CitusLayout {
  const tables = schemaTables(style, schema);
  return {
    reference: tables.filter((t) => !t.columns.includes(DISTRIBUTION_COLUMN)).map((t) => t.table),
    distributed: tables.filter((t) => t.columns.includes(DISTRIBUTION_COLUMN)).map((t) => t.table),
  };
}

/**
 * The statements that make the tables Citus tables, in the order they must run: reference
 * tables, then the anchor in a co-location group of its own (so pgscale's tables never
 * join a group of someone else's tables), then every other table co-located with it.
 */
export function distributeStatements(layout: CitusLayout, schema: string): string[] {
  const name = (table: string) => quoteLiteral(`${schema}.${table}`);
  const [anchor, ...rest] = layout.distributed;
  if (!anchor) throw new Error('no table has a tenant_id column to distribute by');
  return [
    ...layout.reference.map((t) => `SELECT create_reference_table(${name(t)})`),
    `SELECT create_distributed_table(${name(anchor)}, ${quoteLiteral(DISTRIBUTION_COLUMN)}, colocate_with => 'none')`,
    ...rest.map((t) => `SELECT create_distributed_table(${name(t)}, ${quoteLiteral(DISTRIBUTION_COLUMN)}, colocate_with => ${name(anchor)})`),
  ];
}

/** A key of indexes.sql rewritten for Citus. */
export interface KeyChange {
  name: string;
  table: string;
  before: string[];
  after: string[];
}

const KEY = /^(ALTER TABLE (\w+) ADD CONSTRAINT \w+ (?:PRIMARY KEY|UNIQUE) \(|CREATE UNIQUE INDEX \w+ ON (\w+)(?: USING \w+)? \()([^)]*)(\)[\s\S]*)$/;

/**
 * indexes.sql for a Citus data set: the primary keys and unique indexes of distributed
 * tables with tenant_id put first (it leads so that a tenant's rows stay together in the
 * index, as the tenant-first secondary indexes already do); everything else unchanged.
 */
export function citusIndexStatements(style: EnumStyle, schema: string, layout: CitusLayout): { statements: Array<{ name: string; sql: string }>; changes: KeyChange[] } {
  const changes: KeyChange[] = [];
  const out = indexStatements(style, schema).map((ix) => {
    const m = KEY.exec(ix.sql);
    const table = m?.[2] ?? m?.[3];
    if (!m || !table || !layout.distributed.includes(table)) return ix;
    const before = m[4].split(',').map((c) => c.trim());
    if (before.includes(DISTRIBUTION_COLUMN)) return ix;
    const after = [DISTRIBUTION_COLUMN, ...before];
    changes.push({ name: ix.name, table, before, after });
    return { name: ix.name, sql: `${m[1]}${after.join(', ')}${m[5]}` };
  });
  return { statements: out, changes };
}

/**
 * Refuse a target without Citus, saying what to do: the extension installed (`pg_extension`),
 * else available but not created, else absent. pgscale does not create the extension: it
 * changes the whole database, which pgscale does not own.
 */
export async function checkCitus(client: pg.Client): Promise<{ version: string; workers: number }> {
  const r = await client.query<{ installed: string | null; available: string | null }>(
    `SELECT (SELECT extversion FROM pg_extension WHERE extname = 'citus') AS installed,
            (SELECT default_version FROM pg_available_extensions WHERE name = 'citus') AS available`,
  );
  const { installed, available } = r.rows[0];
  if (!installed) {
    throw new PgscaleError('USAGE', available ? 'the target has the citus extension available but not created in this database' : 'the target has no citus extension', {
      hint: available
        ? "Run CREATE EXTENSION citus in the database (the server needs shared_preload_libraries = 'citus'), register the workers with citus_add_node(), then load again."
        : 'Load into a Citus coordinator (e.g. docker compose --profile citus up -d --wait, or --target container:citus), or drop --distribute citus.',
    });
  }
  const w = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM citus_get_active_worker_nodes()');
  return { version: installed, workers: w.rows[0].n };
}

/** Make a freshly created schema's tables Citus tables (see distributeStatements). */
export async function distributeSchema(client: pg.Client, schema: string, style: EnumStyle): Promise<void> {
  for (const sql of distributeStatements(citusLayout(style, schema), schema)) await client.query(sql);
}
