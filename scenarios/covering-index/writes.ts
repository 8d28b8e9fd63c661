/**
 * covering-index's updates, a workload module for the traffic engine: the user keeps
 * chatting, so each turn bumps one of their recent sessions' message_count and
 * last_activity_at (as the platform mix does), clearing the all-visible bit of its heap
 * page. Runs on an arm's scratch schema, where setup.sql numbered the sessions in
 * `_ci_sessions`; their count arrives as the var `sessions`.
 */
import type { Db, Random, Transaction, TxContext } from '../../bench/traffic/workload.ts';

export const transactions: Transaction[] = [
  {
    name: 'bump-session',
    weight: 1,
    description: 'a new message in one of the user\'s recent sessions: message_count + 1, last_activity_at = now()',
    async run(db: Db, random: Random, ctx: TxContext) {
      const n = Number(ctx.params.vars.sessions ?? 0);
      await db.query('UPDATE user_sessions s SET message_count = message_count + 1, last_activity_at = now() FROM _ci_sessions k WHERE k.n = $1 AND s.id = k.id', [n > 0 ? 1 + random.int(n) : 0]);
    },
  },
];

export const updates = ['user_sessions'];
