/**
 * pgscale's schemas: created, marked and dropped only by pgscale. A schema counts as
 * pgscale's when its comment carries the marker AND it holds the _pgscale_meta table;
 * anything else is refused for load, drop and truncate. `public` never is pgscale's.
 */
import { tryLockDataset, unlockDataset } from './dataset-lock.ts';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { monthDate } from '../generators/calendar.ts';
import { ENUMS, type EnumDomain, type EnumStyle, VARCHAR_WIDTH, entries, names } from '../generators/enums.ts';
import { PgscaleError } from '../core/errors.ts';
import { VERSION } from '../core/version.ts';
import type { ShardPosition } from './placement.ts';
import { quoteIdent, quoteLiteral } from './quote.ts';

const SQL_DIR = join(dirname(fileURLToPath(import.meta.url)), 'schema');
const MARKER = 'pgscale:owned';

/** What a loaded schema was made from; a load into it must match. */
export interface SchemaParams {
  scale: number;
  seed: number;
  months: number;
  enums: EnumStyle;
  generatorVersion: number;
  /** Present on a shard of a sharded target: which part of the data set it holds (db/placement.ts). */
  shard?: ShardPosition;
  /** Present on a Citus data set (`load --distribute citus`): its tables are distributed and its keys lead with tenant_id (db/citus.ts). */
  distribute?: 'citus';
}

/** `scratch`: a scenario's working copy, dropped when the scenario ends (or by the next run, if it died). */
export type SchemaState = 'loading' | 'indexing' | 'complete' | 'scratch';

export interface SchemaInfo {
  exists: boolean;
  owned: boolean;
  params?: SchemaParams;
  state?: SchemaState;
}

/** Refuse names pgscale must never own. */
export function checkSchemaName(schema: string): void {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new PgscaleError('USAGE', `invalid schema name '${schema}'`, {
      hint: 'Use lower-case letters, digits and underscores, starting with a letter (e.g. --schema pgscale_bench).',
    });
  }
  if (schema === 'public' || schema.startsWith('pg_') || schema === 'information_schema') {
    throw new PgscaleError('USAGE', `pgscale never uses the schema '${schema}'`, {
      hint: 'Choose a schema of pgscale\'s own with --schema NAME (default: pgscale).',
    });
  }
}

/** Look at a schema: does it exist, is it pgscale's, what was loaded into it. */
export async function inspectSchema(client: pg.Client, schema: string): Promise<SchemaInfo> {
  const r = await client.query<{ comment: string | null; has_meta: boolean }>(
    `SELECT obj_description(n.oid, 'pg_namespace') AS comment,
            to_regclass(format('%I._pgscale_meta', n.nspname)) IS NOT NULL AS has_meta
       FROM pg_namespace n WHERE n.nspname = $1`,
    [schema],
  );
  if (r.rowCount === 0) return { exists: false, owned: false };
  const { comment, has_meta } = r.rows[0];
  const owned = !!comment?.startsWith(MARKER) && has_meta;
  if (!owned) return { exists: true, owned: false };
  const meta = await client.query<{ params: SchemaParams; state: SchemaState }>(`SELECT params, state FROM ${quoteIdent(schema)}._pgscale_meta`);
  return { exists: true, owned: true, params: meta.rows[0]?.params, state: meta.rows[0]?.state };
}

/** Throw unless the schema is absent or pgscale's own. */
export function assertOwned(info: SchemaInfo, schema: string, action: string): void {
  if (info.exists && !info.owned) {
    throw new PgscaleError('NOT_OWNED', `refusing to ${action} schema '${schema}': pgscale did not create it`, {
      hint: `pgscale only touches schemas it created (marked '${MARKER}'). Choose another name with --schema, or remove '${schema}' yourself if you are sure.`,
    });
  }
}

/**
 * Objects outside the schema that depend on objects inside it: views over its tables,
 * foreign keys to them, columns typed with its enum types. DROP SCHEMA … CASCADE would
 * silently drop those too, so pgscale refuses while any exist.
 */
export async function outsideDependents(client: pg.Client, schema: string): Promise<string[]> {
  const r = await client.query<{ what: string }>(
    `WITH inside AS (
       SELECT 'pg_class'::regclass AS classid, oid AS objid FROM pg_class WHERE relnamespace = $1::regnamespace
       UNION ALL SELECT 'pg_type'::regclass, oid FROM pg_type WHERE typnamespace = $1::regnamespace
       UNION ALL SELECT 'pg_proc'::regclass, oid FROM pg_proc WHERE pronamespace = $1::regnamespace)
     SELECT DISTINCT pg_describe_object(d.classid, d.objid, d.objsubid) AS what
       FROM pg_depend d
       JOIN inside i ON d.refclassid = i.classid AND d.refobjid = i.objid
       -- The schema a dependent lives in; defaults, rules and triggers live with their table.
       CROSS JOIN LATERAL (SELECT CASE d.classid
           WHEN 'pg_class'::regclass THEN (SELECT relnamespace FROM pg_class WHERE oid = d.objid)
           WHEN 'pg_type'::regclass THEN (SELECT typnamespace FROM pg_type WHERE oid = d.objid)
           WHEN 'pg_proc'::regclass THEN (SELECT pronamespace FROM pg_proc WHERE oid = d.objid)
           WHEN 'pg_constraint'::regclass THEN (SELECT connamespace FROM pg_constraint WHERE oid = d.objid)
           WHEN 'pg_attrdef'::regclass THEN (SELECT c.relnamespace FROM pg_attrdef a JOIN pg_class c ON c.oid = a.adrelid WHERE a.oid = d.objid)
           WHEN 'pg_rewrite'::regclass THEN (SELECT c.relnamespace FROM pg_rewrite r JOIN pg_class c ON c.oid = r.ev_class WHERE r.oid = d.objid)
           WHEN 'pg_trigger'::regclass THEN (SELECT c.relnamespace FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE t.oid = d.objid)
           WHEN 'pg_policy'::regclass THEN (SELECT c.relnamespace FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid WHERE p.oid = d.objid)
           END AS nsp) owner
      WHERE d.deptype IN ('n', 'a') AND owner.nsp IS DISTINCT FROM $1::regnamespace
      ORDER BY 1`,
    [quoteIdent(schema)],
  );
  return r.rows.map((row) => row.what);
}

/** Drop a schema pgscale created (and only such a schema, and only when nothing outside it depends on it). */
export async function dropOwnedSchema(client: pg.Client, schema: string): Promise<void> {
  checkSchemaName(schema);
  const info = await inspectSchema(client, schema);
  assertOwned(info, schema, 'drop');
  if (!info.exists) return;
  const outside = await outsideDependents(client, schema);
  if (outside.length) {
    throw new PgscaleError('NOT_OWNED', `refusing to drop schema '${schema}': objects outside it depend on it (${outside.slice(0, 5).join('; ')}${outside.length > 5 ? '; …' : ''})`, {
      hint: 'Dropping it would drop those too. Remove or change them yourself, or choose another --schema.',
    });
  }
  await client.query(`DROP SCHEMA ${quoteIdent(schema)} CASCADE`);
}

function columnType(domain: EnumDomain, style: EnumStyle, nullable: boolean, def: string | undefined, column: string): string {
  const all = names(domain);
  const defCode = def === undefined ? undefined : all.indexOf(def);
  if (def !== undefined && (defCode === undefined || defCode < 0)) throw new Error(`bad default ${def} for ${domain}`);
  const nn = nullable ? '' : ' NOT NULL';
  switch (style) {
    case 'smallint':
      return `SMALLINT${nn}${def !== undefined ? ` DEFAULT ${defCode}` : ''}`;
    case 'varchar':
    case 'text': {
      const type = style === 'varchar' ? `VARCHAR(${VARCHAR_WIDTH[domain] ?? 50})` : 'TEXT';
      // The design's "before" table checks the status names; the others carry no CHECK.
      const check = domain === 'task_status' ? ` CHECK (${column} IN (${entries(domain).map(([, n]) => quoteLiteral(n)).join(', ')}))` : '';
      return `${type}${nn}${def !== undefined ? ` DEFAULT ${quoteLiteral(def)}` : ''}${check}`;
    }
    case 'enum':
      return `${domain}${nn}${def !== undefined ? ` DEFAULT ${quoteLiteral(def)}` : ''}`;
  }
}

/** Predicates of partial indexes, written for each style (codes vs names). */
function predicate(name: string, style: EnumStyle): string {
  const q = (domain: EnumDomain, codes: number[]) =>
    style === 'smallint' ? codes.map(String) : codes.map((c) => quoteLiteral(names(domain)[c]));
  switch (name) {
    case 'task_open':
      // docs/design.md, "Indexes": WHERE status < 5 (not completed, failed or cancelled).
      return style === 'smallint' ? 'status < 5' : `status IN (${q('task_status', [0, 1, 2, 3, 4]).join(', ')})`;
    case 'approval_pending':
      return `status = ${q('approval_status', [0])[0]}`;
    default:
      throw new Error(`unknown predicate ${name}`);
  }
}

/** Fill the templates of an .sql file for an enum style and schema. */
export function renderSql(sql: string, style: EnumStyle, schema: string): string {
  return sql
    .replace(/^(\s*)(\w+)(\s+)\{\{enum (\w+)((?: null)?)((?: default=\w+)?)\}\}/gm, (_m, indent, column, sp, domain, nul, def) =>
      `${indent}${column}${sp}${columnType(domain as EnumDomain, style, !!nul, def ? def.replace(' default=', '') : undefined, column)}`,
    )
    .replace(/\{\{pred (\w+)\}\}/g, (_m, name) => predicate(name, style))
    .replace(/\{\{schema_lit\}\}/g, quoteLiteral(schema));
}

/** Read one of db/schema/*.sql. */
export function readSql(name: string): string {
  return readFileSync(join(SQL_DIR, name), 'utf8');
}

/** Split an .sql file into statements at lines ending in ';', keeping $fn$ bodies whole. */
export function statements(sql: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let inBody = false;
  for (const line of sql.split('\n')) {
    if (!inBody && /^\s*--/.test(line)) continue;
    cur.push(line);
    if ((line.match(/\$fn\$/g) ?? []).length % 2 === 1) inBody = !inBody;
    if (!inBody && /;\s*$/.test(line)) {
      out.push(cur.join('\n').trim().replace(/;$/, ''));
      cur = [];
    }
  }
  const rest = cur.join('\n').trim();
  if (rest) out.push(rest);
  return out;
}

/** The secondary index and key statements, one per entry, for the style. */
export function indexStatements(style: EnumStyle, schema: string): Array<{ name: string; sql: string }> {
  return statements(renderSql(readSql('indexes.sql'), style, schema)).map((sql) => {
    const m = sql.match(/(?:CONSTRAINT|INDEX)\s+(\w+)/);
    return { name: m ? m[1] : sql.slice(0, 40), sql };
  });
}

/**
 * Create the schema, its marker, meta and load-log tables, enum types, tables and
 * monthly partitions, all in one transaction: a failure leaves nothing behind.
 */
export async function createSchema(client: pg.Client, schema: string, params: SchemaParams): Promise<void> {
  checkSchemaName(schema);
  const s = quoteIdent(schema);
  await client.query('BEGIN');
  try {
    await client.query(`CREATE SCHEMA ${s}`);
    await client.query(`COMMENT ON SCHEMA ${s} IS ${quoteLiteral(`${MARKER} — created by pgscale; dropped only by pgscale`)}`);
    await client.query(`SET LOCAL search_path TO ${s}`);
    await client.query(`CREATE TABLE _pgscale_meta (
      singleton BOOLEAN PRIMARY KEY DEFAULT true CHECK (singleton),
      params JSONB NOT NULL, state TEXT NOT NULL, pgscale_version TEXT NOT NULL,
      created_at TIMESTAMPTZ NOT NULL DEFAULT now(), updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    await client.query(`CREATE TABLE _pgscale_load_log (
      grp TEXT NOT NULL, chunk INTEGER NOT NULL, rows JSONB NOT NULL, bytes BIGINT NOT NULL,
      seconds DOUBLE PRECISION NOT NULL, committed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
      PRIMARY KEY (grp, chunk))`);
    if (params.enums === 'enum') {
      for (const domain of Object.keys(ENUMS) as EnumDomain[]) {
        await client.query(`CREATE TYPE ${domain} AS ENUM (${entries(domain).map(([, n]) => quoteLiteral(n)).join(', ')})`);
      }
    }
    for (const stmt of statements(renderSql(readSql('tables.sql'), params.enums, schema))) await client.query(stmt);
    for (let m = 0; m < params.months; m++) {
      for (const table of ['message_history', 'analytics_events']) {
        await client.query('SELECT create_monthly_partition($1, $2::date)', [table, monthDate(m)]);
      }
    }
    await client.query(`INSERT INTO _pgscale_meta (params, state, pgscale_version) VALUES ($1, 'loading', $2)`, [JSON.stringify(params), VERSION]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK');
    throw err;
  }
}

/** Record the load's progress in the meta table. */
export async function setState(client: pg.Client, schema: string, state: SchemaState): Promise<void> {
  await client.query(`UPDATE ${quoteIdent(schema)}._pgscale_meta SET state = $1, updated_at = now()`, [state]);
}

/** Do two parameter sets describe the same data? */
export function sameData(a: SchemaParams, b: SchemaParams): boolean {
  return a.scale === b.scale && a.seed === b.seed && a.months === b.months && a.enums === b.enums && a.generatorVersion === b.generatorVersion && sameShard(a.shard, b.shard) && a.distribute === b.distribute;
}

/** One shard's part of a data set is not the whole of it, nor another shard's part. */
function sameShard(a: ShardPosition | undefined, b: ShardPosition | undefined): boolean {
  return a === undefined || b === undefined ? a === b : a.index === b.index && a.count === b.count && a.placement === b.placement;
}

/**
 * The record of traffic runs that wrote to a data set (`_pgscale_traffic`): who wrote,
 * when, over which stretch of the data set's clock, and how many transactions of each
 * kind. Scenarios reload a data set with entries here; the next traffic run continues
 * the clock from the last entry.
 */
export interface TrafficWrite {
  startedAt: Date;
  finishedAt: Date;
  clockFromMs: number;
  clockToMs: number;
  tool: string;
  transactions: Record<string, number>;
}

const TRAFFIC_LOG = `CREATE TABLE IF NOT EXISTS %s._pgscale_traffic (
  id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  started_at  TIMESTAMPTZ NOT NULL,
  finished_at TIMESTAMPTZ NOT NULL,
  clock_from  TIMESTAMPTZ NOT NULL,
  clock_to    TIMESTAMPTZ NOT NULL,
  tool        TEXT NOT NULL,
  transactions JSONB NOT NULL
)`;

async function hasTrafficLog(client: pg.Client, schema: string): Promise<boolean> {
  const r = await client.query<{ exists: boolean }>(`SELECT to_regclass(format('%I._pgscale_traffic', $1::text)) IS NOT NULL AS exists`, [schema]);
  return r.rows[0].exists;
}

/** Transactions traffic runs have committed into a data set (0 when none ran). */
export async function trafficWrites(client: pg.Client, schema: string): Promise<number> {
  if (!(await hasTrafficLog(client, schema))) return 0;
  const sum = await client.query<{ n: string | null }>(
    `SELECT sum(value::bigint) AS n FROM ${quoteIdent(schema)}._pgscale_traffic, jsonb_each_text(transactions)`,
  );
  return Number(sum.rows[0].n ?? 0);
}

/** Where the data set's clock stands: the end of its last traffic run, else the end of its generated span. */
export async function trafficClock(client: pg.Client, schema: string, spanEndMs: number): Promise<number> {
  if (!(await hasTrafficLog(client, schema))) return spanEndMs;
  const last = await client.query<{ t: Date | null }>(`SELECT max(clock_to) AS t FROM ${quoteIdent(schema)}._pgscale_traffic`);
  return Math.max(spanEndMs, last.rows[0].t?.getTime() ?? 0);
}

/** Append a traffic run to the data set's record. */
export async function recordTrafficWrite(client: pg.Client, schema: string, w: TrafficWrite): Promise<void> {
  await client.query(TRAFFIC_LOG.replace('%s', quoteIdent(schema)));
  await client.query(
    `INSERT INTO ${quoteIdent(schema)}._pgscale_traffic (started_at, finished_at, clock_from, clock_to, tool, transactions) VALUES ($1, $2, $3, $4, $5, $6)`,
    [w.startedAt, w.finishedAt, new Date(w.clockFromMs), new Date(w.clockToMs), w.tool, JSON.stringify(w.transactions)],
  );
}

/** pgscale's schemas in state `scratch` on this server. */
export async function scratchSchemas(client: pg.Client): Promise<string[]> {
  const r = await client.query<{ nspname: string }>(
    `SELECT n.nspname FROM pg_namespace n
      WHERE obj_description(n.oid, 'pg_namespace') LIKE $1 || '%'
        AND to_regclass(format('%I._pgscale_meta', n.nspname)) IS NOT NULL
      ORDER BY 1`,
    [MARKER],
  );
  const out: string[] = [];
  for (const { nspname } of r.rows) if ((await inspectSchema(client, nspname)).state === 'scratch') out.push(nspname);
  return out;
}

/**
 * Drop the scratch schemas no live session holds (each run holds the lock of its own):
 * what an interrupted or killed run left behind. Returns the names dropped.
 */
export async function dropLeftoverScratch(client: pg.Client): Promise<string[]> {
  const dropped: string[] = [];
  for (const schema of await scratchSchemas(client)) {
    if (!(await tryLockDataset(client, schema))) continue;
    try {
      await dropOwnedSchema(client, schema);
      dropped.push(schema);
    } finally {
      await unlockDataset(client, schema);
    }
  }
  return dropped;
}
