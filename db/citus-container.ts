/**
 * `--target container:citus`: a Citus cluster in Docker through testcontainers — one
 * coordinator and two workers from the official image on a network of their own, the
 * workers registered with the coordinator. pgscale connects to the coordinator only; load
 * with `--distribute citus` to spread the data over the workers. Needs a Docker engine.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PgscaleError } from '../core/errors.ts';
import { containerPlan } from './container.ts';
import type { StartedContainer } from './container.ts';
import { quoteLiteral } from './quote.ts';

/** The official Citus image, pinned (PostgreSQL 17 inside); the same tag as docker-compose.yml's citus profile. */
export const CITUS_IMAGE = 'citusdata/citus:13.0.2';

/** User and database on every node: the image creates the citus extension in POSTGRES_DB. */
const USER = 'pgscale';
const DATABASE = 'pgscale';

export interface CitusNodePlan {
  /** Network alias, the host name the coordinator registers. */
  alias: string;
  role: 'coordinator' | 'worker';
  shmBytes: number;
  command: string[];
}

export interface CitusClusterPlan {
  image: string;
  nodes: CitusNodePlan[];
  settings: Record<string, string>;
}

/**
 * How the cluster is started: pure, so it can be checked without Docker. Each node gets a
 * third of the machine's memory; citus must come first in shared_preload_libraries (the
 * extension refuses to load otherwise), ahead of the tuned settings' own libraries.
 */
export function citusClusterPlan(image: string, memoryBytes: number, workers = 2): CitusClusterPlan {
  const base = containerPlan(image, Math.floor(memoryBytes / (workers + 1)));
  const preload = ['citus', ...(base.settings.shared_preload_libraries ?? '').split(',').filter((l) => l && l !== 'citus')].join(',');
  const settings = { ...base.settings, shared_preload_libraries: preload };
  const command = ['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const node = (alias: string, role: CitusNodePlan['role']): CitusNodePlan => ({ alias, role, shmBytes: base.shmBytes, command });
  return {
    image,
    nodes: [node('coordinator', 'coordinator'), ...Array.from({ length: workers }, (_, i) => node(`worker-${i + 1}`, 'worker'))],
    settings,
  };
}

/**
 * What the coordinator runs to take the workers in, in order: the password the nodes use
 * among themselves (pg_dist_authinfo, nodeid 0 = every node; Citus docs, "Node
 * authentication"), the coordinator's own host name (so workers can reach it), then each
 * worker. Every step can be run again without harm.
 */
export function registrationStatements(plan: CitusClusterPlan, password: string): string[] {
  const workers = plan.nodes.filter((n) => n.role === 'worker');
  const coordinator = plan.nodes.find((n) => n.role === 'coordinator')!;
  return [
    `INSERT INTO pg_dist_authinfo (nodeid, rolename, authinfo) SELECT 0, ${quoteLiteral(USER)}, ${quoteLiteral(`password=${password}`)}
      WHERE NOT EXISTS (SELECT 1 FROM pg_dist_authinfo WHERE nodeid = 0 AND rolename = ${quoteLiteral(USER)})`,
    `SELECT citus_set_coordinator_host(${quoteLiteral(coordinator.alias)}, 5432)`,
    ...workers.map((w) => `SELECT citus_add_node(${quoteLiteral(w.alias)}, 5432)`),
  ];
}

/** Start the cluster and register its workers; a missing Docker engine becomes a clear PgscaleError. */
export async function startCitusCluster(image: string, memoryBytes: number, log: (line: string) => void): Promise<StartedContainer> {
  const plan = citusClusterPlan(image, memoryBytes);
  let tc: typeof import('testcontainers');
  try {
    tc = await import('testcontainers');
  } catch (err) {
    throw new PgscaleError('DOCKER', 'the testcontainers packages are not installed', { hint: 'Run npm install.', cause: err });
  }
  const password = randomBytes(12).toString('base64url');
  log(`container: starting a Citus cluster from ${image}: a coordinator and ${plan.nodes.length - 1} workers`);
  const stops: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    // Containers first, then the network they are on; each stop is attempted.
    const errors: unknown[] = [];
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => errors.push(err));
    if (errors.length) throw new PgscaleError('DOCKER', `could not stop the Citus cluster cleanly: ${String((errors[0] as Error).message ?? errors[0])}`, { cause: errors[0] });
  };
  try {
    const network = await new tc.Network().start();
    stops.push(() => network.stop());
    const started = await Promise.all(
      plan.nodes.map((n) => {
        let c = new tc.GenericContainer(image)
          .withNetwork(network)
          .withNetworkAliases(n.alias)
          .withEnvironment({ POSTGRES_USER: USER, POSTGRES_PASSWORD: password, POSTGRES_DB: DATABASE })
          .withSharedMemorySize(n.shmBytes)
          .withCommand(n.command)
          // The image's entrypoint starts a temporary server for initdb scripts first.
          .withWaitStrategy(tc.Wait.forLogMessage(/database system is ready to accept connections/, 2));
        if (n.role === 'coordinator') c = c.withExposedPorts(5432);
        return c.start();
      }),
    );
    for (const c of started) stops.push(() => c.stop());
    const coordinator = started[0];
    const config = { host: coordinator.getHost(), port: coordinator.getMappedPort(5432), user: USER, password, database: DATABASE };
    const client = new pg.Client(config);
    await client.connect();
    try {
      for (const sql of registrationStatements(plan, password)) await client.query(sql);
    } finally {
      await client.end();
    }
    log(`container: Citus coordinator at ${config.host}:${config.port}, workers ${plan.nodes.slice(1).map((n) => n.alias).join(', ')} registered`);
    return { describe: `Citus cluster ${image} (coordinator at ${config.host}:${config.port}, ${plan.nodes.length - 1} workers)`, config, settings: plan.settings, stop: stopAll };
  } catch (err) {
    await stopAll().catch(() => undefined); // the start's own error is the one to report
    const msg = (err as Error).message ?? String(err);
    if (/container runtime|docker|ENOENT|socket/i.test(msg)) {
      throw new PgscaleError('DOCKER', `--target container:citus needs a Docker engine, and none answers: ${msg}`, {
        hint: 'Start Docker (or set DOCKER_HOST), or run the citus profile of docker-compose.yml and pass its coordinator with --database-url.',
        cause: err,
      });
    }
    throw new PgscaleError('DOCKER', `could not start the Citus cluster from ${image}: ${msg}`, { cause: err });
  }
}
