/**
 * Everything the CLI prints goes through here: one place that redacts passwords,
 * honours --quiet and --json, and formats errors as message + hint.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { PgscaleError } from '../core/errors.ts';
import { toPgscaleError } from '../db/errors.ts';
import { redactSecrets } from '../db/redact.ts';

export interface OutputOptions {
  json?: boolean;
  quiet?: boolean;
}

/** A status line on stderr (stdout stays clean for --json and generate). */
export function info(opts: OutputOptions, line: string): void {
  if (opts.quiet) return;
  process.stderr.write(redactSecrets(line) + '\n');
}

/** A machine-readable document on stdout. */
export function printJson(doc: unknown): void {
  process.stdout.write(redactSecrets(JSON.stringify(doc, null, 2)) + '\n');
}

/**
 * Write a document to stdout and wait until it is handed to the OS, so a large one
 * written to a pipe is whole before the process exits.
 */
export function writeStdout(text: string): Promise<void> {
  return new Promise((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

/** One clear message and a hint; the stack only with --debug. */
export function printError(err: unknown, debug: boolean): void {
  const e = err instanceof PgscaleError ? err : toPgscaleError(err);
  const lines = [`pgscale: error: ${e.message}`];
  if (e.sqlstate) lines[0] += ` [SQLSTATE ${e.sqlstate}]`;
  if (e.hint) lines.push(`  hint: ${e.hint}`);
  if (debug) {
    const stack = (e.cause instanceof Error ? e.cause.stack : undefined) ?? e.stack;
    if (stack) lines.push(stack);
  } else if (e.code === 'INTERNAL') {
    lines.push('  (run again with --debug for the stack trace)');
  }
  process.stderr.write(redactSecrets(lines.join('\n')) + '\n');
}

/** Write a file whole or not at all: a temporary file renamed over the old one. */
export function writeFileAtomic(path: string, text: string): void {
  // A temporary name of this process's own: two processes writing the same file (two
  // commands planning at once both save the calibration) must not rename each other's.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}
