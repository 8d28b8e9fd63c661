/**
 * Where Postgres comes from. One resolver with a fixed fallback order:
 * `--database-url` → `--target` → `DATABASE_URL` → libpq `PG*` variables → embedded.
 */
import pg from 'pg';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { CITUS_IMAGE, startCitusCluster } from './citus-container.ts';
import { startContainer } from './container.ts';
import { startEmbedded } from './embedded.ts';
import { PgscaleError } from '../core/errors.ts';
import { toPgscaleError } from './errors.ts';
import { describeUrl } from './redact.ts';

export type TargetKind = 'embedded' | 'url' | 'container';

export type TargetSpec =
  | { kind: 'url'; url?: string; source: string }
  | { kind: 'container'; image: string }
  /** `--target container:citus`: a coordinator and two workers; pgscale talks to the coordinator. */
  | { kind: 'citus'; image: string }
  | { kind: 'embedded'; home: string; port?: number; memoryBytes?: number };

export interface TargetFlags {
  databaseUrl?: string;
  target?: string;
  dataDir?: string;
}

/** Default container image for `--target container`. */
export const DEFAULT_IMAGE = 'postgres:18';

/** Resolve where Postgres comes from, without connecting. Pure: flags and env in, spec out. */
export function resolveTargetSpec(flags: TargetFlags, env: NodeJS.ProcessEnv, cwd: string): TargetSpec {
  if (flags.databaseUrl) return { kind: 'url', url: checkUrl(flags.databaseUrl, '--database-url'), source: '--database-url' };
  if (flags.target) {
    const [kind, ...rest] = flags.target.split(':');
    const image = rest.join(':');
    // `citus` alone names the cluster; an image with a tag or registry (citusdata/citus:13.0.2) is a single server.
    if (kind === 'container' && image === 'citus') return { kind: 'citus', image: CITUS_IMAGE };
    if (kind === 'container') return { kind: 'container', image: image || DEFAULT_IMAGE };
    if (kind === 'embedded' && !image) return { kind: 'embedded', home: embeddedHome(flags, env, cwd) };
    throw new PgscaleError('USAGE', `unknown --target '${flags.target}'`, {
      hint: 'Use --target embedded, --target container, --target container:IMAGE (e.g. postgres:16) or --target container:citus, or --database-url URL for a server you run.',
    });
  }
  if (env.DATABASE_URL) return { kind: 'url', url: checkUrl(env.DATABASE_URL, 'DATABASE_URL'), source: 'DATABASE_URL' };
  const libpq = ['PGHOST', 'PGHOSTADDR', 'PGPORT', 'PGDATABASE'].filter((k) => env[k]);
  if (libpq.length) return { kind: 'url', source: libpq.join(', ') };
  return { kind: 'embedded', home: embeddedHome(flags, env, cwd) };
}

/** The embedded server's home folder: `--data-dir`, then `PGSCALE_HOME`, then `.pgscale` in the working directory. */
export function embeddedHome(flags: Pick<TargetFlags, 'dataDir'>, env: NodeJS.ProcessEnv, cwd: string): string {
  return flags.dataDir ?? env.PGSCALE_HOME ?? join(cwd, '.pgscale');
}

/** Refuse a connection string that is not a postgres:// URL, naming the flag it came from. */
export function checkUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new PgscaleError('USAGE', `${from} is not a valid URL`, {
      hint: 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
    });
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new PgscaleError('USAGE', `${from} must start with postgres:// or postgresql:// (got ${parsed.protocol}//)`, {
      hint: 'Use the form postgres://USER:PASSWORD@HOST:PORT/DATABASE.',
    });
  }
  if (parsed.port && !(Number(parsed.port) > 0 && Number(parsed.port) < 65536)) {
    throw new PgscaleError('USAGE', `${from} has an invalid port '${parsed.port}'`);
  }
  return url;
}

/** An open target: how to connect, what it is, and how to let go of it. */
export interface Target {
  kind: TargetKind;
  /** For messages and results: host:port/db and user, never a password. */
  describe: string;
  config: pg.ClientConfig;
  /** Settings pgscale applied to a server it started. */
  settings: Record<string, string>;
  /** Open one client (with pgscale's application_name); errors come back as PgscaleError. */
  connect(): Promise<pg.Client>;
  close(): Promise<void>;
}

/**
 * A connection config with `-c NAME=VALUE` startup options added (replacing the same
 * names): into the URL's `options` parameter when it has one (node-postgres lets the URL
 * win over `options`), else into `options`.
 */
export function withStartupOptions(config: pg.ClientConfig, settings: Record<string, string>): pg.ClientConfig {
  const url = config.connectionString ? new URL(config.connectionString) : undefined;
  const fromUrl = url?.searchParams.get('options');
  const current = (fromUrl ?? config.options ?? '').trim();
  const names = Object.keys(settings).map((k) => k.toLowerCase());
  // Drop earlier settings of the same names: `-c name=value` or `--name=value`.
  const kept = current
    .split(/\s+(?=-c\s|--)/)
    .filter((part) => part && !names.includes(/^(?:-c\s*|--)([^=\s]+)=/.exec(part)?.[1]?.toLowerCase() ?? ''));
  const options = [...kept, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)].join(' ');
  if (url && fromUrl !== null) {
    url.searchParams.set('options', options);
    return { ...config, connectionString: url.toString() };
  }
  return { ...config, options };
}

function makeTarget(kind: TargetKind, describe: string, config: pg.ClientConfig, settings: Record<string, string>, close: () => Promise<void>): Target {
  // pgscale's sessions run in UTC whatever the server's or database's time zone: the data,
  // its partition bounds and every month a scenario reasons in are UTC months.
  const full: pg.ClientConfig = withStartupOptions({ application_name: 'pgscale', connectionTimeoutMillis: 15_000, ...config }, { TimeZone: 'UTC' });
  return {
    kind,
    describe,
    config: full,
    settings,
    async connect() {
      for (let attempt = 0; ; attempt++) {
        const client = new pg.Client(full);
        // node-postgres emits 'error' on an idle client whose server went away; unheard, that
        // event kills the process. Keep it on the client: its next query fails and is reported.
        client.on('error', (err) => {
          (client as pg.Client & { lostWith?: Error }).lostWith = err;
        });
        try {
          await client.connect();
          return client;
        } catch (err) {
          // 57P03: "the database system is starting up" — a shared server still starting.
          if ((err as { code?: string }).code === '57P03' && attempt < 50) {
            await new Promise((r) => setTimeout(r, 200));
            continue;
          }
          throw toPgscaleError(err, { where: describe });
        }
      }
    },
    close,
  };
}

/** Open the target: start the embedded server or a container when that is the choice. */
export async function openTarget(spec: TargetSpec, log: (line: string) => void = () => {}): Promise<Target> {
  if (spec.kind === 'url') {
    const config: pg.ClientConfig = spec.url ? { connectionString: spec.url } : {};
    const probe = new pg.Client(config);
    // pg fills missing fields from PGHOST/PGUSER/… itself; show what it resolved.
    const describe = spec.url
      ? describeUrl(spec.url)
      : `postgres://${probe.user ?? ''}@${probe.host}:${probe.port}/${probe.database ?? ''} (from ${spec.source})`;
    return makeTarget('url', describe, config, {}, async () => {});
  }
  if (spec.kind === 'citus') {
    const c = await startCitusCluster(spec.image, totalmem(), log);
    return makeTarget('container', c.describe, c.config, c.settings, c.stop);
  }
  if (spec.kind === 'container') {
    const c = await startContainer(spec.image, totalmem(), log);
    return makeTarget('container', c.describe, c.config, c.settings, c.stop);
  }
  const server = await startEmbedded({ home: spec.home, port: spec.port, memoryBytes: spec.memoryBytes, log });
  const config = { host: server.host, port: server.port, user: server.user, password: server.password, database: server.database };
  return makeTarget('embedded', `embedded PostgreSQL at ${server.host}:${server.port} (${server.dataDir})`, config, server.settings, server.stop);
}
