/** n-plus-one's computed finding and notes: sentences built from the measured numbers only. */
import type { QueryResult, VariantResult } from '../../reports/schema.ts';
import type { PickedUser } from './index.ts';

function ms(n: number | undefined): string {
  if (n === undefined) return '?';
  return n >= 10 ? `${n.toFixed(0)} ms` : n >= 1 ? `${n.toFixed(1)} ms` : `${n.toFixed(2)} ms`;
}

function kb(n: number | undefined): string {
  return n === undefined ? '?' : `${(n / 1024).toFixed(1)} kB`;
}

/** Finding, notes and scenario metrics for the busiest user measured. */
export function describeFindings(variants: VariantResult[], users: PickedUser[], applied: ReadonlyMap<number, number> = new Map()): { finding: string; notes: string[]; metrics: Record<string, number> } {
  const busiest = [...users].sort((a, b) => b.wanted - a.wanted)[0];
  if (!busiest) return { finding: 'no user with sessions was found in the data set', notes: [], metrics: {} };
  const name = `sessions-${busiest.wanted}`;
  const get = (variant: string, delayMs: number): QueryResult | undefined =>
    variants.find((v) => v.name === variant)?.queries.find((q) => q.name === name && q.params?.delayMs === delayMs);
  const n1 = (d: number) => get('n-plus-one', d);
  const jn = (d: number) => get('join', d);
  const ag = (d: number) => get('aggregate', d);
  const speed = (a?: QueryResult, b?: QueryResult) => (a && b && b.latencyMs.p50 > 0 ? a.latencyMs.p50 / b.latencyMs.p50 : 0);
  const speed0 = speed(n1(0), jn(0));
  const speed2 = speed(n1(2), jn(2));
  const finding =
    `For a user with ${busiest.sessions} sessions, N+1 sends ${n1(0)?.statements ?? '?'} statements in ${n1(0)?.roundTrips ?? '?'} round trips: ` +
    `${ms(n1(0)?.latencyMs.p50)} direct and ${ms(n1(2)?.latencyMs.p50)} at 2 ms per direction, against ${jn(0)?.statements ?? '?'} statement and ` +
    `${ms(jn(0)?.latencyMs.p50)} / ${ms(jn(2)?.latencyMs.p50)} for one JOIN (${speed0.toFixed(1)}× faster direct, ${speed2.toFixed(1)}× at 2 ms).`;
  const perSession = variants.find((v) => v.name === 'n-plus-one')?.queries.find((q) => q.name === name)?.planSummary;
  const notes = [
    `Delays are added per direction by an in-process TCP proxy (a round trip gains twice the delay); delayMs=0 is a direct loopback connection. ` +
      `Statements (Query/Execute messages) and round trips (client turns) are counted on the wire by the proxy, not by the code issuing them.` +
      (applied.size > 0
        ? ` Delay really applied per chunk (mean): ${[...applied].map(([d, a]) => `${a.toFixed(2)} ms for ${d} ms requested`).join(', ')} — Node timers and CPU scheduling overshoot on a busy machine.`
        : ''),
    `Bytes received for that user: N+1 ${kb(n1(0)?.bytesReceived)}, JOIN ${kb(jn(0)?.bytesReceived)} (session columns repeated on every message row), ` +
      `json_agg ${kb(ag(0)?.bytesReceived)} (${ms(ag(0)?.latencyMs.p50)} direct, ${ms(ag(2)?.latencyMs.p50)} at 2 ms).`,
    ...users
      .filter((u) => u !== busiest)
      .map((u) => {
        const at = (variant: string) => variants.find((v) => v.name === variant)?.queries.find((q) => q.name === `sessions-${u.wanted}` && q.params?.delayMs === 0.5);
        return `User with ${u.sessions} session(s), at 0.5 ms per direction: N+1 ${ms(at('n-plus-one')?.latencyMs.p50)} (${at('n-plus-one')?.statements ?? '?'} statements) vs JOIN ${ms(at('join')?.latencyMs.p50)}.`;
      }),
    ...(perSession?.partitionsScanned !== undefined
      ? [`The per-session query filters on session_id only, so it cannot prune monthly partitions: each of the N queries probes ${perSession.partitionsScanned} partition indexes (${(perSession.nodeTypes ?? []).join(', ')}).`]
      : []),
  ];
  const appliedMetrics = Object.fromEntries([...applied].map(([d, a]) => [`appliedDelay${String(d).replace('.', '_')}`, a]));
  return { finding, notes, metrics: { speedupJoinVsNPlusOneDirect: speed0, speedupJoinVsNPlusOneDelay2: speed2, busiestUserSessions: busiest.sessions, ...appliedMetrics } };
}
