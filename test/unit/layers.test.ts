/**
 * Layers only point down: a module imports its own folder and the folders below it,
 * never one above. Bottom first:
 *
 *   core        version, typed errors, flag parsers, module paths: shared by everything
 *   generators  synthetic data (imports only core)
 *   db          targets, schema, COPY loading
 *   reports     the results contract, its renderers and the regression gate
 *   bench       measurement primitives and the traffic engine
 *   workloads   transaction mixes for the traffic engine
 *   scenarios   the design comparisons
 *   cli         the command line
 *   bin         the executable
 *
 * test/ and scripts/ (the set-up helper npm start and npm test run first) sit outside
 * the order: they may import any layer, and no layer imports them.
 * dist/ (npm run build) is the layers compiled, each in its own folder.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from '../support/db.ts';

const LAYERS = ['core', 'generators', 'db', 'reports', 'bench', 'workloads', 'scenarios', 'cli', 'bin'];
/** Top-level folders that are not product code and may hold scripts of their own. */
const OUTSIDE = new Set(['test', 'scripts']);
const SOURCE = /\.(?:[mc]?ts|[mc]?js)$/;

interface Source {
  /** Path from the repository root, with `/`. */
  path: string;
  text: string;
}

/**
 * Every relative module a source names: static imports and re-exports (`import … from`,
 * `import type`, `export … from`, side-effect `import '…'`), `import('…')` with a literal,
 * and a module named by URL, `new URL('….ts', import.meta.url)` or core/module-url.ts's
 * `moduleUrl`/`workerUrl` (a worker or workload loaded by path).
 */
export function importsOf(text: string): string[] {
  const patterns = [
    /^[ \t]*(?:import|export)\b[^;'"`]*?\bfrom\s*(['"])([^'"]+)\1/gm,
    /^[ \t]*import\s*(['"])([^'"]+)\1/gm,
    /\bimport\(\s*(['"`])([^'"`$]+)\1\s*\)/g,
    /\b(?:new URL|moduleUrl|workerUrl)\(\s*(['"`])([^'"`$]+\.[mc]?[jt]s)\1\s*,\s*import\.meta\.url\s*\)/g,
  ];
  return patterns.flatMap((re) => [...text.matchAll(re)].map((m) => m[2])).filter((spec) => spec.startsWith('.'));
}

/** One line per import that points up the layers (or out of them), naming file and import. */
export function backEdges(sources: readonly Source[]): string[] {
  const rank = (folder: string) => LAYERS.indexOf(folder);
  const problems: string[] = [];
  for (const { path, text } of sources) {
    const from = path.split('/')[0];
    if (rank(from) < 0) {
      problems.push(`${path}: its folder ${from}/ has no layer (add it to LAYERS in test/unit/layers.test.ts)`);
      continue;
    }
    for (const spec of importsOf(text)) {
      // dist/ holds the layers compiled (npm run build): dist/cli/main.js is in cli/.
      const target = posix.normalize(posix.join(posix.dirname(path), spec)).replace(/^dist\//, '');
      const to = target.split('/')[0];
      if (target.startsWith('..') || rank(to) < 0) problems.push(`${path} imports ${spec}: ${target} is outside the layers`);
      else if (rank(to) > rank(from)) problems.push(`${path} imports ${spec}: ${from}/ may not import ${to}/, a layer above it`);
    }
  }
  return problems;
}

/** The repository's product sources: tracked and new files, without ignored ones (node_modules, dist). */
function productSources(): Source[] {
  const listed = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: ROOT, encoding: 'utf8' }).split('\n');
  return listed
    .filter((path) => SOURCE.test(path) && path.includes('/') && !OUTSIDE.has(path.split('/')[0]))
    // A tracked file deleted in the working tree is still listed.
    .filter((path) => existsSync(join(ROOT, path)))
    .map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));
}

test('no module imports a layer above its own', () => {
  const sources = productSources();
  assert.equal(backEdges(sources), []);
});

test('the scan reads files and imports in every layer', () => {
  const sources = productSources();
  for (const layer of LAYERS) {
    const files = sources.filter((s) => s.path.startsWith(`${layer}/`));
    assert.ok(files.length > 0, `no source files found in ${layer}/`);
    if (layer !== 'core' && layer !== 'generators') assert.ok(files.some((s) => importsOf(s.text).some((spec) => spec.startsWith('../'))), `no import across folders found in ${layer}/`);
  }
});

test('every TypeScript layer is type-checked and compiled into the package', () => {
  const config = (file: string) => JSON.parse(readFileSync(join(ROOT, file), 'utf8')) as { include: string[] };
  const typescript = LAYERS.filter((layer) => layer !== 'bin');
  assert.equal([...config('tsconfig.build.json').include].sort(), [...typescript].sort());
  for (const layer of typescript) assert.ok(config('tsconfig.json').include.includes(layer), `tsconfig.json includes ${layer}`);
});

test('db importing cli is a back-edge, named by file and import', () => {
  const problems = backEdges([{ path: 'db/schema.ts', text: "import type pg from 'pg';\nimport { VERSION } from '../cli/version.ts';\n" }]);
  assert.equal(problems, ['db/schema.ts imports ../cli/version.ts: db/ may not import cli/, a layer above it']);
});

test('dynamic imports, re-exports, multi-line and type imports and module URLs are all read', () => {
  const text = [
    "const { VERSION } = await import('../cli/version.ts');",
    "export { latency } from '../bench/latency.ts';",
    'import {\n  type Results,\n  parseResults,\n} from "../reports/schema.ts";',
    "import type { Scenario } from '../scenarios/index.ts';",
    "import '../workloads/index.ts';",
    "const url = new URL('../bench/traffic/worker.ts', import.meta.url);",
    "const worker = new Worker(workerUrl('../bench/delay-proxy-worker.ts', import.meta.url));",
  ].join('\n');
  assert.equal(importsOf(text), ['../bench/latency.ts', '../reports/schema.ts', '../scenarios/index.ts', '../workloads/index.ts', '../cli/version.ts', '../bench/traffic/worker.ts', '../bench/delay-proxy-worker.ts']);
  assert.is(backEdges([{ path: 'db/x.ts', text }]).length, 7);
});

test('imports within a layer, down the layers and of packages pass', () => {
  const problems = backEdges([
    { path: 'db/schema.ts', text: "import { PgscaleError } from '../core/errors.ts';\nimport { quoteIdent } from './quote.ts';\nimport pg from 'pg';" },
    { path: 'cli/main.ts', text: "import { load } from '../db/load.ts';\nconst m = await import('../reports/markdown.ts');" },
    { path: 'scenarios/pooling/index.ts', text: "import type { Scenario } from '../index.ts';\nimport { PLATFORM_MIX } from '../../workloads/index.ts';" },
    { path: 'generators/kernel.ts', text: "const wasm = new URL('./wasm/kernel.wasm', import.meta.url);" },
    { path: 'bin/pgscale.js', text: "await import('../dist/cli/main.js');" },
  ]);
  assert.equal(problems, []);
});

test('a module in a folder with no layer, or importing the tests, fails', () => {
  const problems = backEdges([
    { path: 'tools/x.ts', text: '' },
    { path: 'reports/y.ts', text: "import { ROOT } from '../test/support/db.ts';" },
  ]);
  assert.equal(problems, [
    'tools/x.ts: its folder tools/ has no layer (add it to LAYERS in test/unit/layers.test.ts)',
    'reports/y.ts imports ../test/support/db.ts: test/support/db.ts is outside the layers',
  ]);
});

test.run();
