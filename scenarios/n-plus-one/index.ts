/**
 * n-plus-one: one user's sessions with their messages, for real users with about 1, 10
 * and 50 sessions — as N+1 queries, one JOIN, and one aggregating query. Per whole
 * operation: latency, statements and round trips (counted on the wire by a proxy) and
 * bytes each way; measured directly and through a proxy adding 0.5 ms and 2 ms per
 * direction, because loopback hides what a round trip costs on a network.
 */
import pg from 'pg';
import { type DelayProxy, type ProxyCounters, startDelayProxy, upstreamOf, viaProxy } from '../../bench/delay-proxy.ts';
import { explain } from '../../bench/explain.ts';
import { measureLatency } from '../../bench/latency.ts';
import { StatementTimeout, statementTimeoutGuard, withStatementTimeout } from '../../bench/timeout.ts';
import { type RelationSize, tableSizes } from '../../bench/sizes.ts';
import { PgscaleError } from '../../core/errors.ts';
import { toPgscaleError } from '../../db/errors.ts';
import { quoteIdent } from '../../db/quote.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { inVariant, toQueryResult } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { describeFindings } from './findings.ts';

const NAME = 'n-plus-one';
export const VARIANTS = ['n-plus-one', 'join', 'aggregate'] as const;
export type Variant = (typeof VARIANTS)[number];
/** Session counts wanted; the nearest real users are measured. */
export const WANTED_SESSIONS = [1, 10, 50] as const;
/** Added delay per direction, in ms; 0 is a direct connection (no proxy). */
export const DELAYS_MS = [0, 0.5, 2] as const;

/** The scenario-wide metric holding the delay a proxy really held, per delay requested (a direct connection has no proxy). */
const APPLIED_DELAY = { 0.5: 'appliedDelay0_5', 2: 'appliedDelay2' } as const satisfies Record<Exclude<(typeof DELAYS_MS)[number], 0>, string>;

/**
 * What each named metric is: ratios of two gated latencies, and the delay a proxy really
 * held, are shown, not judged; the busiest user's session count is a fact of the data.
 */
export const METRICS = {
  nPlusOneOverJoinDirect: { kind: 'info', unit: 'x', gated: false },
  nPlusOneOverJoinDelay2: { kind: 'info', unit: 'x', gated: false },
  nPlusOneOverAggregateDelay2: { kind: 'info', unit: 'x', gated: false },
  busiestUserSessions: { kind: 'info' },
  [APPLIED_DELAY[0.5]]: { kind: 'info', unit: 'ms', gated: false },
  [APPLIED_DELAY[2]]: { kind: 'info', unit: 'ms', gated: false },
} satisfies MetricDeclarations;
export type NPlusOneMetric = keyof typeof METRICS;

/** The applied delays (requested → mean held, ms) as named metrics. */
export function appliedDelayMetrics(applied: ReadonlyMap<number, number>): NamedMetrics<NPlusOneMetric> {
  const names = new Map<number, NPlusOneMetric>(Object.entries(APPLIED_DELAY).map(([d, name]) => [Number(d), name]));
  const out: NamedMetrics<NPlusOneMetric> = {};
  for (const [d, ms] of applied) {
    const name = names.get(d);
    // APPLIED_DELAY names every delay of DELAYS_MS but 0 (the type says so), and only proxied links hold one.
    if (!name) throw new PgscaleError('INTERNAL', `n-plus-one: no metric name for an applied delay of ${d} ms`);
    out[name] = ms;
  }
  return out;
}

const sql = namedStatements(readSql(import.meta.url, 'queries.sql'));

interface Statements {
  sessions: string;
  messages: string;
  join: string;
  aggregate: string;
}

/** One whole operation of a variant: everything a page showing the user's history needs. */
export function operation(variant: Variant, st: Statements): (client: pg.Client, userId: string) => Promise<number> {
  switch (variant) {
    case 'n-plus-one':
      return async (client, userId) => {
        const sessions = await client.query<{ id: string }>(st.sessions, [userId]);
        let rows = sessions.rowCount ?? 0;
        for (const s of sessions.rows) rows += (await client.query(st.messages, [s.id])).rowCount ?? 0;
        return rows;
      };
    case 'join':
      return async (client, userId) => (await client.query(st.join, [userId])).rowCount ?? 0;
    case 'aggregate':
      return async (client, userId) => (await client.query(st.aggregate, [userId])).rowCount ?? 0;
  }
}

export interface PickedUser {
  wanted: number;
  userId: string;
  sessions: number;
}

/** A connection, optionally through a delay proxy. */
interface Link {
  delayMs: number;
  client: pg.Client;
  proxy?: DelayProxy;
}

async function openLink(ctx: ScenarioContext, delayMs: number, proxied: boolean): Promise<Link> {
  if (!proxied) return { delayMs, client: listen(ctx, await ctx.target.connect()) };
  const proxy = await startDelayProxy({ upstream: upstreamOf(ctx.target.config), delayMs });
  const client = new pg.Client(viaProxy(ctx.target.config, proxy));
  try {
    await listen(ctx, client).connect();
  } catch (err) {
    await proxy.close();
    throw toPgscaleError(err, { where: `delay proxy 127.0.0.1:${proxy.port} → ${ctx.target.describe}` });
  }
  return { delayMs, client, proxy };
}

/**
 * An error on an idle connection (server gone, proxy closed) is emitted as an event; with
 * no listener it would end the process. The next query on it fails and is reported.
 */
function listen(ctx: ScenarioContext, client: pg.Client): pg.Client {
  client.on('error', (err) => ctx.log(`${NAME}: connection error: ${err.message}`));
  return client;
}

/** The delay each proxy really applied while latency was measured (timers and scheduling overshoot). */
class HeldDelays {
  private readonly byDelay = new Map<number, { chunks: number; heldMs: number }>();

  add(delayMs: number, c: Pick<ProxyCounters, 'chunks' | 'meanHeldMs'>): void {
    const t = this.byDelay.get(delayMs) ?? { chunks: 0, heldMs: 0 };
    t.chunks += c.chunks;
    t.heldMs += c.meanHeldMs * c.chunks;
    this.byDelay.set(delayMs, t);
  }

  /** Requested delay → mean applied delay per chunk, in ms. */
  applied(): Map<number, number> {
    return new Map([...this.byDelay].map(([d, t]) => [d, t.chunks > 0 ? t.heldMs / t.chunks : 0]));
  }
}

/**
 * One operation counted on the wire by the link's proxy, under the hard cap: undefined
 * when the cap cut it off (the probe was not, or counting would have been skipped).
 */
async function countOne(link: Link, capMs: number, run: () => Promise<unknown>): Promise<ProxyCounters | undefined> {
  const proxy = link.proxy!;
  try {
    // Reset after the cap is set and read before it is put back: those two statements are not the operation's.
    return await withStatementTimeout(link.client, capMs, async () => {
      await proxy.reset();
      await run();
      return proxy.counters();
    });
  } catch (err) {
    if (err instanceof StatementTimeout) return undefined;
    throw err;
  }
}

async function closeLink(l: Link): Promise<void> {
  await l.client.end().catch(() => undefined);
  await l.proxy?.close();
}

export const nPlusOne: Scenario<NPlusOneMetric> = {
  name: NAME,
  description: 'one user\'s sessions with their messages: N+1 queries vs one JOIN vs one json_agg query, direct and at 0.5/2 ms network delay',
  hypothesis: 'N+1 costs one round trip per session, so its time grows with the session count and the network delay while a single JOIN or aggregate stays flat; on loopback the difference is small and misleading.',
  claim: 'Bad (N+1): SELECT * FROM user_sessions WHERE user_id = $1, then one SELECT * FROM message_history WHERE session_id = $1 per session. Good: one LEFT JOIN ordered by s.created_at DESC, m.message_index.',
  variants: VARIANTS,
  datasets: ['smallint'],
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<NPlusOneMetric>> {
    const setup = { scenario: NAME, variant: 'setup' };
    const ds = await inVariant(setup, 'load', () => ctx.dataset('smallint'));
    const frag = { schema: quoteIdent(ds.schema) };
    const st: Statements = {
      sessions: fill(statement(sql, 'sessions-of-user'), frag),
      messages: fill(statement(sql, 'messages-of-session'), frag),
      join: fill(statement(sql, 'join'), frag),
      aggregate: fill(statement(sql, 'aggregate'), frag),
    };
    const links: Link[] = [];
    try {
      const direct = await openLink(ctx, 0, false);
      links.push(direct);
      await inVariant(setup, 'vacuum and prewarm', () => ctx.warm(direct.client, ds.schema, ['user_sessions', 'message_history']));
      const users = await inVariant(setup, 'pick users', async () =>
        (await direct.client.query<{ wanted: number; user_id: string; sessions: number }>(fill(statement(sql, 'pick-users'), frag), [[...WANTED_SESSIONS]])).rows.map(
          (r): PickedUser => ({ wanted: r.wanted, userId: r.user_id, sessions: r.sessions }),
        ),
      );
      const sizes: RelationSize[] = [];
      for (const t of ['user_sessions', 'message_history']) sizes.push(...(await tableSizes(direct.client, ds.schema, t, ds.summary.rows[t as 'user_sessions'])));
      // A zero-delay proxy counts statements, round trips and bytes for the direct figures.
      const counter = await openLink(ctx, 0, true);
      links.push(counter);
      const delayed = [];
      for (const d of DELAYS_MS.filter((x) => x > 0)) {
        const l = await openLink(ctx, d, true);
        links.push(l);
        delayed.push(l);
      }

      const held = new HeldDelays();
      const capMs = ctx.latency.hardCapMs;
      const variants: Array<ScenarioVariant<NPlusOneMetric>> = [];
      for (const variant of VARIANTS) {
        const where = { scenario: NAME, variant };
        const op = operation(variant, st);
        const queries: QueryResult[] = [];
        for (const u of users) {
          const name = `sessions-${u.wanted}`;
          const first = (await direct.client.query<{ id: string }>(st.sessions, [u.userId])).rows[0]?.id;
          // The plan of the statement that runs per session (N+1) or once (join, aggregate).
          const planned = await inVariant(where, `plan of ${name}`, () =>
            variant === 'n-plus-one'
              ? explain(direct.client, st.messages, [first ?? '00000000-0000-0000-0000-000000000000'], { schema: ds.schema, capMs })
              : explain(direct.client, st[variant], [u.userId], { schema: ds.schema, capMs }),
          );
          for (const link of [direct, ...delayed]) {
            ctx.log(`${NAME}/${variant}: user with ${u.sessions} sessions, ${link.delayMs ? `${link.delayMs} ms per direction` : 'direct'}`);
            await link.proxy?.reset();
            const latency = await inVariant(where, `${name} at ${link.delayMs} ms`, () =>
              measureLatency(name, () => op(link.client, u.userId), ctx.latency, statementTimeoutGuard(link.client)),
            );
            if (link.proxy) held.add(link.delayMs, await link.proxy.counters());
            // Count one operation on the wire: through this link's proxy, or the zero-delay one for direct.
            const countLink = link.proxy ? link : counter;
            const c = latency.state === 'timed-out' ? undefined : await inVariant(where, `${name} counted`, () => countOne(countLink, capMs, () => op(countLink.client, u.userId)));
            queries.push(
              toQueryResult(name, latency, {
                params: { sessions: u.sessions, delayMs: link.delayMs },
                statements: c?.statements,
                roundTrips: c?.roundTrips,
                bytesSent: c?.bytesToServer,
                bytesReceived: c?.bytesToClient,
                planSummary: planned.summary,
                ...(link.delayMs === 0 ? { plan: planned.plan } : {}),
              }),
            );
          }
        }
        variants.push({ name: variant, description: describe(variant), sizes, queries, metrics: {} });
      }
      const applied = held.applied();
      const found = describeFindings(variants, users, applied);
      return { ...found, metrics: { ...found.metrics, ...appliedDelayMetrics(applied) }, variants };
    } finally {
      for (const l of links) await closeLink(l);
    }
  },
};

function describe(v: Variant): string {
  switch (v) {
    case 'n-plus-one':
      return 'sessions query, then one messages query per session (1 + N statements); plan shown: the per-session query';
    case 'join':
      return 'one LEFT JOIN of sessions and messages (session columns repeated per message)';
    case 'aggregate':
      return 'one query: sessions with their messages as a json_agg array (LEFT JOIN LATERAL)';
  }
}
