#!/usr/bin/env node
// `npm run build:wasm`: write the layout files generated from generators/kernel-spec.mjs
// (codegen.mjs), then compile the row kernel (row-kernel.ts, AssemblyScript) to
// row-kernel.wasm. Everything it writes is committed, so loading data needs no compiler;
// unit tests regenerate both in memory and fail if a committed file is not what this
// gives. The output depends only on the sources: running it twice changes nothing.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';
import { generateLayoutFiles } from './codegen.mjs';

const dir = fileURLToPath(new URL('.', import.meta.url));
const root = new URL('../../', import.meta.url);
/** Compiler flags: optimised, no runtime or heap, the memory given by the JS side (generators/kernel-host.ts). */
const FLAGS = ['row-kernel.ts', '--baseDir', dir, '-O3', '--noAssert', '--runtime', 'stub', '--importMemory', '--outFile', 'row-kernel.wasm'];

/** row-kernel.wasm as compiled from the current row-kernel.ts (and the layout.ts on disk). */
export async function compileKernel() {
  let binary;
  const messages = [];
  const { error } = await asc.main(FLAGS, {
    writeFile: (name, contents) => {
      if (name === 'row-kernel.wasm') binary = contents;
    },
    stdout: { write: (s) => messages.push(String(s)) },
    stderr: { write: (s) => messages.push(String(s)) },
  });
  if (error || !binary) throw new Error(`AssemblyScript could not compile generators/wasm/row-kernel.ts:\n${messages.join('')}${error ?? ''}`);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [path, text] of Object.entries(generateLayoutFiles())) {
    writeFileSync(new URL(path, root), text);
    console.log(`${path}: generated`);
  }
  const binary = await compileKernel();
  writeFileSync(new URL('./row-kernel.wasm', import.meta.url), binary);
  console.log(`generators/wasm/row-kernel.wasm: ${binary.length} bytes`);
}
