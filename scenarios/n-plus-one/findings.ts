/** n-plus-one's computed finding and notes: sentences built from the measured numbers only. */
import { formatBytes, formatMs } from '../../reports/format.ts';
import type { QueryResult, VariantResult } from '../../reports/schema.ts';
import type { NamedMetrics } from '../index.ts';
import type { NPlusOneMetric, PickedUser } from './index.ts';

function ms(n: number | undefined): string {
  return n === undefined ? '?' : formatMs(n);
}

function bytes(n: number | undefined): string {
  return n === undefined ? '?' : formatBytes(n);
}

/** Finding, notes and scenario metrics (ratios are N+1's median over the other's) for the busiest user measured. */
export function describeFindings(
  variants: ReadonlyArray<Pick<VariantResult, 'name' | 'queries'>>,
  users: PickedUser[],
  applied: ReadonlyMap<number, number> = new Map(),
): { finding: string; notes: string[]; metrics: NamedMetrics<NPlusOneMetric> } {
  const busiest = [...users].sort((a, b) => b.wanted - a.wanted)[0];
  if (!busiest) return { finding: 'no user with sessions was found in the data set', notes: [], metrics: {} };
  const name = `sessions-${busiest.wanted}`;
  const get = (variant: string, delayMs: number): QueryResult | undefined =>
    variants.find((v) => v.name === variant)?.queries.find((q) => q.name === name && q.params?.delayMs === delayMs);
  const n1 = (d: number) => get('n-plus-one', d);
  const jn = (d: number) => get('join', d);
  const ag = (d: number) => get('aggregate', d);
  const slower = (a?: QueryResult, b?: QueryResult) => (a && b && b.latencyMs.p50 > 0 ? a.latencyMs.p50 / b.latencyMs.p50 : 0);
  const times = (r: number) => (r >= 1 ? `${r.toFixed(1)}× slower` : `${(1 / r).toFixed(1)}× faster`);
  const speed0 = slower(n1(0), jn(0));
  const speed2 = slower(n1(2), jn(2));
  const finding =
    `For a user with ${busiest.sessions} sessions, N+1 sends ${n1(0)?.statements ?? '?'} statements in ${n1(0)?.roundTrips ?? '?'} round trips: ` +
    `${ms(n1(0)?.latencyMs.p50)} direct and ${ms(n1(2)?.latencyMs.p50)} at 2 ms per direction; one JOIN (${jn(0)?.statements ?? '?'} statement) takes ` +
    `${ms(jn(0)?.latencyMs.p50)} / ${ms(jn(2)?.latencyMs.p50)} and the json_agg query ${ms(ag(0)?.latencyMs.p50)} / ${ms(ag(2)?.latencyMs.p50)} — ` +
    `N+1 is ${times(speed0)} than the JOIN direct and ${times(speed2)} at 2 ms.`;
  const perSession = n1(0)?.planSummary;
  const joinPlan = jn(0)?.planSummary;
  const joinScans = joinPlan && !(joinPlan.parentIndexes ?? joinPlan.indexes).includes('idx_messages_session');
  const notes = [
    `Delays are added per direction by a TCP proxy in its own worker thread, so holding chunks does not occupy the measured client's event loop (a round trip gains twice the delay); delayMs=0 is a direct loopback connection. ` +
      `Statements (Query/Execute messages) and round trips (client turns) are counted on the wire by the proxy, not by the code issuing them.` +
      (applied.size > 0
        ? ` Delay really applied per chunk (mean): ${[...applied].map(([d, a]) => `${a.toFixed(2)} ms for ${d} ms requested`).join(', ')} — timers and CPU scheduling overshoot on a busy machine.`
        : ''),
    `Bytes received for that user: N+1 ${bytes(n1(0)?.bytesReceived)}, JOIN ${bytes(jn(0)?.bytesReceived)} (session columns repeated on every message row), ` +
      `json_agg ${bytes(ag(0)?.bytesReceived)} (${ms(ag(0)?.latencyMs.p50)} direct, ${ms(ag(2)?.latencyMs.p50)} at 2 ms).`,
    ...users
      .filter((u) => u !== busiest)
      .map((u) => {
        const at = (variant: string) => variants.find((v) => v.name === variant)?.queries.find((q) => q.name === `sessions-${u.wanted}` && q.params?.delayMs === 0.5);
        return `User with ${u.sessions} session(s), at 0.5 ms per direction: N+1 ${ms(at('n-plus-one')?.latencyMs.p50)} (${at('n-plus-one')?.statements ?? '?'} statements) vs JOIN ${ms(at('join')?.latencyMs.p50)}.`;
      }),
    ...(joinScans
      ? [`The planner ran that JOIN as ${joinPlan.nodeTypes.filter((n) => /Join|Scan/.test(n)).join(' / ')} without idx_messages_session: it prices ${busiest.sessions} sessions × ${perSession?.partitionsScanned ?? '?'} partition index probes above one sequential pass over message_history, so the single JOIN reads the whole table; the LATERAL aggregate probes the index per session.`]
      : []),
    ...(perSession?.partitionsScanned !== undefined
      ? [`The per-session query filters on session_id only, so it cannot prune monthly partitions: each of the N queries probes ${perSession.partitionsScanned} partition indexes (${(perSession.nodeTypes ?? []).join(', ')}).`]
      : []),
  ];
  return {
    finding,
    notes,
    metrics: { nPlusOneOverJoinDirect: speed0, nPlusOneOverJoinDelay2: speed2, nPlusOneOverAggregateDelay2: slower(n1(2), ag(2)), busiestUserSessions: busiest.sessions },
  };
}
