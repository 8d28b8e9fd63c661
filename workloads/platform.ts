/**
 * The chatbot platform's own traffic: the default workload of `pgscale traffic`
 * (`--mix platform`), and an example to copy for `--workload FILE.ts`.
 *
 * A workload module exports `transactions`: named, weighted async functions, each given
 * a connection (`db.query(sql, values)`: every statement is prepared once per
 * connection), a seeded random source and a context (the data set's parameters, this
 * client's id, the data set's clock, and what `setup` returned). `setup` runs once per
 * worker thread; `prepare` once per run, before any transaction.
 *
 * The weights model a chat product where people mostly read and write conversations:
 * 30 % of transactions append a message (the user's turn or the bot's reply), 23 % open a
 * conversation, 2 % start one, and the rest are the side traffic around them (session
 * lists, unread badges, analytics, the task queue, approvals and an occasional dashboard).
 * Conversations started by the run take most new messages and end after a log-normal
 * number of them, as the data set's do, so a long run does not grow old sessions forever.
 *
 * Keys follow the data's own shapes and always exist: users and tenants are drawn with
 * the generator's own Zipf popularity, sessions among the last three months', all computed from
 * the seed (generators/identity.ts) without asking the database. New rows take their
 * timestamps from the data set's clock, which continues where the data set (or the last
 * traffic run on it) ended, so they land in real monthly partitions that `prepare`
 * creates ahead, as production would.
 *
 * Every transaction names the one tenant it touches (`ctx.tenant`) before its first
 * statement, so on a sharded target (`traffic --shard`) it runs on that tenant's shard and
 * none crosses shards, which is the design's rule; the task queue's two transactions name
 * none and take the shards in turn.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Db, TxContext, Transaction, WorkloadParams } from '../bench/traffic/workload.ts';
import { monthStartMs } from '../generators/calendar.ts';
import { type Chunk, chunkPlan, deriveCounts } from '../generators/plan.ts';
import { code, type EnumDomain } from '../generators/enums.ts';
import { KEY, type Popularity, idFor, popularity, safeSessions, tenantOfUser, userOfSession } from '../generators/identity.ts';

const DAY_MS = 86_400_000;

/** What each worker thread derives once from the data set's parameters. */
export interface PlatformState {
  keys: Popularity;
  /** Conversation chunks of the data set's last RECENT_MONTHS months: where "recent sessions" come from. */
  recent: Chunk[];
  users: number;
  tenants: number;
  /** An enum column's value in the data set's style: the code (SMALLINT) or the name (VARCHAR). */
  e(domain: EnumDomain, name: string): number | string;
  texts: string[];
  botsPerTenant: number;
  /** Conversations this worker thread started and that are still going: where most new messages go. */
  active: ActiveSession[];
}

/** A conversation started by this run: its keys, its messages so far and how many it will have. */
interface ActiveSession {
  id: string;
  user: string;
  tenant: number;
  messages: number;
  length: number;
}

/**
 * Months whose sessions count as recent. Only the first rows/400 sessions of a chunk are
 * sure to exist (a session holds at most 400 messages), a few per chunk: one month's would
 * be a handful of rows at small scales, every append to them waiting on the others' locks.
 */
const RECENT_MONTHS = 3;

/** Conversations going on at once, per worker thread. */
const ACTIVE_SESSIONS = 2048;

type Ctx = TxContext<PlatformState>;

const WORDS = 'the a to and please can you help me with my order account report deploy build error why how what when schedule meeting summary invoice refund password reset export data chart weekly daily customer ticket'.split(' ');

/** Once per worker thread: the Zipf tables, the recent conversation chunks and some message texts. */
export function setup(params: WorkloadParams): PlatformState {
  const data = { scale: params.scale, seed: params.seed, months: params.months };
  const counts = deriveCounts(data);
  const conversations = chunkPlan(data).filter((c) => c.group === 'conversations');
  const lastMonth = Math.max(...conversations.map((c) => c.month));
  const texts: string[] = [];
  // Plain text of user-prompt and reply lengths; content realism is the generator's job.
  for (let i = 0; i < 64; i++) {
    const words = 8 + ((i * 37) % 60);
    texts.push(Array.from({ length: words }, (_, w) => WORDS[(i * 31 + w * 7) % WORDS.length]).join(' '));
  }
  return {
    keys: popularity(params.seed, counts),
    recent: conversations.filter((c) => c.month > lastMonth - RECENT_MONTHS),
    users: counts.users,
    tenants: counts.tenants,
    e: params.enums === 'smallint' ? (domain, name) => code(domain, name) : (_domain, name) => name,
    texts,
    botsPerTenant: counts.botsPerTenant,
    active: [],
  };
}

/** Create this month's and the next two months' partitions ahead of the rows that will land there. */
export async function prepare(db: Db, params: WorkloadParams): Promise<void> {
  const start = new Date(params.clockStartMs);
  for (let m = 0; m < 3; m++) {
    const month = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + m, 1)).toISOString().slice(0, 10);
    for (const table of ['message_history', 'analytics_events']) {
      await db.query('SELECT create_monthly_partition($1, $2::date)', [table, month]);
    }
  }
}

/**
 * An id as the generator writes it: the version (4) and variant bits set as CopyWriter.uuid
 * sets them (generators/copytext.ts), or no key drawn here would match a loaded row.
 */
const uuid = (w: readonly number[]) => {
  const words = [w[0], (w[1] & 0xffff0fff) | 0x00004000, (w[2] & 0x3fffffff) | 0x80000000, w[3]];
  const h = words.map((x) => (x >>> 0).toString(16).padStart(8, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};

/** A Zipf-popular user: its id and tenant. */
function drawUser(s: PlatformState, r: { next(): number }): { id: string; tenant: number } {
  const u = s.keys.userZipf.rank(r.next());
  return { id: uuid(idFor(s.keys.params.seed, KEY.user, 0, u)), tenant: tenantOfUser(s.keys, u) };
}

/**
 * The conversation a message goes to: mostly one this run started (so conversations grow
 * to realistic lengths and end), else a recent one of the data set.
 */
function drawActiveSession(s: PlatformState, r: { next(): number; int(n: number): number }): ActiveSession | { id: string; user: string; tenant: number } {
  if (s.active.length > 0 && r.next() < 0.8) return s.active[r.int(s.active.length)];
  return drawRecentSession(s, r);
}

/** A session of the data set's last RECENT_MONTHS months: its id, user and tenant. */
function drawRecentSession(s: PlatformState, r: { int(n: number): number }): { id: string; user: string; tenant: number } {
  const c = s.recent[r.int(s.recent.length)];
  const i = r.int(safeSessions(c));
  const u = userOfSession(s.keys, c.k, i);
  return { id: uuid(idFor(s.keys.params.seed, KEY.session, c.k, i)), user: uuid(idFor(s.keys.params.seed, KEY.user, 0, u)), tenant: tenantOfUser(s.keys, u) };
}

/** The tables the mix updates in place (the rest it only inserts into): a capacity search vacuums them between steps. */
export const updates = ['user_sessions', 'auto_tasks', 'task_approvals'];

export const transactions: Transaction<PlatformState>[] = [
  {
    name: 'append-message',
    weight: 30,
    description: "a turn in a conversation: the message insert and the session's message_count/last_activity_at update, in one transaction",
    async run(db, r, ctx: Ctx) {
      const s = ctx.state;
      const session = drawActiveSession(s, r);
      ctx.tenant(session.tenant);
      const now = ctx.now();
      await db.query('BEGIN');
      const upd = await db.query<{ message_count: string }>('UPDATE user_sessions SET message_count = message_count + 1, last_activity_at = $2 WHERE id = $1 RETURNING message_count', [session.id, now]);
      const index = Number(upd.rows[0]?.message_count ?? 1);
      const assistant = index % 2 === 0;
      const text = s.texts[r.int(s.texts.length)];
      await db.query(
        `INSERT INTO message_history (id, session_id, tenant_id, user_id, message_index, role, message_type, llm_provider, content, token_count, is_read, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
        [randomUUID(), session.id, session.tenant, session.user, index, s.e('message_role', assistant ? 'assistant' : 'user'), s.e('message_type', 'text'), assistant ? s.e('llm_provider', 'openai') : null, text, Math.ceil(text.length / 4), !assistant, now],
      );
      await db.query('COMMIT');
      // A conversation of this run ends when it reaches its length.
      if ('length' in session && ++session.messages >= session.length) s.active.splice(s.active.indexOf(session), 1);
    },
  },
  {
    name: 'start-session',
    weight: 2,
    description: 'a user opens a new conversation with one of the tenant\'s bots; about 12 messages follow it (the data set\'s mean), which is what this weight keeps in balance with append-message',
    async run(db, r, ctx: Ctx) {
      const s = ctx.state;
      const user = drawUser(s, r);
      ctx.tenant(user.tenant);
      const now = ctx.now();
      const id = randomUUID();
      await db.query(
        `INSERT INTO user_sessions (id, tenant_id, user_id, bot_id, channel, intent, memory_type, title, message_count, created_at, last_activity_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $9)`,
        [id, user.tenant, user.id, (user.tenant - 1) * s.botsPerTenant + 1 + r.int(s.botsPerTenant), s.e('channel', ['web', 'whatsapp', 'slack'][r.int(3)]), s.e('intent', 'query'), s.e('memory_type', 'short'), s.texts[r.int(s.texts.length)].slice(0, 40), now],
      );
      // Log-normal lengths like the data set's (median 7, mean about 12).
      const length = Math.max(1, Math.min(400, Math.round(Math.exp(Math.log(7) + 1.05 * r.normal()))));
      if (s.active.length >= ACTIVE_SESSIONS) s.active.splice(r.int(s.active.length), 1);
      s.active.push({ id, user: user.id, tenant: user.tenant, messages: 0, length });
    },
  },
  {
    name: 'read-session',
    weight: 23,
    description: "opening a conversation: a recent session's messages in order (idx_messages_session, every partition probed)",
    async run(db, r, ctx: Ctx) {
      const session = drawActiveSession(ctx.state, r);
      ctx.tenant(session.tenant);
      await db.query('SELECT id, role, content, created_at FROM message_history WHERE session_id = $1 ORDER BY message_index', [session.id]);
    },
  },
  {
    name: 'list-sessions',
    weight: 15,
    description: "the sidebar: a Zipf-popular user's 20 latest sessions (idx_sessions_covering, index-only)",
    async run(db, r, ctx: Ctx) {
      const user = drawUser(ctx.state, r);
      ctx.tenant(user.tenant);
      await db.query('SELECT id, title, message_count, last_activity_at FROM user_sessions WHERE user_id = $1 ORDER BY created_at DESC LIMIT 20', [user.id]);
    },
  },
  {
    name: 'unread-messages',
    weight: 10,
    description: "the unread badge: a user's unread messages (partial index idx_messages_unread)",
    async run(db, r, ctx: Ctx) {
      const user = drawUser(ctx.state, r);
      ctx.tenant(user.tenant);
      await db.query('SELECT id, session_id, created_at FROM message_history WHERE user_id = $1 AND is_read = false ORDER BY created_at DESC LIMIT 50', [user.id]);
    },
  },
  {
    name: 'record-event',
    weight: 10,
    description: 'an analytics event (insert into the partitioned analytics_events)',
    async run(db, r, ctx: Ctx) {
      const s = ctx.state;
      const session = drawRecentSession(s, r);
      ctx.tenant(session.tenant);
      const now = ctx.now();
      // The table has no sequence: a random positive 63-bit id (two collide in 10 million
      // events with a chance of 1 in 200,000; a collision would show as a counted 23505).
      const id = (randomBytes(8).readBigUInt64BE() >> 1n).toString();
      const type = ['message_sent', 'message_received', 'bot_invoked', 'feedback_given'][r.int(4)];
      await db.query('INSERT INTO analytics_events (id, tenant_id, user_id, session_id, event_type, channel, properties, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        id,
        session.tenant,
        session.user,
        session.id,
        type,
        s.e('channel', 'web'),
        JSON.stringify({ source: 'traffic', latency_ms: r.int(2000) }),
        now,
      ]);
    },
  },
  {
    name: 'claim-task',
    weight: 4,
    description: 'a task worker claims the next ready task, highest priority first, with FOR UPDATE SKIP LOCKED, and marks it running (idx_tasks_status)',
    async run(db, _r, ctx: Ctx) {
      const s = ctx.state;
      // It names no tenant: on a sharded target each shard has its own queue, and a worker
      // serves the shards in turn (as decide-approval does for approvals).
      await db.query(
        `UPDATE auto_tasks SET status = $1, updated_at = $3
          WHERE id = (SELECT id FROM auto_tasks WHERE status = $2 ORDER BY priority DESC LIMIT 1 FOR UPDATE SKIP LOCKED)
          RETURNING id`,
        [s.e('task_status', 'running'), s.e('task_status', 'ready'), ctx.now()],
      );
    },
  },
  {
    name: 'create-task',
    weight: 4,
    description: 'the assistant creates a task: ready, or (a quarter of them) waiting for approval with a pending approval, in one transaction; keeps the task queue fed',
    async run(db, r, ctx: Ctx) {
      const s = ctx.state;
      const user = drawUser(s, r);
      ctx.tenant(user.tenant);
      const now = ctx.now();
      const needsApproval = r.chance(0.25);
      const id = randomUUID();
      const risk = needsApproval ? ['medium', 'high', 'critical'][r.int(3)] : ['none', 'low'][r.int(2)];
      await db.query('BEGIN');
      await db.query(
        `INSERT INTO auto_tasks (id, tenant_id, user_id, title, status, priority, execution_mode, risk_level, intent, progress, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $10)`,
        [id, user.tenant, user.id, s.texts[r.int(s.texts.length)].slice(0, 60), s.e('task_status', needsApproval ? 'waiting_approval' : 'ready'), s.e('task_priority', ['low', 'normal', 'normal', 'high'][r.int(4)]), s.e('execution_mode', 'supervised'), s.e('risk_level', risk), s.e('intent', 'action'), now],
      );
      if (needsApproval) {
        await db.query(
          `INSERT INTO task_approvals (id, task_id, tenant_id, status, risk_level, reason, created_at, expires_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [randomUUID(), id, user.tenant, s.e('approval_status', 'pending'), s.e('risk_level', risk), 'needs a human decision', now, new Date(now.getTime() + DAY_MS)],
        );
      }
      await db.query('COMMIT');
    },
  },
  {
    name: 'decide-approval',
    weight: 1,
    description: 'a person approves (80 %) or rejects a pending approval, and its task becomes ready or cancelled, in one transaction (idx_approvals_pending)',
    async run(db, r, ctx: Ctx) {
      const s = ctx.state;
      const now = ctx.now();
      const pending = s.e('approval_status', 'pending');
      // Start at a random point of the pending approvals, so concurrent deciders spread out.
      const from = uuid([r.int(2 ** 32), r.int(2 ** 32), r.int(2 ** 32), r.int(2 ** 32)]);
      await db.query('BEGIN');
      let found = await db.query<{ id: string; task_id: string }>('SELECT id, task_id FROM task_approvals WHERE status = $1 AND task_id >= $2 ORDER BY task_id LIMIT 1 FOR UPDATE SKIP LOCKED', [pending, from]);
      if (found.rows.length === 0) found = await db.query('SELECT id, task_id FROM task_approvals WHERE status = $1 ORDER BY task_id LIMIT 1 FOR UPDATE SKIP LOCKED', [pending]);
      const a = found.rows[0];
      if (a) {
        const approved = r.chance(0.8);
        // The approver is the user the task is for, of the approval's own tenant: a user drawn
        // from all tenants would tie two tenants (and, sharded, two shards) in one transaction.
        await db.query('UPDATE task_approvals SET status = $2, decided_at = $3, approver_id = (SELECT user_id FROM auto_tasks WHERE id = task_id) WHERE id = $1', [a.id, s.e('approval_status', approved ? 'approved' : 'rejected'), now]);
        await db.query('UPDATE auto_tasks SET status = $2, updated_at = $3 WHERE id = $1 AND status = $4', [a.task_id, s.e('task_status', approved ? 'ready' : 'cancelled'), now, s.e('task_status', 'waiting_approval')]);
      }
      await db.query('COMMIT');
    },
  },
  {
    name: 'tenant-dashboard',
    weight: 1,
    description: "a tenant admin's dashboard: messages per day over the data set's last generated week (BRIN on created_at, filtered by tenant)",
    async run(db, r, ctx: Ctx) {
      const s = ctx.state;
      const tenant = 1 + s.keys.tenantZipf.rank(r.next());
      ctx.tenant(tenant);
      // The data set's last generated week, not the week before now(): a run writes its
      // messages seconds apart on the data set's clock, far denser than the data's own
      // weeks, so a window ending at now() would grow heavier with every message it adds.
      const end = monthStartMs(ctx.params.months);
      await db.query(
        `SELECT date_trunc('day', created_at) AS day, count(*) AS messages FROM message_history
          WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1 ORDER BY 1`,
        [tenant, new Date(end - 7 * DAY_MS), new Date(end)],
      );
    },
  },
];
