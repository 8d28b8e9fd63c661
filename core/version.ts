/** pgscale's version and the git commit it runs from (for results fingerprints). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export const VERSION: string = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

let sha: string | undefined;
/** The checkout's commit, `unknown` outside a git checkout; `-dirty` when files changed. */
export function gitSha(): string {
  if (sha !== undefined) return sha;
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim();
    sha = dirty ? `${head}-dirty` : head;
  } catch {
    sha = 'unknown';
  }
  return sha;
}
