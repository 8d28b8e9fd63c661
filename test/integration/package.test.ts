/**
 * The npm package as a user gets it: `npm pack` (which builds dist/), the tarball
 * installed into an empty project, and `pgscale` run from there, with no TypeScript
 * sources or compiler: the compiled JavaScript, its worker threads, the wasm kernel and
 * the SQL files it reads beside its modules.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type CliResult, cleanEnv, runCli } from '../support/cli.ts';
import { ROOT, testTarget, testUrl } from '../support/db.ts';

const run = promisify(execFile);
const MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; allowScripts?: Record<string, boolean> };
/** Top-level folders compiled into dist/. */
const PRODUCT = (JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] }).include;

const dir = mkdtempSync(join(tmpdir(), 'pgscale-package-'));
const project = join(dir, 'project');
/** The installed package: node_modules/pgscale of the empty project. */
const installed = join(project, 'node_modules', 'pgscale');
let tarEntries: string[] = [];

test.before(async () => {
  // npm pack runs prepack (npm run build) first.
  await run('npm', ['pack', '--pack-destination', dir], { cwd: ROOT, env: cleanEnv(), maxBuffer: 64 << 20 });
  const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'));
  assert.ok(tarball, `npm pack wrote no .tgz into ${dir}`);
  tarEntries = execFileSync('tar', ['-tzf', join(dir, tarball)], { encoding: 'utf8' }).trim().split('\n');
  // The empty project approves the same dependency install scripts as pgscale's own
  // checkout does (package.json allowScripts), which also skips a native build of
  // cpu-features (a testcontainers dependency pgscale does not use).
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'pgscale-install-check', private: true, allowScripts: MANIFEST.allowScripts ?? {} }));
  await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball)], { cwd: project, env: cleanEnv(), maxBuffer: 64 << 20 });
});

test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** `pgscale ARGS` through the project's node_modules/.bin link, as `npx pgscale` would run it. */
function pgscale(args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(join(project, 'node_modules', '.bin', 'pgscale'), args, { cwd: project, env: cleanEnv(), maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const e = err as (Error & { code?: number; signal?: NodeJS.Signals }) | null;
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, signal: e?.signal ?? null, stdout, stderr });
    });
  });
}

/** Import a compiled module of the installed package. */
function importInstalled<T>(path: string): Promise<T> {
  return import(pathToFileURL(join(installed, 'dist', path)).href) as Promise<T>;
}

test('the tarball holds the bin, compiled JavaScript, the wasm kernel and every SQL file, and no TypeScript', () => {
  const files = new Set(tarEntries.map((e) => e.replace(/^package\//, '')));
  for (const f of ['package.json', 'README.md', 'bin/pgscale.js', 'dist/cli/main.js', 'dist/bench/traffic/worker.js', 'dist/bench/delay-proxy-worker.js', 'dist/workloads/platform.js']) {
    assert.ok(files.has(f), `${f} is in the tarball`);
  }
  const assets = execFileSync('git', ['ls-files', ...PRODUCT.flatMap((p) => [`${p}/*.sql`, `${p}/*.wasm`])], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n');
  assert.ok(assets.includes('generators/wasm/row-kernel.wasm') && assets.some((a) => a.startsWith('db/schema/')), `assets found: ${assets.join(', ')}`);
  for (const a of assets) assert.ok(files.has(`dist/${a}`), `dist/${a} is in the tarball`);
  assert.equal([...files].filter((f) => /\.[mc]?ts$/.test(f) && !f.endsWith('.d.ts')), [], 'no TypeScript sources');
  assert.equal([...files].filter((f) => /^(test|docs|node_modules)\//.test(f)), [], 'no tests, docs or dependencies');
});

test('the installed package needs no TypeScript compiler', () => {
  assert.ok(existsSync(join(installed, 'dist', 'cli', 'main.js')));
  assert.not.ok(existsSync(join(installed, 'cli', 'main.ts')), 'no sources, so bin/pgscale.js runs dist/');
  assert.not.ok(existsSync(join(project, 'node_modules', 'typescript')), 'typescript is a dev dependency only');
});

test('pgscale --help from the installed package lists every command', async () => {
  const r = await pgscale(['--help']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Usage: pgscale /m);
  for (const cmd of ['load', 'generate', 'drop', 'run', 'list', 'compare', 'report', 'traffic']) assert.match(r.stdout, new RegExp(`^\\s+${cmd}\\b`, 'm'), `${cmd} is listed`);
  assert.is(r.stderr, '');
});

test("pgscale --version from the installed package is its package.json's version", async () => {
  const r = await pgscale(['--version']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), MANIFEST.version);
});

test('pgscale generate tenants --rows 10 from the installed package prints the rows the sources print', async () => {
  const r = await pgscale(['generate', 'tenants', '--rows', '10']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.is(lines.length, 10);
  assert.equal(lines.map((l) => l.split('\t')[0]), ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
  const sources = await runCli(['generate', 'tenants', '--rows', '10']);
  assert.is(sources.code, 0, sources.stderr);
  assert.ok(r.stdout === sources.stdout, 'the compiled generator and the TypeScript sources print the same bytes');
});

test('pgscale traffic from the installed package runs a script in its compiled worker threads', async () => {
  const script = join(dir, 'select-one.sql');
  writeFileSync(script, 'SELECT 1;\n');
  const r = await pgscale(['traffic', '--script', script, '--clients', '2', '--threads', '2', '--duration', '1s', '--warmup', '0s', '--json', '--quiet', '--out', join(dir, 'traffic'), '--database-url', await testUrl()]);
  assert.is(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { transactions: number; errors: number };
  assert.ok(doc.transactions > 0, `${doc.transactions} transactions`);
  assert.is(doc.errors, 0);
});

test('the installed package starts its workers from .js files, and its delay proxy forwards a query', async () => {
  const { workerUrl } = await importInstalled<typeof import('../../core/module-url.ts')>('core/module-url.js');
  const { PLATFORM_MIX } = await importInstalled<typeof import('../../workloads/index.ts')>('workloads/index.js');
  const worker = workerUrl('./worker.ts', pathToFileURL(join(installed, 'dist', 'bench', 'traffic', 'engine.js')).href);
  assert.is(worker.href, pathToFileURL(join(installed, 'dist', 'bench', 'traffic', 'worker.js')).href);
  assert.is(PLATFORM_MIX, join(installed, 'dist', 'workloads', 'platform.js'));

  const { startDelayProxy, upstreamOf, viaProxy } = await importInstalled<typeof import('../../bench/delay-proxy.ts')>('bench/delay-proxy.js');
  const config = (await testTarget()).config;
  const proxy = await startDelayProxy({ upstream: upstreamOf(config), delayMs: 0 });
  const client = new pg.Client(viaProxy(config, proxy));
  try {
    await client.connect();
    await proxy.reset();
    assert.is((await client.query<{ one: number }>('SELECT 1 AS one')).rows[0].one, 1);
    assert.ok((await proxy.counters()).roundTrips >= 1);
  } finally {
    await client.end();
    await proxy.close();
  }
});

test.run();
