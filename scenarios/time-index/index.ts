/**
 * time-index: message_history.created_at with no index, a B-tree, BRIN at two
 * pages_per_range settings and BRIN minmax-multi — on a copy of the two months the range
 * queries touch, in time order as loaded and with low physical correlation (`-shuffled`). Per variant: index size,
 * build time, COPY slowdown with the index present, and range-query latency at an hour,
 * a day, a week and a month, with the plan's heap blocks (exact and lossy).
 */
import type pg from 'pg';
import { explain, usesIndex } from '../../bench/explain.ts';
import { type RelationSize, tableSizes } from '../../bench/sizes.ts';
import { qualified, quoteIdent } from '../../db/quote.ts';
import type { QueryResult } from '../../reports/schema.ts';
import type { MetricDeclarations, NamedMetrics, Scenario, ScenarioContext, ScenarioOutcome, ScenarioVariant } from '../index.ts';
import { type MeasureWhere, type QuerySpec, inVariant, measureQuery } from '../measure.ts';
import { fill, namedStatements, readSql, statement } from '../sql.ts';
import { type Slice, generateSlice, shuffled, timeCopy } from './copy-probe.ts';
import { describeFindings } from './findings.ts';
import { type LeafSizes, type Production, type RangePrice, blockSize, brinBytesPerRow, bytesPerRange, indexModel, leafSizes, project } from './projection.ts';

const NAME = 'time-index';
export const KINDS = ['none', 'btree', 'brin', 'brin-16', 'brin-multi'] as const;
export type Kind = (typeof KINDS)[number];
export const ORDERINGS = ['ordered', 'shuffled'] as const;
export type Ordering = (typeof ORDERINGS)[number];
export const SELECTIVITIES = ['hour', 'day', 'week', 'month'] as const;
type Selectivity = (typeof SELECTIVITIES)[number];

/** The index each kind builds (same name in both orderings: they live in separate schemas). */
export const INDEX_NAME: Record<Exclude<Kind, 'none'>, string> = {
  btree: 'idx_messages_created_btree',
  brin: 'idx_messages_created_brin',
  'brin-16': 'idx_messages_created_brin_16',
  'brin-multi': 'idx_messages_created_brin_multi',
};

/** Variant name: the kind, with `-shuffled` for the low-correlation copy. */
export function variantName(kind: Kind, ordering: Ordering): string {
  return ordering === 'ordered' ? kind : `${kind}-shuffled`;
}

/** The scenario-wide metric holding the rows each range covers. */
const ROWS_IN = { hour: 'rowsInHour', day: 'rowsInDay', week: 'rowsInWeek', month: 'rowsInMonth' } as const satisfies Record<Selectivity, string>;

/**
 * What each named metric is. Correlations are ANALYZE's sample of physical order:
 * informational. Row counts are facts of the data: compared exactly, no better direction.
 */
export const METRICS = {
  correlation: { kind: 'info', gated: false },
  correlationOrdered: { kind: 'info', gated: false },
  correlationShuffled: { kind: 'info', gated: false },
  buildSeconds: { kind: 'timing' },
  // Over every partition of the copy: mostly per-partition floors at small scales.
  indexBytes: { kind: 'size' },
  // Over the partitions holding the copied rows only: like compared with like.
  populatedIndexBytes: { kind: 'size' },
  /** The index on one empty partition: its floor. */
  emptyPartitionIndexBytes: { kind: 'size' },
  /** What each row adds above the floors (BRIN: from what a range costs, see projection.ts). */
  indexBytesPerRow: { kind: 'size' },
  // Derived from the three above and --project: shown, never judged twice.
  projectedIndexBytes: { kind: 'size', gated: false },
  projectedRows: { kind: 'info', gated: false },
  brinRangeBytes: { kind: 'size', gated: false },
  brinMultiRangeBytes: { kind: 'size', gated: false },
  copySeconds: { kind: 'timing' },
  copyRowsPerSecond: { kind: 'throughput' },
  copySlowdown: { kind: 'timing', unit: 'x' },
  copySliceRows: { kind: 'info' },
  copiedRows: { kind: 'info' },
  [ROWS_IN.hour]: { kind: 'info' },
  [ROWS_IN.day]: { kind: 'info' },
  [ROWS_IN.week]: { kind: 'info' },
  [ROWS_IN.month]: { kind: 'info' },
} satisfies MetricDeclarations;
export type TimeIndexMetric = keyof typeof METRICS;

/** The settings that force the access path a variant is about. */
export const FORCED: Record<string, string> = { enable_seqscan: 'off' };

const setupSql = namedStatements(readSql(import.meta.url, 'setup.sql'));
const indexSql = namedStatements(readSql(import.meta.url, 'indexes.sql'));
const rangeSql = statement(namedStatements(readSql(import.meta.url, 'queries.sql')), 'range');

interface Ranges {
  start: string;
  ends: Record<(typeof SELECTIVITIES)[number], string>;
}

interface VariantInput {
  ctx: ScenarioContext;
  client: pg.Client;
  kind: Kind;
  ordering: Ordering;
  schema: string;
  probeSchema: string;
  slice: Slice;
  ranges: Ranges;
  rows: number;
  correlation: number;
  copyNoneSeconds?: number;
}

export interface VariantMeasure {
  variant: ScenarioVariant<TimeIndexMetric>;
  /** Ranges where the planner on its own would not use the variant's index, and what it would use. */
  unforced: Array<{ selectivity: string; plan: string }>;
  /** The index's bytes split by partitions with and without rows (index variants). */
  leaves?: LeafSizes;
  /** Its size at the production layout (--project), when it could be projected. */
  projected?: number;
}

async function runVariant(v: VariantInput): Promise<VariantMeasure> {
  const name = variantName(v.kind, v.ordering);
  const where: MeasureWhere = { scenario: NAME, variant: name, schema: v.schema };
  const table = qualified(v.schema, 'message_history');
  const metrics: NamedMetrics<TimeIndexMetric> = { correlation: v.correlation };
  const index = v.kind === 'none' ? undefined : INDEX_NAME[v.kind];
  const ddl = (schema: string) => (v.kind === 'none' ? undefined : fill(statement(indexSql, v.kind), { index: quoteIdent(index!), table: qualified(schema, 'message_history') }));
  v.ctx.log(`${NAME}/${name}: ${index ? `building ${index}, ` : ''}timing COPY and ${SELECTIVITIES.length} ranges`);
  if (index) {
    const t0 = performance.now();
    await inVariant(where, `build ${index}`, () => v.client.query(ddl(v.schema)!), 'message_history');
    metrics.buildSeconds = (performance.now() - t0) / 1000;
  }
  try {
    // Stats and a warm cache for the new index (VACUUM of a clean table skips its pages).
    await inVariant(where, 'vacuum and prewarm', () => v.ctx.warm(v.client, v.schema, ['message_history']));
    const sizes: RelationSize[] = await inVariant(where, 'sizes', () => tableSizes(v.client, v.schema, 'message_history', v.rows));
    if (index) metrics.indexBytes = sizes.find((s) => s.kind === 'index' && s.relation === index)?.bytes ?? 0;
    const leaves = index ? await inVariant(where, 'sizes by partition', () => leafSizes(v.client, v.schema, index)) : undefined;
    if (leaves) metrics.populatedIndexBytes = leaves.populated.indexBytes;

    const copySeconds = await inVariant(where, 'COPY probe', () =>
      timeCopy(v.client, v.probeSchema, v.slice, index ? { sql: ddl(v.probeSchema)!, drop: `DROP INDEX ${qualified(v.probeSchema, index)}` } : undefined),
    );
    metrics.copySeconds = copySeconds;
    metrics.copyRowsPerSecond = copySeconds > 0 ? v.slice.rows / copySeconds : 0;
    if (v.copyNoneSeconds) metrics.copySlowdown = copySeconds / v.copyNoneSeconds;

    const queries: QueryResult[] = [];
    const unforced: VariantMeasure['unforced'] = [];
    for (const sel of SELECTIVITIES) {
      const params = [v.ranges.start, v.ranges.ends[sel]];
      const sql = fill(rangeSql, { table });
      const spec: QuerySpec = {
        name: `range-${sel}`,
        sql,
        params,
        labels: index ? { selectivity: sel, forced: 'enable_seqscan=off' } : { selectivity: sel },
        settings: index ? FORCED : undefined,
      };
      queries.push(await measureQuery(v.client, spec, v.ctx.latency, where));
      if (index) {
        // What the planner picks on its own (EXPLAIN without ANALYZE: nothing runs).
        const own = await inVariant(where, `plan of range-${sel}`, () => explain(v.client, sql, params, { schema: v.schema, analyze: false }));
        if (!usesIndex(own.summary, index)) unforced.push({ selectivity: sel, plan: own.summary.nodeTypes.filter((n) => /Scan/.test(n)).join(' + ') || own.summary.nodeTypes.join(' + ') });
      }
    }
    return { variant: { name, description: describe(v.kind, v.ordering), sizes, queries, metrics }, unforced, leaves };
  } finally {
    if (index) await inVariant(where, `drop ${index}`, () => v.client.query(`DROP INDEX IF EXISTS ${qualified(v.schema, index)}`));
  }
}

/** The BRIN kinds' pages_per_range (as indexes.sql builds them) and the probe that prices one of their ranges. */
const BRIN_KINDS: Partial<Record<Kind, { pagesPerRange: number; probe: Probe; priced: Kind }>> = {
  brin: { pagesPerRange: 128, probe: 'brin-probe', priced: 'brin' },
  'brin-16': { pagesPerRange: 16, probe: 'brin-probe', priced: 'brin' },
  'brin-multi': { pagesPerRange: 128, probe: 'brin-multi-probe', priced: 'brin-multi' },
};
const PROBES = ['brin-probe', 'brin-multi-probe'] as const;
type Probe = (typeof PROBES)[number];
const PROBE_INDEX = 'idx_messages_created_probe';

/** Each probe's sizes by partition on `schema`'s copy (built, measured, dropped). */
async function measureProbes(ctx: ScenarioContext, client: pg.Client, schema: string): Promise<Record<Probe, LeafSizes>> {
  const out = {} as Record<Probe, LeafSizes>;
  for (const probe of PROBES) {
    const where = { scenario: NAME, variant: 'setup', schema };
    ctx.log(`${NAME}: ${probe} (pages_per_range 1) on ${schema}, to price one BRIN range`);
    try {
      await inVariant(where, `build ${probe}`, () => client.query(fill(statement(indexSql, probe), { index: quoteIdent(PROBE_INDEX), table: qualified(schema, 'message_history') })), 'message_history');
      out[probe] = await inVariant(where, `sizes of ${probe}`, () => leafSizes(client, schema, PROBE_INDEX));
    } finally {
      await inVariant(where, `drop ${probe}`, () => client.query(`DROP INDEX IF EXISTS ${qualified(schema, PROBE_INDEX)}`));
    }
  }
  return out;
}

/**
 * Split each index variant's size into floors and bytes per row, and project it to
 * `production`; sets the variants' metrics and `projected`. Returns what a BRIN range
 * costs (ordered copy) where the probes could measure it.
 */
function projectSizes(measures: VariantMeasure[], probes: Record<Ordering, Record<Probe, LeafSizes>>, rows: number, production: Production, pageBytes: number): Partial<Record<Probe, RangePrice>> {
  const find = (kind: Kind, ordering: Ordering) => measures.find((m) => m.variant.name === variantName(kind, ordering));
  const rangeBytes = (probe: Probe, priced: Kind, ordering: Ordering): RangePrice | undefined => {
    const leaves = find(priced, ordering)?.leaves;
    return leaves ? bytesPerRange(leaves, probes[ordering][probe], BRIN_KINDS[priced]!.pagesPerRange, pageBytes) : undefined;
  };
  for (const ordering of ORDERINGS) {
    for (const kind of KINDS) {
      const m = find(kind, ordering);
      if (!m?.leaves) continue;
      const brin = BRIN_KINDS[kind];
      const range = brin ? rangeBytes(brin.probe, brin.priced, ordering) : undefined;
      const metrics = m.variant.metrics;
      metrics.emptyPartitionIndexBytes = m.leaves.empty.partitions > 0 ? m.leaves.empty.indexBytes / m.leaves.empty.partitions : undefined;
      // A BRIN whose range cost could not be measured is not projected: its size here is floors.
      if (brin && range === undefined) continue;
      const model = indexModel(m.leaves, rows, brin ? brinBytesPerRow(m.leaves, rows, range!.bytes, brin.pagesPerRange, pageBytes) : undefined);
      metrics.indexBytesPerRow = model.bytesPerRow;
      metrics.projectedIndexBytes = m.projected = project(model, production);
    }
  }
  return Object.fromEntries(PROBES.map((p) => [p, rangeBytes(p, p === 'brin-probe' ? 'brin' : 'brin-multi', 'ordered')]));
}

function describe(kind: Kind, ordering: Ordering): string {
  const what = { none: 'no index on created_at (sequential scan of the pruned partitions)', btree: 'B-tree on created_at', brin: 'BRIN on created_at, pages_per_range 128 (default)', 'brin-16': 'BRIN on created_at, pages_per_range 16', 'brin-multi': 'BRIN minmax-multi on created_at' }[kind];
  return `${what}; ${ordering === 'ordered' ? 'rows in time order as loaded' : 'rows shuffled within each month (low correlation)'}`;
}

/** What prepare() made: the ranges, both copies' correlation, rows per range, and the rows each copy holds. */
interface Prepared {
  ranges: Ranges;
  correlation: Record<Ordering, number>;
  rowsIn: NamedMetrics<TimeIndexMetric>;
  /** Rows in each copy: the two months the ranges touch, not the whole table. */
  copiedRows: number;
}

async function prepare(ctx: ScenarioContext, client: pg.Client, src: string, ordered: string, shuffledSchema: string): Promise<Prepared> {
  const where = { scenario: NAME, variant: 'setup' };
  // The ranges first: the copies hold only the months they touch.
  const start = (await client.query<{ start: Date }>(fill(statement(setupSql, 'range-start'), { src: quoteIdent(src) }))).rows[0].start.toISOString();
  const e = (await client.query<Record<string, Date>>(statement(setupSql, 'range-ends'), [start])).rows[0];
  const ends = { hour: e.hour.toISOString(), day: e.day.toISOString(), week: e.week.toISOString(), month: e.month.toISOString() };
  for (const [stmt, dest] of [['copy-ordered', ordered], ['copy-shuffled', shuffledSchema]] as const) {
    ctx.log(`${NAME}: ${stmt} of the two months of message_history the ranges touch into ${dest}`);
    await inVariant(where, stmt, () => client.query(fill(statement(setupSql, stmt), { src: quoteIdent(src), dest: quoteIdent(dest) }), [start]), 'message_history');
    await inVariant(where, 'vacuum and prewarm', () => ctx.warm(client, dest, ['message_history']));
  }
  const rowsIn: NamedMetrics<TimeIndexMetric> = {};
  for (const sel of SELECTIVITIES) {
    const r = await client.query<{ n: string }>(fill(statement(setupSql, 'rows-in-range'), { src: quoteIdent(src) }), [start, ends[sel]]);
    rowsIn[ROWS_IN[sel]] = Number(r.rows[0].n);
  }
  const copiedRows = Number((await client.query<{ n: string }>(fill(statement(setupSql, 'rows-copied'), { dest: quoteIdent(ordered) }))).rows[0].n);
  const corr = async (schema: string) => (await client.query<{ correlation: number | null }>(statement(setupSql, 'correlation'), [qualified(schema, 'message_history')])).rows[0].correlation ?? 0;
  return { ranges: { start, ends }, correlation: { ordered: await corr(ordered), shuffled: await corr(shuffledSchema) }, rowsIn, copiedRows };
}

export const timeIndex: Scenario<TimeIndexMetric> = {
  name: NAME,
  description: 'created_at: no index vs B-tree vs BRIN (128, 16, minmax-multi), time-ordered and shuffled: size, build, COPY cost, range latency',
  hypothesis: 'On append-only, time-ordered messages a BRIN index on created_at is orders of magnitude smaller and cheaper to build and maintain than a B-tree while range queries stay nearly as fast; once physical order no longer follows time, BRIN degrades towards a full scan of the partition.',
  claim: 'CREATE INDEX idx_messages_created_brin ON message_history USING BRIN (created_at) — the design chooses BRIN for the time column of its largest, monthly-partitioned table.',
  variants: ORDERINGS.flatMap((o) => KINDS.map((k) => variantName(k, o))),
  datasets: ['smallint'],
  // prepare(): the ordered and shuffled copies of the two months the ranges touch.
  scratch: { table: 'message_history', copies: 2, months: 2, style: 'smallint' },
  // Index sizes per row, projected (projection.ts): `run --sample` measures them on fewer messages.
  perRow: true,
  metrics: METRICS,
  async run(ctx: ScenarioContext): Promise<ScenarioOutcome<TimeIndexMetric>> {
    const ds = await inVariant({ scenario: NAME, variant: 'setup' }, 'load', () => ctx.dataset('smallint'));
    const totalRows = ds.summary.rows.message_history ?? 0;
    const made: string[] = [];
    const scratch = async (suffix: string) => {
      const s = await ctx.scratchSchema(suffix);
      made.push(s);
      return s;
    };
    const client = await ctx.target.connect();
    try {
      const schemas: Record<Ordering, string> = { ordered: await scratch('ti_ordered'), shuffled: await scratch('ti_shuffled') };
      const probeSchema = await scratch('ti_copy');
      const { ranges, correlation, rowsIn, copiedRows: rows } = await prepare(ctx, client, ds.schema, schemas.ordered, schemas.shuffled);
      const base = generateSlice(ctx.data);
      const slices: Record<Ordering, Slice> = { ordered: base, shuffled: shuffled(base, ctx.data.seed) };
      const measures: VariantMeasure[] = [];
      const probes = {} as Record<Ordering, Record<Probe, LeafSizes>>;
      for (const ordering of ORDERINGS) {
        let copyNoneSeconds: number | undefined;
        for (const kind of KINDS) {
          const m = await runVariant({ ctx, client, kind, ordering, schema: schemas[ordering], probeSchema, slice: slices[ordering], ranges, rows, correlation: correlation[ordering], copyNoneSeconds });
          if (kind === 'none') copyNoneSeconds = m.variant.metrics.copySeconds;
          measures.push(m);
        }
        probes[ordering] = await measureProbes(ctx, client, schemas[ordering]);
      }
      // The production table: the copy's partitions, every month holding rows.
      const layout = measures.find((m) => m.leaves)!.leaves!;
      const partitions = layout.populated.partitions + layout.empty.partitions;
      const production: Production = { rows: ctx.projectRows, partitions, populated: Math.min(ctx.data.months, partitions) };
      const range = projectSizes(measures, probes, rows, production, await blockSize(client));
      const { finding, notes } = describeFindings(measures, correlation, base.rows, { copied: rows, total: totalRows }, { production, range, measuredRows: ctx.data.scale, sampledFrom: ctx.sampledFrom });
      return {
        finding,
        notes,
        variants: measures.map((m) => m.variant),
        metrics: {
          ...rowsIn,
          copiedRows: rows,
          copySliceRows: base.rows,
          correlationOrdered: correlation.ordered,
          correlationShuffled: correlation.shuffled,
          projectedRows: production.rows,
          brinRangeBytes: range['brin-probe']?.bytes,
          brinMultiRangeBytes: range['brin-multi-probe']?.bytes,
        },
      };
    } finally {
      await client.end().catch(() => undefined);
      // The copies are scratch: dropped even on failure (a failed drop is reported, not hidden).
      for (const s of made) {
        await ctx.dropScratch(s).catch((err: unknown) => ctx.log(`${NAME}: could not drop scratch schema ${s}: ${(err as Error).message}`));
      }
    }
  },
};
