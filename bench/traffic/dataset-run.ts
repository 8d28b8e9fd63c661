/**
 * A load test on a pgscale data set: its connections (UTC, the data set first on the
 * search_path), where its clock stands, the workload's preparation (partitions created
 * ahead), and afterwards the record of what it wrote and a check that nothing landed in
 * a DEFAULT partition. Shared by `pgscale traffic` and the capacity scenario.
 */
import type pg from 'pg';
import { quoteIdent } from '../../db/quote.ts';
import { recordTrafficWrite, trafficClock } from '../../db/schema.ts';
import { type Target, withStartupOptions } from '../../db/target.ts';
import { monthStartMs } from '../../generators/calendar.ts';
import type { Traffic } from '../../reports/schema.ts';
import type { Db, WorkloadModule, WorkloadParams } from './workload.ts';

/** Connections of a load test: pgscale's application_name, UTC, and the data set first on the search_path. */
export function trafficConnection(target: Target, schema?: string): pg.ClientConfig {
  const config = withStartupOptions(target.config, { TimeZone: 'UTC', ...(schema ? { search_path: `${quoteIdent(schema)},public` } : {}) });
  return { ...config, application_name: 'pgscale traffic' };
}

/** The workload's parameters on a data set: its clock continues from the data set's end or its last traffic run. */
export async function datasetParams(admin: pg.Client, schema: string, data: Omit<WorkloadParams, 'schema' | 'clockStartMs'>): Promise<WorkloadParams> {
  return { schema, ...data, clockStartMs: await trafficClock(admin, schema, monthStartMs(data.months)) };
}

/** Run the workload's prepare() (partitions ahead, …) on a connection of its own. */
export async function prepareWorkload(target: Target, schema: string, prepare: WorkloadModule['prepare'], params: WorkloadParams): Promise<void> {
  if (!prepare) return;
  const c = await target.connect();
  try {
    await c.query(`SET TimeZone = 'UTC'; SET search_path = ${quoteIdent(schema)}, public`);
    const db: Db = { query: (sql, values) => c.query(sql, values) as never };
    await prepare(db, params);
  } finally {
    await c.end();
  }
}

/** Rows that landed in the DEFAULT partitions (none should: partitions are created ahead). */
export async function defaultPartitionRows(client: pg.Client, schema: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ['message_history', 'analytics_events']) {
    const r = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdent(schema)}.${quoteIdent(`${t}_default`)}`);
    out[t] = Number(r.rows[0].n);
  }
  return out;
}

/** After a run: record its writes in the data set's `_pgscale_traffic` and count DEFAULT-partition rows. */
export async function finishDatasetRun(
  admin: pg.Client,
  schema: string,
  run: { params: WorkloadParams; startedAt: Date; tool: string; transactions: Record<string, number> },
): Promise<Traffic['dataset']> {
  const finishedAt = new Date();
  await recordTrafficWrite(admin, schema, {
    startedAt: run.startedAt,
    finishedAt,
    clockFromMs: run.params.clockStartMs,
    clockToMs: run.params.clockStartMs + (finishedAt.getTime() - run.startedAt.getTime()),
    tool: run.tool,
    transactions: run.transactions,
  });
  return { schema, defaultPartitionRows: await defaultPartitionRows(admin, schema) };
}
