/**
 * auto_tasks (five enum fields: the subject of the enum-storage claim) and their
 * task_approvals: supervised tasks of medium risk or more ask for approval, tasks
 * waiting for approval have a pending one. Tasks come in time order over the span.
 */
import { CopyWriter, releaseOutput } from './copytext.ts';
import { DIST, type GenContext, KEY, idKey, sessionNear, tenantOfUser, userOfSession, writeUserRef } from './context.ts';
import type { Chunk } from './plan.ts';
import { LogNormal } from './distributions.ts';
import { Rng } from './rng.ts';
import { GeneratedPiece } from './piece.ts';
import type { RowCounts, TableName } from './tables.ts';

const HOUR = 3_600_000;
const STATUS = { waitingApproval: 4, completed: 5, failed: 6, cancelled: 7 } as const;
/** A task's last update after its creation (median 20 min), and an approval's decision (median 2 h), in ms. */
const TIME_TO_UPDATE = new LogNormal(Math.log(20 * 60_000), 1.5);
const TIME_TO_DECIDE = new LogNormal(Math.log(2 * HOUR), 1.2);

/** Generate tasks [c.first, c.first + c.rows) and their approvals. */
export function* tasks(ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts): Generator<GeneratedPiece> {
  const { seed } = ctx.params;
  const { pools } = ctx;
  const E = ctx.enumBytes;
  const rng = new Rng(seed, KEY.tasks, c.k);
  // Ids and the task rows after user_id are written by the row kernel, into its slots.
  const K = ctx.kernel.calls;
  const A = ctx.arena;
  const [taskKey, sessionKey, approvalKey, userKey] = [KEY.task, KEY.session, KEY.approval, KEY.user].map((key) => idKey(seed, key));
  const tw = new CopyWriter(undefined, ctx.kernel.slots);
  const aw = new CopyWriter(undefined, ctx.kernel.slots);
  const approvalBufs: Buffer[] = [];
  const wantTasks = tables.has('auto_tasks');
  const wantApprovals = tables.has('task_approvals');
  let approvals = 0;
  const width = c.massTo - c.massFrom;
  const near = { hi: 0, lo: 0 };
  try {
    for (let i = 0; i < c.rows; i++) {
      const created = ctx.spanClock.at(c.massFrom + ((i + rng.next()) / c.rows) * width);
      let user: number;
      let sk = -1;
      let si = 0;
      if (rng.chance(0.6)) {
        const s = sessionNear(ctx, created, rng.next(), near);
        sk = s.hi;
        si = s.lo;
        user = userOfSession(ctx, sk, si);
      } else {
        user = ctx.userZipf.rank(rng.next());
      }
      // The row starts here (id, tenant_id, user_id): the user's part may come from the cache.
      let tenant: number;
      if (wantTasks) {
        tw.pos = K.id({ out: tw.base + tw.pos, hi: c.k, lo: i, mixed: taskKey, key: KEY.task }) - tw.base;
        tw.tab();
        tenant = writeUserRef(ctx, tw, user);
      } else tenant = tenantOfUser(ctx, user);
      const status = DIST.taskStatus.pick(rng.next());
      const priority = DIST.taskPriority.pick(rng.next());
      const mode = DIST.executionMode.pick(rng.next());
      const risk = DIST.riskLevel.pick(rng.next());
      const intent = DIST.taskIntent.pick(rng.next());
      const title = rng.int(pools.taskTitles.length);
      const done = status >= STATUS.completed;
      const updated = created + TIME_TO_UPDATE.at(rng.next());
      if (wantTasks) {
        const progress = done ? 100 : Math.floor(rng.next() * 100);
        tw.pos =
          K.taskTail({
            out: tw.base + tw.pos,
            session: sk >= 0 ? 1 : 0,
            hi: sk,
            lo: si,
            mixed: sessionKey,
            key: KEY.session,
            title: A.taskTitles.at[title],
            titleLen: A.taskTitles.len[title],
            status: A.taskStatus.at[status],
            statusLen: A.taskStatus.len[status],
            priority: A.taskPriority.at[priority],
            priorityLen: A.taskPriority.len[priority],
            mode: A.executionMode.at[mode],
            modeLen: A.executionMode.len[mode],
            risk: A.riskLevel.at[risk],
            riskLen: A.riskLevel.len[risk],
            intent: A.intent.at[intent],
            intentLen: A.intent.len[intent],
            progress,
            created,
            updated,
            completed: status === STATUS.completed ? 1 : 0,
          }) - tw.base;
        if (tw.full) yield new GeneratedPiece('auto_tasks', tw.take());
      } else if (!done) rng.next();

      const asks = status === STATUS.waitingApproval || (mode === 1 && risk >= 2);
      if (asks) {
        const pending = status === STATUS.waitingApproval;
        const decision = pending ? 0 : DIST.approvalDecision.pick(rng.next());
        const approver = rng.chance(0.8) ? ctx.userZipf.rank(rng.next()) : -1;
        const reason = rng.chance(0.5) ? rng.int(pools.reasons.length) : -1;
        const decidedAfter = TIME_TO_DECIDE.at(rng.next());
        if (wantApprovals) {
          aw.pos = K.id({ out: aw.base + aw.pos, hi: c.k, lo: i, mixed: approvalKey, key: KEY.approval }) - aw.base;
          aw.tab();
          aw.pos = K.id({ out: aw.base + aw.pos, hi: c.k, lo: i, mixed: taskKey, key: KEY.task }) - aw.base;
          aw.tab();
          aw.int(tenant);
          aw.tab();
          if (approver >= 0 && decision !== 0 && decision !== 3) aw.pos = K.id({ out: aw.base + aw.pos, hi: 0, lo: approver, mixed: userKey, key: KEY.user }) - aw.base;
          else aw.nil();
          aw.tab();
          aw.raw(E.approval_status[decision]);
          aw.tab();
          aw.raw(E.risk_level[risk]);
          aw.tab();
          if (reason < 0) aw.nil();
          else aw.raw(pools.reasons[reason].bytes);
          aw.tab();
          aw.timestamp(created);
          aw.tab();
          aw.timestamp(created + 24 * HOUR);
          aw.tab();
          if (decision === 0 || decision === 3) aw.nil();
          else aw.timestamp(created + decidedAfter);
          aw.nl();
          if (aw.full) approvalBufs.push(aw.take());
        }
        approvals++;
      }
    }
    const lastTasks = tw.done();
    if (lastTasks) yield new GeneratedPiece('auto_tasks', lastTasks);
    const lastApprovals = aw.done();
    if (lastApprovals) approvalBufs.push(lastApprovals);
    while (approvalBufs.length > 0) yield new GeneratedPiece('task_approvals', approvalBufs.shift()!);
  } finally {
    // A reader that stopped early: the buffers not handed over go back.
    tw.discard();
    aw.discard();
    for (const buf of approvalBufs) releaseOutput(buf);
  }
  if (wantTasks) counts.auto_tasks = (counts.auto_tasks ?? 0) + c.rows;
  if (wantApprovals) counts.task_approvals = (counts.task_approvals ?? 0) + approvals;
}
