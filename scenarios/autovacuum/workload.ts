/**
 * autovacuum's churn, a workload module for the traffic engine: updates in place on
 * user_sessions and auto_tasks, the platform's two tables that change most after they are
 * written. Every update leaves a dead row version behind, and none of them can be HOT:
 * `message_count` and `last_activity_at` are in idx_sessions_covering's INCLUDE list and
 * `status` is idx_tasks_status's key, so each one adds index entries too. New tasks come
 * in as fast as the queue is claimed, so the queue neither drains nor grows.
 *
 * A session is found from a random UUID by the primary key (the first id at or after it):
 * any session of the data set, spread over the whole table, with nothing to know in
 * advance but the schema. It runs on a data set of the platform's schema.
 */
import { randomUUID } from 'node:crypto';
import type { Random, Transaction, TxContext, WorkloadParams } from '../../bench/traffic/workload.ts';
import { type EnumDomain, code } from '../../generators/enums.ts';

interface State {
  /** An enum column's value in the data set's style: the code (SMALLINT) or the name (VARCHAR). */
  e(domain: EnumDomain, name: string): number | string;
  titles: string[];
}

type Ctx = TxContext<State>;

const WORDS = 'follow up on the invoice export weekly report schedule a meeting reset password summarise ticket refund order deploy build'.split(' ');

/** Once per worker thread: the enum style and some task titles. */
export function setup(params: WorkloadParams): State {
  const titles = Array.from({ length: 16 }, (_, i) => Array.from({ length: 3 + (i % 5) }, (_, w) => WORDS[(i * 7 + w * 3) % WORDS.length]).join(' '));
  return { e: params.enums === 'smallint' ? (domain, name) => code(domain, name) : (_domain, name) => name, titles };
}

/** A random UUID from the seeded stream: where the primary-key probe starts. */
function probe(r: Random): string {
  const h = Array.from({ length: 4 }, () => r.int(2 ** 32).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The tables it updates in place. */
export const updates = ['user_sessions', 'auto_tasks'];

export const description = 'update-heavy churn on user_sessions (message_count / last_activity_at bumps) and auto_tasks (status changes), with new tasks keeping the queue fed';

// The first session at or after a random id, wrapping to the first of all past the last one.
const SESSION = '(SELECT coalesce((SELECT id FROM user_sessions WHERE id >= $1 ORDER BY id LIMIT 1), (SELECT id FROM user_sessions ORDER BY id LIMIT 1)))';

export const transactions: Transaction<State>[] = [
  {
    name: 'bump-session',
    weight: 6,
    description: "a turn in a conversation: its message_count and last_activity_at (both in idx_sessions_covering's INCLUDE, so never a HOT update)",
    async run(db, r: Random, ctx: Ctx) {
      await db.query(`UPDATE user_sessions SET message_count = message_count + 1, last_activity_at = $2 WHERE id = ${SESSION}`, [probe(r), ctx.now()]);
    },
  },
  {
    name: 'claim-task',
    weight: 2,
    description: 'a worker claims the highest-priority ready task (FOR UPDATE SKIP LOCKED): status ready → running',
    async run(db, _r, ctx: Ctx) {
      const s = ctx.state;
      await db.query(
        `UPDATE auto_tasks SET status = $1, updated_at = $3
          WHERE id = (SELECT id FROM auto_tasks WHERE status = $2 ORDER BY priority DESC LIMIT 1 FOR UPDATE SKIP LOCKED)`,
        [s.e('task_status', 'running'), s.e('task_status', 'ready'), ctx.now()],
      );
    },
  },
  {
    name: 'finish-task',
    weight: 2,
    description: 'a worker finishes a running task: status running → completed, progress 100, completed_at set (it leaves idx_tasks_status)',
    async run(db, _r, ctx: Ctx) {
      const s = ctx.state;
      await db.query(
        `UPDATE auto_tasks SET status = $1, progress = 100, completed_at = $3, updated_at = $3
          WHERE id = (SELECT id FROM auto_tasks WHERE status = $2 ORDER BY priority LIMIT 1 FOR UPDATE SKIP LOCKED)`,
        [s.e('task_status', 'completed'), s.e('task_status', 'running'), ctx.now()],
      );
    },
  },
  {
    name: 'create-task',
    weight: 2,
    description: 'a new ready task in a conversation, as many as are claimed: the queue stays as long as it was',
    async run(db, r: Random, ctx: Ctx) {
      const s = ctx.state;
      await db.query(
        `INSERT INTO auto_tasks (id, tenant_id, user_id, session_id, title, status, priority, execution_mode, risk_level, intent, progress, created_at, updated_at)
         SELECT $2, tenant_id, user_id, id, $3, $4, $5, $6, $7, $8, 0, $9, $9 FROM user_sessions WHERE id = ${SESSION}`,
        [
          probe(r),
          randomUUID(),
          s.titles[r.int(s.titles.length)],
          s.e('task_status', 'ready'),
          s.e('task_priority', ['low', 'normal', 'normal', 'high'][r.int(4)]),
          s.e('execution_mode', 'supervised'),
          s.e('risk_level', 'low'),
          s.e('intent', 'action'),
          ctx.now(),
        ],
      );
    },
  },
];
