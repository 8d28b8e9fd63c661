/** pgscale's version and the git commit it runs from (for results fingerprints). */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isSource } from './module-url.ts';

/**
 * The folder holding pgscale's package.json: the checkout (this file is core/version.ts)
 * or the installed package (this file is dist/core/version.js).
 */
export const PACKAGE_ROOT = resolve(fileURLToPath(new URL(isSource(import.meta.url) ? '..' : '../..', import.meta.url)));

export const VERSION: string = (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/**
 * True when pgscale runs from a git checkout of its own. An installed package has no
 * .git; asking git there would answer for whatever repository encloses node_modules.
 */
export function isGitCheckout(): boolean {
  return existsSync(join(PACKAGE_ROOT, '.git'));
}

let sha: string | undefined;
/** The checkout's commit, `unknown` outside a git checkout; `-dirty` when files changed. */
export function gitSha(): string {
  if (sha !== undefined) return sha;
  if (!isGitCheckout()) return (sha = 'unknown');
  try {
    const head = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: PACKAGE_ROOT, stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: PACKAGE_ROOT,
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
