/**
 * Reading results documents from disk: one file, or a folder of nightly results for
 * `--history`. Every failure becomes PgscaleError('UNUSABLE_INPUT') naming the file.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PgscaleError } from '../core/errors.ts';
import { parseResults, type Results } from './schema.ts';

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PgscaleError('UNUSABLE_INPUT', `cannot read ${what} ${path}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`, {
      hint: 'Pass the results.json written by `pgscale run --out DIR` (DIR/results.json).',
      cause: err,
    });
  }
}

/** Parse JSON text, naming the file in the error. */
export function parseJsonFile(path: string, what = 'file'): unknown {
  const text = readText(path, what);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new PgscaleError('UNUSABLE_INPUT', `${what} ${path} is not valid JSON: ${(err as Error).message}`, {
      hint: 'The file may be truncated (an interrupted run) or not a pgscale results file.',
      cause: err,
    });
  }
}

/** Read and validate one results.json. */
export function loadResults(path: string): Results {
  const doc = parseJsonFile(path, 'results file');
  try {
    return parseResults(doc);
  } catch (err) {
    throw new PgscaleError('UNUSABLE_INPUT', `results file ${path} is not usable: ${(err as Error).message}`, {
      hint: 'Was it written by another pgscale version? Re-run `pgscale run` with this version to produce a comparable file.',
      cause: err,
    });
  }
}

export interface LoadedHistory {
  runs: Results[];
  /** Files that were skipped, with the reason (the caller decides whether to warn). */
  skipped: Array<{ path: string; reason: string }>;
}

function jsonFiles(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    if (st.isDirectory() && depth > 0) out.push(...jsonFiles(path, depth - 1));
    else if (st.isFile() && name.endsWith('.json')) out.push(path);
  }
  return out;
}

/**
 * Every results document in DIR and its subfolders (two levels: `DIR/2025-06-01/results.json`
 * works). Invalid JSON files are skipped and listed, not fatal: one bad night must not
 * hide the rest of the history. Throws when DIR is unreadable or holds no results.
 */
export function loadHistory(dir: string): LoadedHistory {
  let files: string[];
  try {
    files = jsonFiles(dir, 2);
  } catch (err) {
    throw new PgscaleError('UNUSABLE_INPUT', `cannot read history folder ${dir}: ${(err as Error).message}`, {
      hint: 'Pass a folder holding earlier results.json files (one per night, any names).',
      cause: err,
    });
  }
  const runs: Results[] = [];
  const skipped: LoadedHistory['skipped'] = [];
  for (const path of files) {
    try {
      runs.push(loadResults(path));
    } catch (err) {
      skipped.push({ path, reason: (err as Error).message });
    }
  }
  if (runs.length === 0) {
    throw new PgscaleError('UNUSABLE_INPUT', `history folder ${dir} holds no usable results (${files.length} JSON files, ${skipped.length} invalid)`, {
      hint: 'Store each nightly results.json in that folder, e.g. history/2025-06-01.json.',
    });
  }
  return { runs, skipped };
}
