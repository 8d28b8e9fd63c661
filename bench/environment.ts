/**
 * The environment fingerprint every result carries: what server, with which settings,
 * on what machine, measured by which pgscale. Never a password: the server is
 * described by the target (host:port/db and user), and passes through redaction again.
 */
import { availableParallelism, cpus, release, totalmem, type as osType, arch } from 'node:os';
import type pg from 'pg';
import { gitSha, VERSION } from '../core/version.ts';
import { redactSecrets } from '../db/redact.ts';
import type { Target } from '../db/target.ts';

/** Settings that shape plans, memory or I/O: always recorded, default or not. */
export const KEY_SETTINGS = [
  'shared_buffers',
  'work_mem',
  'maintenance_work_mem',
  'effective_cache_size',
  'random_page_cost',
  'seq_page_cost',
  'effective_io_concurrency',
  'jit',
  'max_parallel_workers_per_gather',
  'max_parallel_workers',
  'max_worker_processes',
  'huge_pages',
  'wal_level',
  'synchronous_commit',
  'fsync',
  'full_page_writes',
  'checkpoint_timeout',
  'max_wal_size',
  'default_statistics_target',
  'shared_preload_libraries',
] as const;

/**
 * Non-default settings that say nothing about performance or change between runs of
 * the same setup (ports, paths, locale, logging, per-connection client settings).
 */
const NOISE = /^(lc_|log_|syslog_|ssl|krb_|application_name$|client_encoding$|datestyle$|timezone$|intervalstyle$|default_text_search_config$|port$|listen_addresses$|unix_socket_|data_directory$|hba_file$|ident_file$|config_file$|external_pid_file$|cluster_name$|dynamic_shared_memory_type$|transaction_|search_path$|event_source$|archive_command$|restore_command$|primary_conninfo$)/i;

export interface EnvironmentFingerprint {
  postgres: { version: string; versionNum: number; settings: Record<string, string> };
  cpu: string;
  cpus: number;
  memoryBytes: number;
  os: string;
  node: string;
  target: Target['kind'];
  server: string;
  /** The zone the server's sessions get by default (the database's setting, else the server's); pgscale's own run in UTC. */
  serverTimeZone?: string;
  cacheState?: string;
}

export interface ToolFingerprint {
  name: 'pgscale';
  version: string;
  gitSha: string;
}

/** Postgres version and the settings that matter, as the server reports them (with units). */
export async function postgresFingerprint(client: pg.Client): Promise<EnvironmentFingerprint['postgres']> {
  const v = await client.query<{ version: string; num: string }>(`SELECT version() AS version, current_setting('server_version_num') AS num`);
  // current_setting() gives the value with its unit (128MB, 30min), as a user writes it.
  const s = await client.query<{ name: string; value: string }>(
    `SELECT name, current_setting(name) AS value FROM pg_settings
      WHERE (source NOT IN ('default', 'override', 'client', 'session') OR name = ANY($1::text[]))
      ORDER BY name`,
    [KEY_SETTINGS as unknown as string[]],
  );
  const settings: Record<string, string> = {};
  for (const row of s.rows) {
    if (NOISE.test(row.name) && !(KEY_SETTINGS as readonly string[]).includes(row.name)) continue;
    settings[row.name] = row.value;
  }
  return { version: v.rows[0].version, versionNum: Number(v.rows[0].num), settings };
}

/**
 * The time zone a session gets when it does not ask: the database's own setting, else
 * the server's configuration file (readable by superusers and pg_read_all_settings),
 * else the value before pgscale's connection asked for UTC when that is all there is.
 */
export async function serverTimeZone(client: pg.Client): Promise<string | undefined> {
  const db = await client.query<{ zone: string | null }>(
    `SELECT (SELECT split_part(cfg, '=', 2) FROM pg_db_role_setting s, unnest(s.setconfig) cfg
              WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND s.setrole = 0 AND lower(split_part(cfg, '=', 1)) = 'timezone') AS zone`,
  );
  if (db.rows[0].zone) return db.rows[0].zone;
  try {
    const file = await client.query<{ setting: string }>(`SELECT setting FROM pg_file_settings WHERE lower(name) = 'timezone' AND applied ORDER BY seqno DESC LIMIT 1`);
    if (file.rows[0]) return file.rows[0].setting;
  } catch {
    // pg_file_settings is for superusers and pg_read_all_settings: not knowable here.
  }
  return undefined;
}

/**
 * The whole fingerprint: server, machine (the one running pgscale: for a remote
 * `--database-url` server, CPU and memory are the client's), Node and target.
 */
export async function environmentFingerprint(client: pg.Client, target: Pick<Target, 'kind' | 'describe'>, cacheState?: string): Promise<EnvironmentFingerprint> {
  const cpuList = cpus();
  const zone = await serverTimeZone(client);
  return {
    postgres: await postgresFingerprint(client),
    cpu: cpuList[0]?.model?.trim() || 'unknown',
    cpus: cpuList.length || availableParallelism(),
    memoryBytes: totalmem(),
    os: `${osType()} ${release()} ${arch()}`,
    node: process.version,
    target: target.kind,
    server: redactSecrets(target.describe),
    ...(zone ? { serverTimeZone: zone } : {}),
    ...(cacheState ? { cacheState } : {}),
  };
}

/** pgscale's own version and the commit it runs from. */
export function toolFingerprint(): ToolFingerprint {
  return { name: 'pgscale', version: VERSION, gitSha: gitSha() };
}
