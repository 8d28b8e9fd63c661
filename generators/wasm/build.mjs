#!/usr/bin/env node
// Compile the row kernel (kernel.ts, AssemblyScript) to kernel.wasm: `npm run build:wasm`.
// The binary is committed, so loading data needs no compiler; test/unit/kernel.test.ts
// compiles the source again and fails if the committed binary is not what it gives.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const dir = fileURLToPath(new URL('.', import.meta.url));
/** Compiler flags: optimised, no runtime or heap, the memory given by the JS side (generators/kernel.ts). */
const FLAGS = ['kernel.ts', '--baseDir', dir, '-O3', '--noAssert', '--runtime', 'stub', '--importMemory', '--outFile', 'kernel.wasm'];

/** kernel.wasm as compiled from the current kernel.ts. */
export async function compileKernel() {
  let binary;
  const messages = [];
  const { error } = await asc.main(FLAGS, {
    writeFile: (name, contents) => {
      if (name === 'kernel.wasm') binary = contents;
    },
    stdout: { write: (s) => messages.push(String(s)) },
    stderr: { write: (s) => messages.push(String(s)) },
  });
  if (error || !binary) throw new Error(`AssemblyScript could not compile generators/wasm/kernel.ts:\n${messages.join('')}${error ?? ''}`);
  return binary;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const binary = await compileKernel();
  writeFileSync(new URL('./kernel.wasm', import.meta.url), binary);
  console.log(`generators/wasm/kernel.wasm: ${binary.length} bytes`);
}
