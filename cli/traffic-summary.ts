/**
 * What `pgscale traffic` prints when it ends: a pgbench-like summary for people, or one
 * JSON object for CI scripts (these names are a contract: add fields, rename none).
 */
import type { CapacityResult, Traffic, TrafficLatency } from '../reports/schema.ts';

const n = (x: number) => x.toLocaleString('en-US');
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x >= 1 ? x.toFixed(2) : x.toFixed(3));

/** The --json object. */
export function trafficJson(t: Traffic) {
  const lat = (l: TrafficLatency) => ({ p50: l.p50, p90: l.p90, p99: l.p99, p999: l.p999, max: l.max, mean: l.mean });
  return {
    mode: t.mode,
    targetRate: t.targetRate,
    achievedRate: t.achievedRate,
    durationSeconds: t.durationSeconds,
    transactions: t.transactions,
    dropped: t.dropped,
    errors: t.errors,
    retries: t.retries,
    reconnects: t.reconnects,
    errorsBySqlstate: t.errorsBySqlstate,
    latencyMs: lat(t.latencyMs),
    scheduleLagMs: t.scheduleLagMs,
    perTransaction: t.perTransaction.map((p) => ({ name: p.name, weight: p.weight, transactions: p.transactions, errors: p.errors, retries: p.retries, latencyMs: lat(p.latencyMs) })),
    client: { threads: t.client.threads, cpuSeconds: t.client.cpuSeconds, eventLoopLagP99Ms: t.client.eventLoopLagP99Ms, eventLoopUtilization: t.client.eventLoopUtilization },
    clientBound: t.clientBound,
    clientBoundReasons: t.clientBoundReasons ?? [],
    slo: t.slo ? { spec: t.slo.spec, met: t.slo.met, checks: t.slo.checks } : null,
    partial: t.partial ?? false,
    defaultPartitionRows: t.dataset?.defaultPartitionRows,
    shards: t.shards ? { count: t.shards.count, placement: t.shards.placement, crossShardTransactions: t.shards.crossShardTransactions, perShard: t.shards.perShard } : null,
  };
}

/** The closing summary, pgbench style. */
export function trafficSummary(t: Traffic): string {
  const lines: string[] = [''];
  lines.push(`workload: ${t.workload.kind === 'mix' ? `${t.workload.name} mix` : t.workload.name} (${t.perTransaction.length} transaction type${t.perTransaction.length === 1 ? '' : 's'})${t.dataset ? ` on ${t.dataset.schema}` : ''}`);
  lines.push(
    t.mode === 'closed'
      ? `mode: closed loop, ${t.clients} clients, ${t.threads} thread(s)`
      : `mode: open loop, ${t.arrivals} arrivals, offered ${t.targetRate?.toFixed(1)} tx/s${t.stages ? ' (mean over the stages)' : ''}, at most ${t.clients} connections, ${t.threads} thread(s)`,
  );
  lines.push(`duration: ${t.durationSeconds.toFixed(1)} s (after ${t.warmupSeconds} s of warm-up)${t.partial ? ` — PARTIAL: ${t.stoppedBecause}` : ''}`);
  if (t.part) {
    lines.push(`part: ${t.part.index}/${t.part.count} of a run of ${t.part.of.clients} connections${t.part.of.rate !== null ? ` and ${t.part.of.rate} tx/s` : ''}; merge every part's results.json with pgscale merge`);
  }
  if (t.mergedFrom) lines.push(`merged from ${t.mergedFrom.length} parts: ${t.mergedFrom.map((p) => `${p.index}/${p.count}${p.host ? ` on ${p.host}` : ''} ${n(p.transactions)} transactions`).join(', ')}`);
  const attempts = t.transactions + t.errors;
  lines.push(`transactions: ${n(t.transactions)}, ${t.achievedRate.toFixed(1)} tps; failed ${n(t.errors)} (${attempts ? ((100 * t.errors) / attempts).toFixed(3) : '0.000'} %), retried ${n(t.retries)}, dropped ${n(t.dropped)}, reconnects ${n(t.reconnects)}`);
  if (t.shards) {
    const sh = t.shards;
    lines.push(`shards: ${sh.count}, tenants placed by ${sh.placement}; cross-shard transactions: ${n(sh.crossShardTransactions)}`);
    for (const p of sh.perShard) lines.push(`  shard ${p.shard}/${sh.count}: ${n(p.transactions)} transactions, ${p.rate.toFixed(1)} tps, failed ${n(p.errors)}`);
  }
  const codes = Object.entries(t.errorsBySqlstate);
  if (codes.length) lines.push(`failures by SQLSTATE: ${codes.map(([c, k]) => `${c} ${n(k)}`).join(', ')}`);
  lines.push(`latency in ms${t.mode === 'open' ? ', from each transaction\'s intended start' : ''}:`);
  const rows = [['', 'weight', 'tx', 'failed', 'p50', 'p90', 'p99', 'p99.9', 'max']];
  for (const p of t.perTransaction) rows.push([p.name, String(p.weight), n(p.transactions), n(p.errors), ms(p.latencyMs.p50), ms(p.latencyMs.p90), ms(p.latencyMs.p99), ms(p.latencyMs.p999), ms(p.latencyMs.max)]);
  rows.push(['all', '', n(t.transactions), n(t.errors), ms(t.latencyMs.p50), ms(t.latencyMs.p90), ms(t.latencyMs.p99), ms(t.latencyMs.p999), ms(t.latencyMs.max)]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) lines.push(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`);
  if (t.mode === 'open') lines.push(`schedule lag (actual − intended start): p50 ${ms(t.scheduleLagMs.p50)} ms, p99 ${ms(t.scheduleLagMs.p99)} ms, max ${ms(t.scheduleLagMs.max)} ms`);
  const c = t.client;
  lines.push(`client: ${(c.cpuCores ?? 0).toFixed(2)} cores of CPU, busiest thread's event loop ${((c.eventLoopUtilization ?? 0) * 100).toFixed(0)} % busy, event-loop delay p99 ${ms(c.eventLoopLagP99Ms)} ms`);
  if (t.clientBound) lines.push(`CLIENT-BOUND: the load generator was the limit, not the database — ${(t.clientBoundReasons ?? []).join('; ')}. Use more --threads, or a second machine.`);
  const def = Object.entries(t.dataset?.defaultPartitionRows ?? {}).filter(([, k]) => k > 0);
  if (def.length) lines.push(`WARNING: rows in DEFAULT partitions: ${def.map(([tab, k]) => `${tab}_default ${n(k)}`).join(', ')} (a partition was missing for their timestamps)`);
  if (t.slo) lines.push(`SLO ${t.slo.spec}: ${t.slo.met ? 'met' : 'MISSED'} (${t.slo.checks.map((k) => `${k.term}: ${k.term.startsWith('errors') ? `${k.actual.toFixed(3)} %` : k.term.startsWith('tps') ? `${k.actual.toFixed(1)} tps` : `${ms(k.actual)} ms`} ${k.met ? '✓' : '✗'}`).join(', ')})`);
  return lines.join('\n');
}

/** The capacity search's steps, as a table. */
export function capacitySummary(c: CapacityResult): string {
  const rows = [['step', 'offered', 'achieved', 'p50 ms', 'p99 ms', 'p99.9 ms', 'errors', 'verdict']];
  const all = [...c.steps, ...(c.confirmation?.windows ?? [])];
  all.forEach((s, i) => rows.push([`${i + 1} ${s.phase}`, s.rate.toFixed(0), s.achievedRate.toFixed(0), ms(s.p50Ms), ms(s.p99Ms), ms(s.p999Ms), n(s.errors), `${s.passed ? 'pass' : `fail: ${s.limitedBy}`}${(s.windows ?? 1) > 1 ? ` (${s.windows} windows)` : ''}`]));
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const lines = ['', `capacity search, ${c.slo}, ${c.clients} connections, ${c.stepSeconds} s steps:`];
  for (const r of rows) lines.push(`  ${r.map((cell, i) => (i === 0 || i === 7 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ')}`);
  lines.push(`capacity: ${c.maxRate.toFixed(0)} tx/s (bracket ${c.low.toFixed(0)}–${c.high.toFixed(0)})${c.limitedBy ? `, limited by ${c.limitedBy}` : ''}${c.note ? ` — ${c.note}` : ''}`);
  return lines.join('\n');
}
