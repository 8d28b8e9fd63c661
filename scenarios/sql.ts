/**
 * Scenario SQL lives in .sql files beside each scenario. Run-time parts (schema names,
 * enum literals of a style) fill `{{token}}` placeholders from a table of fragments the
 * caller has already quoted (quoteIdent / quoteLiteral): nothing is concatenated raw.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Read `name` from the folder of the module at `moduleUrl` (pass import.meta.url). */
export function readSql(moduleUrl: string, name: string): string {
  return readFileSync(join(dirname(fileURLToPath(moduleUrl)), name), 'utf8');
}

/** Replace every `{{token}}` with its fragment; an unknown token is a bug and throws. */
export function fill(sql: string, fragments: Readonly<Record<string, string>>): string {
  return sql.replace(/\{\{([\w:.-]+)\}\}/g, (_m, token: string) => {
    const v = fragments[token];
    if (v === undefined) throw new Error(`no value for {{${token}}} in scenario SQL`);
    return v;
  });
}

/**
 * Split a file into named statements: each starts at a `-- name: NAME` line and runs to
 * the next one. Other comment lines are dropped; a trailing `;` is removed.
 */
export function namedStatements(sql: string): Map<string, string> {
  const out = new Map<string, string>();
  let name: string | undefined;
  let body: string[] = [];
  const flush = () => {
    if (name !== undefined) out.set(name, body.join('\n').trim().replace(/;\s*$/, ''));
  };
  for (const line of sql.split('\n')) {
    const m = /^--\s*name:\s*(\S+)\s*$/.exec(line);
    if (m) {
      flush();
      name = m[1];
      body = [];
    } else if (!/^\s*--/.test(line)) {
      body.push(line);
    }
  }
  flush();
  return out;
}

/** The named statement, or a thrown bug report naming what is missing. */
export function statement(statements: ReadonlyMap<string, string>, name: string): string {
  const s = statements.get(name);
  if (s === undefined) throw new Error(`scenario SQL has no statement named '${name}'`);
  return s;
}
