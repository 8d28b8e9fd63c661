#!/usr/bin/env node
// `npm run build` (and so `npm pack`): the npm package's JavaScript. tsc compiles the
// product folders (tsconfig.build.json's include) into dist/, tree kept, with `.ts`
// imports rewritten to `.js`; then the files the code reads by a path relative to its
// own module (import.meta.url), the wasm kernel and the .sql files, are copied beside
// the JavaScript. The tests and the AssemblyScript kernel source are not compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(ROOT, 'dist');
/** Folders compiled into dist/. */
const FOLDERS = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')).include;
/** Run-time assets by extension. */
const ASSET = /\.(?:sql|wasm)$/;

// A stale module of a deleted source must not ship: start from nothing.
rmSync(DIST, { recursive: true, force: true });

// typescript's exports map names only package.json: its bin is found beside it.
const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
if (r.status !== 0) {
  console.error(`build: tsc failed (exit ${r.status ?? r.signal}); fix the errors above and run npm run build again`);
  process.exit(1);
}

/** Every asset file under `dir`. */
function assets(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? assets(p) : ASSET.test(e.name) ? [p] : [];
  });
}

let copied = 0;
for (const folder of FOLDERS) {
  for (const file of assets(join(ROOT, folder))) {
    cpSync(file, join(DIST, relative(ROOT, file)));
    copied++;
  }
}
if (!existsSync(join(DIST, 'cli', 'main.js'))) {
  console.error('build: dist/cli/main.js is missing after tsc');
  process.exit(1);
}
console.log(`build: compiled ${FOLDERS.join(', ')} into ${relative(process.cwd(), DIST) || '.'}/ and copied ${copied} asset file(s)`);
