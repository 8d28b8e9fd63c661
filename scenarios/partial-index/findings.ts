/** partial-index's computed finding and notes: sentences built from the measured numbers only. */
import { formatBytes, formatMs } from '../../reports/format.ts';
import type { QueryResult } from '../../reports/schema.ts';
import { compareLatency } from '../measure.ts';
import { type ArmMeasure, type Copy, INDEX, type Target } from './index.ts';

/** An index this small is a B-tree's floor (metapage + one leaf): a ratio against it understates the difference. */
const FLOOR_BYTES = 2 * 8192;
const WHAT: Record<Target, string> = { unread: 'unread messages', tasks: 'open tasks', approvals: 'pending approvals' };

const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : '?');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : '?×');

/** The finding (sizes, the unread query, the burst's WAL, generic plans) and notes with the detail. */
export function describeFindings(arms: readonly ArmMeasure[], copy: Copy): { finding: string; notes: string[] } {
  const p = arms.find((a) => a.variant.name === 'partial');
  const f = arms.find((a) => a.variant.name === 'full');
  if (!p || !f) return { finding: 'partial-index did not measure both arms', notes: [] };
  const pm = p.variant.metrics;
  const fm = f.variant.metrics;
  const q = (a: ArmMeasure, name: string) => a.variant.queries.find((x) => x.name === name);
  const bytes = (m: typeof pm, t: Target) => m[`${t}Bytes`] ?? 0;
  const shares: Record<Target, string> = { unread: pct(copy.unread, copy.messages), tasks: pct(copy.openTasks, copy.tasks), approvals: pct(copy.pending, copy.approvals) };
  const sizes = (['unread', 'tasks', 'approvals'] as const)
    .map((t) => `${WHAT[t]} (${shares[t]} of rows) ${formatBytes(bytes(pm, t))} vs ${formatBytes(bytes(fm, t))}${bytes(pm, t) <= FLOOR_BYTES ? ', the partial one at the page floor' : ''}`)
    .join('; ');
  const smaller = (['unread', 'tasks', 'approvals'] as const).map((t) => ratio(bytes(fm, t), bytes(pm, t))).join(', ');
  const generic = (['unread', 'tasks', 'approvals'] as const).filter((t) => pm[`${t}GenericUsesIndex`] === 0);
  const genericText =
    generic.length === 0
      ? 'a generic plan with the predicate as a parameter still used every partial index'
      : `with the predicate as a parameter a generic plan cannot use ${generic.map((t) => INDEX[t].name).join(' or ')} (the ${generic[0]} query: ${summaryOf(q(p, `${generic[0]}-generic`))}, ${formatMs(q(p, `${generic[0]}-generic`)?.latencyMs.p50 ?? 0)} p50)`;
  const wal = `the same burst of ${pm.burstTransactions ?? 0} writes wrote ${formatBytes(pm.burstWalBytes ?? 0)} of WAL with the partial indexes vs ${formatBytes(fm.burstWalBytes ?? 0)} with the full ones`;
  const finding =
    `The partial indexes are ${smaller} smaller than the same indexes without WHERE (${sizes}); ` +
    `the unread-messages query is ${compareLatency(q(p, 'unread'), q(f, 'unread'))} with the partial index; ${wal}; ${genericText}.`;
  const notes = [
    `Copied into each arm's scratch schema: ${copy.messages.toLocaleString('en-US')} messages (the data set's last two months), ${copy.tasks.toLocaleString('en-US')} tasks and ${copy.approvals.toLocaleString('en-US')} approvals; the unread query is timed for the user with the most unread messages.`,
    `Open-tasks queue: ${compareLatency(q(p, 'tasks'), q(f, 'tasks'))}; pending approvals: ${compareLatency(q(p, 'approvals'), q(f, 'approvals'))} (partial vs full).`,
    `Build time, partial vs full: ${(['unread', 'tasks', 'approvals'] as const).map((t) => `${WHAT[t]} ${(pm[`${t}BuildSeconds`] ?? 0).toFixed(3)} s vs ${(fm[`${t}BuildSeconds`] ?? 0).toFixed(3)} s`).join(', ')}.`,
    `Write burst (${p.burst.targetRate ?? '?'} tx/s offered, uniform, ${p.burst.durationSeconds.toFixed(0)} s; achieved ${p.burst.achievedRate.toFixed(0)} vs ${f.burst.achievedRate.toFixed(0)} tx/s), p50 partial vs full: ` +
      p.burst.perTransaction.map((tx) => `${tx.name} ${formatMs(tx.latencyMs.p50)} vs ${formatMs(f.burst.perTransaction.find((x) => x.name === tx.name)?.latencyMs.p50 ?? 0)}`).join(', ') +
      `. Index growth over it, partial vs full: ${(['unread', 'tasks', 'approvals'] as const).map((t) => `${WHAT[t]} ${formatBytes(pm[`${t}GrowthBytes`] ?? 0)} vs ${formatBytes(fm[`${t}GrowthBytes`] ?? 0)}`).join(', ')}. ` +
      'Marking a message read changes only is_read: the full index does not contain it, so that update can be HOT there, while the partial index names is_read in its WHERE and rules HOT out.',
    `Generic plans in the full arm: ${(['unread', 'tasks', 'approvals'] as const).map((t) => `${WHAT[t]} ${fm[`${t}GenericUsesIndex`] ? 'uses its index' : 'does not use its index'}`).join(', ')}. A prepared statement switches to a generic plan after five executions when it looks no worse (plan_cache_mode = auto); the platform mix's queue and approval queries pass the status as a parameter.`,
    ...((['unread', 'tasks', 'approvals'] as const).some((t) => bytes(pm, t) <= FLOOR_BYTES)
      ? [`At this scale a partial index of ${FLOOR_BYTES / 1024} KiB is the smallest a B-tree can be: its ratio to the full index is a floor, not the ratio at production size.`]
      : []),
  ];
  return { finding, notes };
}

function summaryOf(q: QueryResult | undefined): string {
  const nodes = q?.planSummary?.nodeTypes.filter((n) => /Scan/.test(n)) ?? [];
  return nodes.length > 0 ? [...new Set(nodes)].join(' + ') : 'plan unknown';
}
