import { execFileSync } from 'node:child_process';

/**
 * Does a Docker engine answer? Undefined when one does, else why not (`docker` may be
 * only a client, as on this project's CI): the container tests print it as they skip.
 */
export function dockerEngine(): string | undefined {
  try {
    execFileSync('docker', ['info', '--format', '{{.ServerVersion}}'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
    return undefined;
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    return e.code === 'ENOENT' ? 'the docker command is not installed' : (e.stderr?.toString().trim().split('\n')[0] ?? 'docker info failed');
  }
}
