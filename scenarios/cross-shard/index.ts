/**
 * cross-shard: what breaking the design's "no cross-shard queries" rule costs. Two
 * questions (the top users by messages, the daily message count), each asked of one
 * tenant on its own shard, of every tenant fanned out in parallel to every shard and
 * merged in the client, and of one server holding all the data; at 2 and 3 shards.
 * The shards are embedded servers the scenario starts and loads with the sharded loader.
 */
import type pg from 'pg';
import { explain } from '../../bench/explain.ts';
import { measureLatency } from '../../bench/latency.ts';
import { type RelationSize, tableSizes } from '../../bench/sizes.ts';
import { type Guard, statementTimeoutGuard } from '../../bench/timeout.ts';
import { PgscaleError } from '../../core/errors.ts';
import { shardOf } from '../../db/placement.ts';
import { quoteIdent } from '../../db/quote.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { inVariant, measureQuery, toQueryResult } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type PickedTenant, describeFindings } from './findings.ts';
import { type DayCount, type UserCount, mergeDaily, mergeTopUsers } from './merge.ts';
import { type CrossShardMetric, METRICS, QUESTIONS, type Question, SHARD_COUNTS, TOP_USERS, VARIANTS } from './plan.ts';
import { type Layout, startShards } from './shards.ts';

const NAME = 'cross-shard';
const sql = namedStatements(readSql(import.meta.url, 'queries.sql'));

/** A question's SQL and parameters, for all tenants or for one. */
function question(q: Question, schema: string, tenant?: string): { sql: string; params: unknown[] } {
  const frag = { schema: quoteIdent(schema) };
  const name = `${q === 'top-users' ? 'top-users' : 'daily'}-${tenant === undefined ? 'global' : 'tenant'}`;
  const limit = q === 'top-users' ? [TOP_USERS] : [];
  return { sql: fill(statement(sql, name), frag), params: tenant === undefined ? limit : [tenant, ...limit] };
}

/** Ask every shard of a layout at once and merge their answers as the single server would give them. */
export async function fanOut(layout: Layout, q: Question): Promise<UserCount[] | DayCount[]> {
  const { sql: text, params } = question(q, layout.schema);
  const answers = await Promise.all(layout.clients.map((c) => c.query(text, params)));
  return q === 'top-users' ? mergeTopUsers(answers.map((a) => a.rows as UserCount[]), TOP_USERS) : mergeDaily(answers.map((a) => a.rows as DayCount[]));
}

/** The single server's answer to a question about all tenants. */
export async function singleAnswer(client: pg.Client, schema: string, q: Question): Promise<UserCount[] | DayCount[]> {
  const { sql: text, params } = question(q, schema);
  return (await client.query(text, params)).rows as UserCount[] | DayCount[];
}

/** Every shard's statement runs under the hard cap: one slow shard is cut off like one slow query. */
function allGuarded(clients: readonly pg.Client[]): Guard {
  return clients.map(statementTimeoutGuard).reduce<Guard>((inner, g) => (capMs, run) => g(capMs, () => inner(capMs, run)), (_capMs, run) => run());
}

/** Sizes of message_history on one shard, named for it (so each shard's parts add up to its own total). */
async function shardSizes(client: pg.Client, schema: string, label: string): Promise<RelationSize[]> {
  return (await tableSizes(client, schema, 'message_history')).map((e) => ({ ...e, relation: `${label} ${e.relation}`, ...(e.table ? { table: `${label} ${e.table}` } : {}) }));
}

export const crossShard: Scenario<CrossShardMetric> = {
  name: NAME,
  description: 'one tenant\'s question on its shard vs the same question for all tenants fanned out to 2/3 shards and merged in the client vs one server',
  hypothesis:
    'A tenant-local query reads one tenant\'s rows on one shard and is the cheapest; a question about all tenants fanned out to every shard waits for the slowest shard and pays a merge, so it gains little or nothing over one server holding all the data, and on shared hardware it can lose.',
  claim: 'Tenancy and sharding: each tenant\'s data lives on one shard, and the application asks no question that spans shards (docs/design.md).',
  variants: VARIANTS,
  datasets: ['smallint'],
  core: false,
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<CrossShardMetric>> {
    if (ctx.target.kind !== 'embedded') {
      return {
        finding: `skipped: cross-shard starts embedded shards of its own beside an embedded target, and this target (${ctx.target.kind}: ${ctx.target.describe}) is a server pgscale did not start. Run it with --target embedded, or measure your own shards with \`pgscale traffic --shard URL …\`.`,
        variants: [],
        skipped: true,
      };
    }
    const setup = { scenario: NAME, variant: 'setup' };
    const ds = await inVariant(setup, 'load', () => ctx.dataset('smallint'));
    const single = await ctx.target.connect();
    let shards: Awaited<ReturnType<typeof startShards>> | undefined;
    try {
      await inVariant(setup, 'vacuum and prewarm', () => ctx.warm(single, ds.schema, ['message_history']));
      const picked = (await single.query<{ tenant_id: string; messages: string; total: string }>(fill(statement(sql, 'busiest-tenant'), { schema: quoteIdent(ds.schema) }))).rows[0];
      if (!picked) throw new PgscaleError('INTERNAL', `${NAME}: the data set ${ds.schema} holds no messages`);
      const tenant: PickedTenant = { id: picked.tenant_id, messages: Number(picked.messages), total: Number(picked.total) };
      shards = await inVariant(setup, 'start and load the shards', () => startShards(ctx, single, ds.schema, SHARD_COUNTS));
      for (const l of shards.layouts) for (const c of l.clients) await inVariant(setup, `warm ${l.count} shards`, () => ctx.warm(c, l.schema, ['message_history']));

      // The fan-out must answer exactly what the single server answers, or its latency means nothing.
      for (const l of shards.layouts) {
        for (const q of QUESTIONS) {
          const [merged, whole] = await Promise.all([fanOut(l, q), singleAnswer(single, ds.schema, q)]);
          if (JSON.stringify(merged) !== JSON.stringify(whole)) {
            throw new PgscaleError('INTERNAL', `${NAME}: ${q} merged from ${l.count} shards differs from the single server's answer`, {
              hint: `The shards' schema ${l.schema} should hold the data set of ${ds.schema}; drop it on the shards (pgscale drop ${l.schema} --database-url URL, once per shard) and run again.`,
            });
          }
        }
      }

      const capMs = ctx.latency.hardCapMs;
      const largest = shards.layouts[shards.layouts.length - 1];
      const tenantShard = (l: Layout) => shardOf(Number(tenant.id), l.count);
      const variants: Array<ScenarioVariant<CrossShardMetric>> = [];

      const whole = { scenario: NAME, variant: 'single-server', schema: ds.schema };
      const singleQueries: QueryResult[] = [];
      for (const scope of ['global', 'tenant'] as const) {
        for (const q of QUESTIONS) {
          ctx.log(`${NAME}/single-server: ${q} (${scope})`);
          singleQueries.push(await measureQuery(single, { name: q, ...question(q, ds.schema, scope === 'tenant' ? tenant.id : undefined), labels: { shards: 1, scope } }, ctx.latency, whole));
        }
      }
      variants.push({ name: 'single-server', description: 'one server holding every tenant: the questions for all tenants and for the busiest one', sizes: await tableSizes(single, ds.schema, 'message_history', ds.summary.rows.message_history), queries: singleQueries, metrics: {} });

      const localQueries: QueryResult[] = [];
      for (const l of shards.layouts) {
        const client = l.clients[tenantShard(l)];
        for (const q of QUESTIONS) {
          ctx.log(`${NAME}/tenant-local: ${q} on shard ${tenantShard(l) + 1} of ${l.count}`);
          localQueries.push(await measureQuery(client, { name: q, ...question(q, l.schema, tenant.id), labels: { shards: l.count, scope: 'tenant', shard: tenantShard(l) + 1 } }, ctx.latency, { scenario: NAME, variant: 'tenant-local', schema: l.schema }));
        }
      }
      const s = tenantShard(largest);
      variants.push({ name: 'tenant-local', description: `the busiest tenant's questions on its own shard (sizes: its shard of ${largest.count})`, sizes: await shardSizes(largest.clients[s], largest.schema, `shard ${s + 1}/${largest.count}`), queries: localQueries, metrics: {} });

      const fanQueries: QueryResult[] = [];
      for (const l of shards.layouts) {
        const where = { scenario: NAME, variant: 'fan-out' };
        for (const q of QUESTIONS) {
          ctx.log(`${NAME}/fan-out: ${q} across ${l.count} shards`);
          const latency = await inVariant(where, `${q} across ${l.count} shards`, () => measureLatency(q, () => fanOut(l, q), ctx.latency, allGuarded(l.clients)));
          // The plan of the statement every shard runs, on the shard holding the busiest tenant.
          const { sql: text, params } = question(q, l.schema);
          const planned = await inVariant(where, `plan of ${q}`, () => explain(l.clients[tenantShard(l)], text, params, { schema: l.schema, capMs }));
          fanQueries.push(toQueryResult(q, latency, { params: { shards: l.count, scope: 'global' }, plan: planned.plan, planSummary: planned.summary }));
        }
      }
      const fanSizes: RelationSize[] = [];
      for (const [i, c] of largest.clients.entries()) fanSizes.push(...(await shardSizes(c, largest.schema, `shard ${i + 1}/${largest.count}`)));
      variants.push({ name: 'fan-out', description: `the questions for all tenants sent to every shard at once, merged and sorted in the client (sizes: every shard of ${largest.count}; plan: the per-shard statement)`, sizes: fanSizes, queries: fanQueries, metrics: {} });

      return { ...describeFindings(variants, tenant), variants };
    } finally {
      await single.end().catch(() => undefined);
      await shards?.close();
    }
  },
};

export { SHARD_COUNTS, VARIANTS };
