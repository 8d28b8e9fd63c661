/**
 * The `uuid-keys` scenario's insert traffic: one message-shaped row per transaction into
 * a table whose primary key the server fills, from a random UUIDv4 or a time-ordered
 * UUIDv7 (PostgreSQL 18's `uuidv7()`), so the two arms differ in the key alone.
 *
 * The table and the key come as `-D` definitions (`vars`): `table=NAME` (a table on the
 * connection's search_path with `id uuid PRIMARY KEY, session_id uuid, created_at
 * timestamptz, content text`) and `keys=uuidv4|uuidv7`.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Transaction, TxContext, WorkloadParams } from '../bench/traffic/workload.ts';

/** The key generators the module knows, by the name `keys=` takes. */
export const KEY_FUNCTIONS = { uuidv4: 'gen_random_uuid()', uuidv7: 'uuidv7()' } as const;
export type KeyKind = keyof typeof KEY_FUNCTIONS;

/** A plain table name: the module puts it into SQL, so nothing else is accepted. */
const TABLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

const WORDS = 'please can you help me with my order account report deploy build error schedule meeting summary invoice refund export chart'.split(' ');

interface State {
  insert: string;
  texts: string[];
}

/** The insert statement for `vars.table` and `vars.keys`; a bad definition is an error saying what is expected. */
export function insertStatement(vars: Readonly<Record<string, string>>): string {
  const table = vars.table ?? '';
  const keys = vars.keys ?? '';
  if (!TABLE_NAME.test(table)) throw new Error(`uuid-keys workload: -D table=NAME must name a plain lower-case table (got '${table}')`);
  if (!(keys in KEY_FUNCTIONS)) throw new Error(`uuid-keys workload: -D keys= must be one of ${Object.keys(KEY_FUNCTIONS).join(', ')} (got '${keys}')`);
  return `INSERT INTO ${table} (id, session_id, created_at, content) VALUES (${KEY_FUNCTIONS[keys as KeyKind]}, $1, $2, $3)`;
}

/** Once per worker thread: the statement and some message texts (a user's turn is about 100 bytes). */
export function setup(params: WorkloadParams): State {
  const texts: string[] = [];
  for (let i = 0; i < 32; i++) {
    const words = 8 + ((i * 7) % 24);
    texts.push(Array.from({ length: words }, (_, w) => WORDS[(i * 13 + w * 5) % WORDS.length]).join(' '));
  }
  return { insert: insertStatement(params.vars), texts };
}

/** Check the table is there before any worker starts, so a wrong name fails once and clearly. */
export async function prepare(db: Db, params: WorkloadParams): Promise<void> {
  insertStatement(params.vars);
  const table = params.vars.table;
  const r = await db.query<{ found: string | null }>('SELECT to_regclass($1)::text AS found', [table]);
  if (!r.rows[0]?.found) throw new Error(`uuid-keys workload: table ${table} is not on the search_path`);
}

export const transactions: Transaction<State>[] = [
  {
    name: 'insert',
    weight: 1,
    description: 'one message-shaped row; the server makes its primary key (uuidv4 or uuidv7)',
    async run(db, r, ctx: TxContext<State>) {
      const s = ctx.state;
      await db.query(s.insert, [randomUUID(), ctx.now(), s.texts[r.int(s.texts.length)]]);
    },
  },
];
