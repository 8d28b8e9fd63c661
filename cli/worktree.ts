/**
 * The baseline build of a paired run: a detached `git worktree` of the commit, with its
 * dependencies installed (`npm ci`; the current checkout's node_modules, linked, when
 * the two lockfiles are byte-identical). Kept under `.pgscale/baseline/<sha>` and reused
 * by the next paired run against the same commit.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PgscaleError } from '../core/errors.ts';
import { isGitCheckout, PACKAGE_ROOT } from '../core/version.ts';

/** The checkout pgscale runs from. */
export const PGSCALE_ROOT = PACKAGE_ROOT;

function git(args: string[], cwd = PGSCALE_ROOT): string {
  return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
}

/** The commit a ref names, or a usage error saying what is wrong. */
export function resolveRef(ref: string): string {
  // An installed package has no .git: git would answer for an enclosing repository.
  if (!isGitCheckout()) {
    throw new PgscaleError('USAGE', `--baseline-ref needs pgscale to run from a git clone (${PGSCALE_ROOT} is not one)`, {
      hint: 'Clone the repository (git clone …) and run pgscale from it, or compare two stored runs with `pgscale compare BASELINE.json CURRENT.json`.',
    });
  }
  try {
    return git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch {
    throw new PgscaleError('USAGE', `--baseline-ref ${ref}: no such commit in ${PGSCALE_ROOT}`, {
      hint: 'Name a commit, branch or tag this clone has (git fetch it first), e.g. --baseline-ref HEAD~1 or --baseline-ref origin/main.',
    });
  }
}

/** The current checkout's commit. */
export function currentCommit(): string {
  return git(['rev-parse', 'HEAD']);
}

export interface BaselineBuild {
  sha: string;
  dir: string;
  /** The baseline's CLI entry point. */
  entry: string;
  /** How its dependencies got there. */
  install: 'linked' | 'npm ci' | 'reused';
}

const READY = '.pgscale-ready';

/**
 * Check out `sha` into a worktree and install its dependencies (once per commit). `log`
 * gets progress lines; npm's own output goes to the worktree's `npm-ci.log`.
 */
export function prepareBaseline(sha: string, log: (line: string) => void): BaselineBuild {
  const dir = join(PGSCALE_ROOT, '.pgscale', 'baseline', sha);
  const entry = join(dir, 'bin', 'pgscale.js');
  if (existsSync(join(dir, READY))) return { sha, dir, entry, install: 'reused' };
  mkdirSync(dirname(dir), { recursive: true });
  // A half-made worktree (an interrupted checkout or install) is made again.
  if (existsSync(dir)) {
    try {
      git(['worktree', 'remove', '--force', dir]);
    } catch {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  git(['worktree', 'prune']);
  log(`baseline: checking out ${sha.slice(0, 10)} into ${dir}`);
  git(['worktree', 'add', '--detach', '--force', dir, sha]);
  if (!existsSync(entry)) {
    throw new PgscaleError('USAGE', `the baseline commit ${sha.slice(0, 10)} has no bin/pgscale.js: it predates the pgscale CLI and cannot be run as a baseline`, {
      hint: 'Choose a later commit for --baseline-ref.',
    });
  }
  let install: BaselineBuild['install'];
  const lock = (root: string) => readFileSync(join(root, 'package-lock.json'), 'utf8');
  if (existsSync(join(PGSCALE_ROOT, 'node_modules')) && lock(dir) === lock(PGSCALE_ROOT)) {
    // Same lockfile: the same packages, so the installed ones serve both builds.
    symlinkSync(join(PGSCALE_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    install = 'linked';
  } else {
    log(`baseline: its dependencies differ from this checkout's — npm ci in ${dir} (log: npm-ci.log)`);
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    writeFileSync(join(dir, 'npm-ci.log'), `${r.stdout ?? ''}${r.stderr ?? ''}`);
    if (r.status !== 0) {
      throw new PgscaleError('BASELINE', `npm ci failed for the baseline ${sha.slice(0, 10)} (exit ${r.status ?? r.signal}); see ${join(dir, 'npm-ci.log')}`, {
        hint: 'npm ci needs the npm registry (or a warm npm cache). Fix the error in the log and run again: the checkout is reused.',
      });
    }
    install = 'npm ci';
  }
  writeFileSync(join(dir, READY), `${new Date().toISOString()}\n`);
  return { sha, dir, entry, install };
}

/** GENERATOR_VERSION as a checkout's source states it (undefined when not found). */
export function generatorVersionOf(root: string): number | undefined {
  try {
    const m = /export const GENERATOR_VERSION = (\d+)/.exec(readFileSync(join(root, 'generators', 'plan.ts'), 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
