/**
 * Modules loaded by path rather than imported (worker threads, the built-in workloads)
 * in whichever form pgscale runs: the TypeScript sources through tsx in a checkout, or
 * the JavaScript compiled into dist/ in the npm package. tsc rewrites the `.ts` of
 * import specifiers (rewriteRelativeImportExtensions) but not of a URL, so a URL to a
 * module is made here.
 */

/** True when the module at `base` (an import.meta.url) is a TypeScript source, not compiled JavaScript. */
export function isSource(base: string): boolean {
  return /\.[mc]?ts$/.test(new URL(base).pathname);
}

/** The URL of the module `specifier` (written with its source name, `./worker.ts`) relative to `base`. */
export function moduleUrl(specifier: string, base: string): URL {
  return new URL(isSource(base) ? specifier : specifier.replace(/\.([mc]?)ts$/, '.$1js'), base);
}

/**
 * What to give `new Worker()` to run the module `specifier` relative to `base`. Compiled,
 * the module itself. From the sources, a small entry that registers tsx first: a loader
 * registered in the main thread (bin/pgscale.js, or node --import tsx) does not reach a
 * worker in Node 20, nor does --import in the worker's execArgv. Both specifiers are
 * resolved here, so the working directory does not matter.
 */
export function workerUrl(specifier: string, base: string): URL {
  const file = moduleUrl(specifier, base);
  if (!isSource(base)) return file;
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import { register } from ${JSON.stringify(tsx)};\nregister();\nawait import(${JSON.stringify(file.href)});\n`;
  return new URL(`data:text/javascript,${encodeURIComponent(code)}`);
}
