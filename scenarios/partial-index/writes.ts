/**
 * partial-index's write burst, a workload module for the traffic engine: inserts that
 * land inside the predicates and updates that move rows out of them (marking messages
 * read, completing tasks, deciding approvals). Run on an arm's scratch schema (first on
 * the search_path), where setup.sql numbered the rows to move in `_pi_*` tables; their
 * counts arrive as `vars`. Every transaction touches one row by its primary key, so the
 * two arms differ only in the index under test.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Random, Transaction, TxContext } from '../../bench/traffic/workload.ts';
import { code } from '../../generators/enums.ts';

const TASK_READY = code('task_status', 'ready');
const TASK_COMPLETED = code('task_status', 'completed');
const APPROVAL_PENDING = code('approval_status', 'pending');
const APPROVAL_APPROVED = code('approval_status', 'approved');

/** Vars the scenario passes: how many rows each `_pi_*` table numbers. */
export const KEY_VARS = { unread: 'unread', openTasks: 'open_tasks', pending: 'pending' } as const;

/** A 1-based row number among `var`'s rows; 0 when there are none (the update then matches nothing). */
function pick(random: Random, ctx: TxContext, name: string): number {
  const n = Number(ctx.params.vars[name] ?? 0);
  return n > 0 ? 1 + random.int(n) : 0;
}

export const transactions: Transaction[] = [
  {
    name: 'insert-message',
    weight: 30,
    description: 'a new unread message in a known conversation, at that conversation\'s time (its partition exists): enters idx_messages_unread in both arms',
    async run(db: Db, random: Random, ctx: TxContext) {
      await db.query(
        `INSERT INTO message_history (id, session_id, tenant_id, user_id, message_index, role, message_type, content, token_count, is_read, created_at)
         SELECT $2, session_id, tenant_id, user_id, 100000 + $3::int, 1, 0, 'burst', 1, false, created_at FROM _pi_unread WHERE n = $1`,
        [pick(random, ctx, KEY_VARS.unread), randomUUID(), random.int(1_000_000)],
      );
    },
  },
  {
    name: 'mark-read',
    weight: 30,
    description: 'a message marked read: leaves the partial index\'s predicate; the full index holds it still',
    async run(db: Db, random: Random, ctx: TxContext) {
      await db.query('UPDATE message_history m SET is_read = true FROM _pi_unread k WHERE k.n = $1 AND m.id = k.id AND m.created_at = k.created_at', [pick(random, ctx, KEY_VARS.unread)]);
    },
  },
  {
    name: 'insert-task',
    weight: 10,
    description: 'a new ready task: enters idx_tasks_status in both arms',
    async run(db: Db, random: Random, ctx: TxContext) {
      await db.query(
        `INSERT INTO auto_tasks (id, tenant_id, user_id, title, status, priority, execution_mode, risk_level, intent, progress, created_at, updated_at)
         SELECT $2, tenant_id, user_id, 'burst', $3, 1, 1, 0, 4, 0, now(), now() FROM _pi_open_tasks WHERE n = $1`,
        [pick(random, ctx, KEY_VARS.openTasks), randomUUID(), TASK_READY],
      );
    },
  },
  {
    name: 'complete-task',
    weight: 20,
    description: 'an open task completed: its status (an indexed column) changes, so it leaves the partial index and gets a new entry in the full one',
    async run(db: Db, random: Random, ctx: TxContext) {
      await db.query('UPDATE auto_tasks t SET status = $2, progress = 100, completed_at = now(), updated_at = now() FROM _pi_open_tasks k WHERE k.n = $1 AND t.id = k.id', [pick(random, ctx, KEY_VARS.openTasks), TASK_COMPLETED]);
    },
  },
  {
    name: 'decide-approval',
    weight: 10,
    description: 'a pending approval decided: leaves idx_approvals_pending\'s predicate',
    async run(db: Db, random: Random, ctx: TxContext) {
      await db.query('UPDATE task_approvals a SET status = $2, decided_at = now() FROM _pi_pending k WHERE k.n = $1 AND a.id = k.id AND a.status = $3', [pick(random, ctx, KEY_VARS.pending), APPROVAL_APPROVED, APPROVAL_PENDING]);
    },
  },
];

/** Tables it updates in place. */
export const updates = ['message_history', 'auto_tasks', 'task_approvals'];
