/** maintenance's computed finding and notes: sentences built from the measured numbers only. */
import { formatBytes, formatMs } from '../../reports/format.ts';
import { compareLatency } from '../measure.ts';
import type { StageMeasure } from './index.ts';
import { type ClusterForms, type Observed, PROBE_LOCK_TIMEOUT_MS, type Refusal } from './operations.ts';

/** What the scratch copy holds and the session looked up. */
export interface Copy {
  schema: string;
  /** Start of the first copied month and of the month after the last (ISO). */
  first: string;
  end: string;
  rows: number;
  /** Leaf partitions of the copy (the copied months and DEFAULT). */
  partitions: number;
  session: { id: string; messages: number };
  /** The server's wal_level: at `minimal` a rewrite into a new file is not WAL-logged. */
  walLevel: string;
  walSkipThreshold: string;
}

const blocks = (n: number | undefined) => `${(n ?? 0).toLocaleString('en-US', { maximumFractionDigits: 1 })} heap block${n === 1 ? '' : 's'}`;

function change(before: number, after: number, fewer: string, more: string, same: string): string {
  if (after < before) return fewer;
  if (after > before) return more;
  return same;
}

/** "blocked a concurrent read and a write", "let a concurrent read and a write through", or the mix; unobserved when it never waited. */
function users(o: Observed | undefined): string {
  if (!o?.probedWhileRunning) return 'its effect on concurrent reads and writes was not observed (it ended before the probes did)';
  if (o.readBlocked && o.writeBlocked) return 'a concurrent read and a write both waited for it';
  if (!o.readBlocked && !o.writeBlocked) return 'a concurrent read and a write both went through';
  return `a concurrent read ${o.readBlocked ? 'waited' : 'went through'} and a write ${o.writeBlocked ? 'waited' : 'went through'}`;
}

/** The lock modes the operation held or awaited, by relation kind: "ShareUpdateExclusiveLock on the table, …". */
export function lockSummary(o: Observed | undefined): string {
  if (!o || o.locks.length === 0) return 'no relation locks seen';
  const kindName: Record<string, string> = { r: 'partition', p: 'partitioned table', i: 'index', I: 'partitioned index' };
  const byMode = new Map<string, Set<string>>();
  for (const l of o.locks) {
    const key = `${l.mode}${l.granted ? '' : ' (awaited)'}`;
    const set = byMode.get(key) ?? new Set<string>();
    set.add(l.kind ? (kindName[l.kind] ?? `relkind ${l.kind}`) : 'a new relation');
    byMode.set(key, set);
  }
  return [...byMode].map(([mode, kinds]) => `${mode} on ${[...kinds].join(', ')}`).join('; ');
}

/** compareLatency's phrase as a clause about the lookup after the operation against before it. */
function lookupChange(phrase: string): string {
  if (phrase.startsWith('faster') || phrase.startsWith('slower')) return `its lookup is ${phrase.replace(/^(faster|slower)/, '$1 than before it')}`;
  return `its lookup shows ${phrase} against before it`;
}

const refused = (r: Refusal | undefined) => (r ? `refused (SQLSTATE ${r.sqlstate}: ${r.message})` : 'accepted');

/** What the server said to the forms of CLUSTER a schedule might use on a partitioned table. */
function formsText(f: ClusterForms): string {
  return `\`CLUSTER message_history\` without USING ${refused(f.bare)}; \`ALTER TABLE message_history CLUSTER ON idx_messages_session\` ${refused(f.markOn)}; CLUSTER … USING inside a transaction block ${refused(f.inTransaction)}` +
    (f.bare ? ' — so a schedule must always name the index' : '');
}

/** The finding (CLUSTER's heap blocks and lookup, REINDEX's index size, each one's cost) and notes with the detail. */
export function describeFindings(stages: readonly StageMeasure[], copy: Copy, forms: ClusterForms): { finding: string; notes: string[] } {
  const at = (name: string) => stages.find((s) => s.variant.name === name);
  const w = at('as-written');
  const r = at('reindexed');
  const c = at('clustered');
  if (!w || !r || !c) return { finding: 'maintenance did not measure every stage', notes: [] };
  const wm = w.variant.metrics;
  const rm = r.variant.metrics;
  const cm = c.variant.metrics;
  const q = (s: StageMeasure) => s.variant.queries.find((x) => x.name === 'session-messages');
  const cost = (s: StageMeasure) => `${(s.operation?.seconds ?? 0).toFixed(3)} s and ${formatBytes(s.operation?.walBytes ?? 0)} of WAL`;
  const cluster =
    `CLUSTER on idx_messages_session ${change(wm.sessionHeapBlocks ?? 0, cm.sessionHeapBlocks ?? 0, 'gathered', 'spread', 'left')} the busiest session's ${copy.session.messages} messages ` +
    `from ${blocks(wm.sessionHeapBlocks)} to ${blocks(cm.sessionHeapBlocks)} (every session: ${(wm.heapBlocksPerSession ?? 0).toFixed(2)} → ${(cm.heapBlocksPerSession ?? 0).toFixed(2)} blocks on average, ${(cm.floorBlocksPerSession ?? 0).toFixed(2)} the least its rows fit on) ` +
    `and ${lookupChange(compareLatency(q(c), q(r)))}; it took ${cost(c)}${copy.walLevel === 'minimal' ? ` (wal_level = minimal: rewritten files over wal_skip_threshold, ${copy.walSkipThreshold}, are synced, not logged)` : ''}, and while it ran ${users(c.observed)}`;
  const reindex =
    `REINDEX INDEX CONCURRENTLY ${change(wm.indexBytes ?? 0, rm.indexBytes ?? 0, 'shrank', 'grew', 'left')} the index grown by inserts from ${formatBytes(wm.indexBytes ?? 0)} to ${formatBytes(rm.indexBytes ?? 0)} ` +
    `in ${cost(r)}, moved no heap row (${blocks(rm.sessionHeapBlocks)} for that session), and while it ran ${users(r.observed)}`;
  const finding = `${cluster}. ${reindex}.`;
  const notes = [
    `Copied into scratch schema ${copy.schema} (dropped afterwards): ${copy.rows.toLocaleString('en-US')} messages from ${copy.first.slice(0, 7)} to ${copy.end.slice(0, 7)} (exclusive) in ${copy.partitions} partitions (the months and DEFAULT), written in a shuffled order (md5 of the id) after idx_messages_session was created, so the index grew by inserts and no session's messages sit together; autovacuum off on the copy.`,
    `Both operations ran on the partitioned message_history as a whole (REINDEX INDEX CONCURRENTLY rebuilds each partition's index; CLUSTER … USING clusters each partition on its partition of the index, and marked ${forms.partitionsMarked} of the ${forms.partitions} partitions' indexes clustered). The other forms on this server: ${formsText(forms)}.`,
    `Heap blocks are the distinct (partition, block) pairs of the session's rows' ctids: where the rows lie, whatever the cache holds. The lookup's plan touched ${wm.sessionBuffers ?? 0} → ${rm.sessionBuffers ?? 0} → ${cm.sessionBuffers ?? 0} buffers (EXPLAIN BUFFERS, shared hit + read, as written → reindexed → clustered), index pages included; on a warm cache they are hits, on a cold one each heap block is a read.`,
    `CLUSTER also rebuilt the index (${formatBytes(cm.indexBytes ?? 0)} after it) and rewrote the heap (${formatBytes(wm.heapBytes ?? 0)} → ${formatBytes(cm.heapBytes ?? 0)}); it needs room for a second copy of each partition and its indexes while it runs. Later inserts are not kept in session order: the grouping decays with new traffic, hence the guide's schedule.`,
    `Locks: each operation ran a second time while another connection held an open REPEATABLE READ transaction that had read the table, so it had to wait; meanwhile pg_locks showed CLUSTER with ${lockSummary(c.observed)}${c.observed?.waitEvent ? ` (waiting on ${c.observed.waitEvent})` : ''}, and REINDEX CONCURRENTLY with ${lockSummary(r.observed)}${r.observed?.waitEvent ? ` (waiting on ${r.observed.waitEvent})` : ''}. The probes (a read of the session and a rolled-back UPDATE) gave up after lock_timeout = ${PROBE_LOCK_TIMEOUT_MS} ms. A CLUSTER queued for ACCESS EXCLUSIVE stops every later reader of the table until it has run, so a long transaction in front of it stalls the table.`,
    copy.walLevel === 'minimal'
      ? `The server runs with wal_level = minimal, where a relation created or rewritten in the same transaction is written to the WAL at commit only when smaller than wal_skip_threshold (${copy.walSkipThreshold}), else synced to disk instead (docs: runtime-config-wal.html): CLUSTER's WAL here leaves out every rewritten file larger than that. With wal_level = replica (the default, needed for replicas and point-in-time recovery) a rewrite logs every page it writes — about the new heap and indexes, ${formatBytes((cm.heapBytes ?? 0) + (cm.indexBytes ?? 0))} here — and every replica replays it.`
      : `The server runs with wal_level = ${copy.walLevel}: the rewrites log every page they write, and every replica replays it.`,
    `Latency of the session lookup, p50 as written → reindexed → clustered: ${[w, r, c].map((s) => formatMs(q(s)?.latencyMs.p50 ?? 0)).join(' → ')}.`,
  ];
  return { finding, notes };
}
