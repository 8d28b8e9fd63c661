/**
 * autovacuum_naptime for the span of the scenario. The launcher looks at each database
 * once per naptime (60 s by default, a server-wide setting that no table can override),
 * so an arm of a minute would see one autovacuum at most, or none, whatever the tables'
 * own settings say. On a server pgscale started (embedded or container) it may shorten
 * the naptime in proportion to the arms, with ALTER SYSTEM and pg_reload_conf(), and puts
 * back exactly what postgresql.auto.conf held afterwards. A server given by URL is the
 * user's: its settings are never changed, and the caller says what its naptime allows.
 * https://www.postgresql.org/docs/current/routine-vacuuming.html#AUTOVACUUM
 */
import type pg from 'pg';
import { quoteLiteral } from '../../db/quote.ts';
import type { Target } from '../../db/target.ts';
import { namedStatements, readSql, statement } from '../sql.ts';

const sql = namedStatements(readSql(import.meta.url, 'stats.sql'));

// One autovacuum scenario at a time may hold a changed naptime on a server: a second one
// would otherwise save the first one's value as "the server's" and restore that.
const LOCK = "hashtextextended('pgscale autovacuum_naptime', 0)";

/** The naptime the arms ran under, and how it came to be. */
export interface Naptime {
  /** Seconds in effect during the arms. */
  seconds: number;
  /** The server's own value before the scenario. */
  serverSeconds: number;
  /** pgscale changed it for the scenario (restore() puts it back). */
  changed: boolean;
  /** Why the server's value stayed, when pgscale would have shortened it. */
  kept?: string;
  /** autovacuum = on and track_counts = on: the launcher runs at all. */
  autovacuumRuns: boolean;
  restore(): Promise<void>;
}

interface Row {
  seconds: number;
  autovacuum: string;
  track_counts: string;
}

async function read(client: pg.Client): Promise<Row> {
  return (await client.query<Row>(statement(sql, 'naptime'))).rows[0];
}

/** Wait until the reloaded configuration shows `seconds` (pg_reload_conf only signals the postmaster). */
async function untilInEffect(client: pg.Client, seconds: number): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await read(client)).seconds === seconds) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`autovacuum_naptime did not become ${seconds} s within 5 s of pg_reload_conf()`);
}

/**
 * Shorten the naptime to `wanted` seconds where pgscale manages the server and may
 * (superuser, or ALTER SYSTEM granted); else keep the server's and say why. Holds an
 * advisory lock on `client` until restore(), which the caller runs in a finally.
 */
export async function scenarioNaptime(client: pg.Client, target: Pick<Target, 'kind'>, wanted: number): Promise<Naptime> {
  const before = await read(client);
  const base = { serverSeconds: before.seconds, autovacuumRuns: before.autovacuum === 'on' && before.track_counts === 'on' };
  const keep = (kept?: string): Naptime => ({ ...base, seconds: before.seconds, changed: false, kept, restore: async () => {} });
  if (before.seconds <= wanted) return keep();
  if (target.kind === 'url') return keep('pgscale never changes the settings of a server given by URL');
  await client.query(`SELECT pg_advisory_lock(${LOCK})`);
  let autoConf: string | undefined;
  try {
    autoConf = (await client.query<{ setting: string }>(statement(sql, 'naptime-auto-conf'))).rows[0]?.setting;
    await client.query(`ALTER SYSTEM SET autovacuum_naptime = ${quoteLiteral(`${wanted}s`)}`);
  } catch (err) {
    await client.query(`SELECT pg_advisory_unlock(${LOCK})`);
    // 42501: ALTER SYSTEM (and pg_file_settings) need superuser, or GRANT ALTER SYSTEM ON
    // PARAMETER and pg_read_all_settings (PostgreSQL 15+).
    if ((err as { code?: string }).code === '42501') return keep(`this role may not change it (${(err as Error).message})`);
    throw err;
  }
  const restore = async () => {
    try {
      await client.query(autoConf === undefined ? 'ALTER SYSTEM RESET autovacuum_naptime' : `ALTER SYSTEM SET autovacuum_naptime = ${quoteLiteral(autoConf)}`);
      await client.query('SELECT pg_reload_conf()');
      await untilInEffect(client, before.seconds);
    } finally {
      await client.query(`SELECT pg_advisory_unlock(${LOCK})`);
    }
  };
  try {
    await client.query('SELECT pg_reload_conf()');
    await untilInEffect(client, wanted);
  } catch (err) {
    await restore();
    throw err;
  }
  return { ...base, seconds: wanted, changed: true, restore };
}
