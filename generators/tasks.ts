/**
 * auto_tasks (five enum fields: the subject of the enum-storage claim) and their
 * task_approvals: supervised tasks of medium risk or more ask for approval, tasks
 * waiting for approval have a pending one. Tasks come in time order over the span.
 */
import { CopyWriter } from './copytext.ts';
import { DIST, type GenContext, KEY, idFor, sessionNear, tenantOfUser, userOfSession, writeUserRef } from './context.ts';
import type { Chunk } from './plan.ts';
import { LogNormal } from './distributions.ts';
import { Rng } from './rng.ts';
import type { Piece, RowCounts, TableName } from './tables.ts';

const HOUR = 3_600_000;
const STATUS = { waitingApproval: 4, completed: 5, failed: 6, cancelled: 7 } as const;
/** A task's last update after its creation (median 20 min), and an approval's decision (median 2 h), in ms. */
const TIME_TO_UPDATE = new LogNormal(Math.log(20 * 60_000), 1.5);
const TIME_TO_DECIDE = new LogNormal(Math.log(2 * HOUR), 1.2);

/** Generate tasks [c.first, c.first + c.rows) and their approvals. */
export function* tasks(ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts): Generator<Piece> {
  const { seed } = ctx.params;
  const { pools } = ctx;
  const E = ctx.enumBytes;
  const rng = new Rng(seed, KEY.tasks, c.k);
  const tw = new CopyWriter();
  const aw = new CopyWriter();
  const approvalBufs: Buffer[] = [];
  const wantTasks = tables.has('auto_tasks');
  const wantApprovals = tables.has('task_approvals');
  let approvals = 0;
  const width = c.massTo - c.massFrom;
  const near = { hi: 0, lo: 0 };
  for (let i = 0; i < c.rows; i++) {
    const created = ctx.spanClock.at(c.massFrom + ((i + rng.next()) / c.rows) * width);
    const id = idFor(seed, KEY.task, c.k, i);
    let user: number;
    let session: ReturnType<typeof idFor> | undefined;
    if (rng.chance(0.6)) {
      const s = sessionNear(ctx, created, rng.next(), near);
      session = idFor(seed, KEY.session, s.hi, s.lo);
      user = userOfSession(ctx, s.hi, s.lo);
    } else {
      user = ctx.userZipf.rank(rng.next());
    }
    // The row starts here (id, tenant_id, user_id): the user's part may come from the cache.
    let tenant: number;
    if (wantTasks) {
      tw.uuid(id[0], id[1], id[2], id[3]);
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
      if (session) tw.uuid(session[0], session[1], session[2], session[3]);
      else tw.nil();
      tw.tab();
      tw.raw(pools.taskTitles[title].bytes);
      tw.tab();
      tw.raw(E.task_status[status]);
      tw.tab();
      tw.raw(E.task_priority[priority]);
      tw.tab();
      tw.raw(E.execution_mode[mode]);
      tw.tab();
      tw.raw(E.risk_level[risk]);
      tw.tab();
      tw.raw(E.intent[intent]);
      tw.tab();
      tw.int(done ? 100 : Math.floor(rng.next() * 100));
      tw.tab();
      tw.timestamp(created);
      tw.tab();
      tw.timestamp(updated);
      tw.tab();
      if (status === STATUS.completed) tw.timestamp(updated);
      else tw.nil();
      tw.nl();
      if (tw.full) yield { table: 'auto_tasks', buf: tw.take() };
    } else if (!done) rng.next();

    const asks = status === STATUS.waitingApproval || (mode === 1 && risk >= 2);
    if (asks) {
      const pending = status === STATUS.waitingApproval;
      const decision = pending ? 0 : DIST.approvalDecision.pick(rng.next());
      const approver = rng.chance(0.8) ? idFor(seed, KEY.user, 0, ctx.userZipf.rank(rng.next())) : undefined;
      const reason = rng.chance(0.5) ? rng.int(pools.reasons.length) : -1;
      const decidedAfter = TIME_TO_DECIDE.at(rng.next());
      if (wantApprovals) {
        const aid = idFor(seed, KEY.approval, c.k, i);
        aw.uuid(aid[0], aid[1], aid[2], aid[3]);
        aw.tab();
        aw.uuid(id[0], id[1], id[2], id[3]);
        aw.tab();
        aw.int(tenant);
        aw.tab();
        if (approver && decision !== 0 && decision !== 3) aw.uuid(approver[0], approver[1], approver[2], approver[3]);
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
  if (lastTasks) yield { table: 'auto_tasks', buf: lastTasks };
  const lastApprovals = aw.done();
  if (lastApprovals) approvalBufs.push(lastApprovals);
  for (const buf of approvalBufs) yield { table: 'task_approvals', buf };
  if (wantTasks) counts.auto_tasks = (counts.auto_tasks ?? 0) + c.rows;
  if (wantApprovals) counts.task_approvals = (counts.task_approvals ?? 0) + approvals;
}
