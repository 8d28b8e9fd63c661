/**
 * `--target container[:IMAGE]`: a pinned PostgreSQL in Docker through testcontainers, for
 * comparing server versions (e.g. postgres:16 against postgres:18). Needs a Docker engine.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { PgscaleError } from '../core/errors.ts';
import { tunedSettings } from './embedded.ts';

export interface ContainerPlan {
  image: string;
  /** /dev/shm size in bytes: Docker's 64 MB default breaks parallel query and large shared memory. */
  shmBytes: number;
  command: string[];
  settings: Record<string, string>;
}

/** What the container is started with: pure, so it can be checked without Docker. */
export function containerPlan(image: string, memoryBytes: number): ContainerPlan {
  const settings = { ...tunedSettings(memoryBytes) };
  // Inside the container Postgres must listen on all interfaces and keep its socket.
  delete (settings as Record<string, string>).listen_addresses;
  delete (settings as Record<string, string>).unix_socket_directories;
  const shared = parseMb(settings.shared_buffers ?? '128MB');
  return {
    image,
    shmBytes: Math.max(1024, shared * 2) * 1024 * 1024,
    command: ['postgres', ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    settings,
  };
}

function parseMb(v: string): number {
  return Number(v.replace(/MB$/, '')) || 128;
}

export interface StartedContainer {
  describe: string;
  config: pg.ClientConfig;
  settings: Record<string, string>;
  stop(): Promise<void>;
}

/** Start the container; a missing Docker engine becomes a clear PgscaleError. */
export async function startContainer(image: string, memoryBytes: number, log: (line: string) => void): Promise<StartedContainer> {
  const plan = containerPlan(image, memoryBytes);
  let mod: typeof import('@testcontainers/postgresql');
  try {
    mod = await import('@testcontainers/postgresql');
  } catch (err) {
    throw new PgscaleError('DOCKER', 'the testcontainers packages are not installed', { hint: 'Run npm install.', cause: err });
  }
  const password = randomBytes(12).toString('base64url');
  log(`container: starting ${image} (shm ${Math.round(plan.shmBytes / 1048576)} MB)`);
  try {
    const started = await new mod.PostgreSqlContainer(image)
      .withUsername('pgscale')
      .withPassword(password)
      .withDatabase('pgscale')
      .withSharedMemorySize(plan.shmBytes)
      .withCommand(plan.command)
      .start();
    const config = { host: started.getHost(), port: started.getPort(), user: 'pgscale', password, database: 'pgscale' };
    return {
      describe: `container ${image} at ${config.host}:${config.port}`,
      config,
      settings: plan.settings,
      stop: async () => {
        await started.stop();
      },
    };
  } catch (err) {
    const msg = (err as Error).message ?? String(err);
    if (/container runtime|docker|ENOENT|socket/i.test(msg)) {
      throw new PgscaleError('DOCKER', `--target container needs a Docker engine, and none answers: ${msg}`, {
        hint: 'Start Docker (or set DOCKER_HOST), or drop --target to use the embedded server, or pass --database-url.',
        cause: err,
      });
    }
    throw new PgscaleError('DOCKER', `could not start container ${image}: ${msg}`, { cause: err });
  }
}
