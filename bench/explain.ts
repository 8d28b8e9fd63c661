/**
 * Plans: `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)` of a measured query, kept whole for
 * the results and flattened into a PlanSummary (node types, indexes, rows, buffers,
 * bitmap heap blocks, partitions scanned and pruned) for reports and checks.
 * https://www.postgresql.org/docs/current/sql-explain.html
 */
import type pg from 'pg';
import { StatementTimeout, withStatementTimeout } from './timeout.ts';

/** What a plan showed, flattened. Matches reports/schema.ts PlanSummary. */
export interface PlanSummary {
  /** Node types, each once, in the order first met (depth first). */
  nodeTypes: string[];
  /** Index names as the plan shows them (for a partitioned table: the partitions' indexes). */
  indexes: string[];
  /** The partitioned (parent) index each partition's index belongs to, when resolved. */
  parentIndexes?: string[];
  /** Rows the top node returned. */
  actualRows?: number;
  executionMs?: number;
  planningMs?: number;
  /** Shared buffers hit and read by the whole execution (the top node counts its children). */
  sharedHit?: number;
  sharedRead?: number;
  /** Bitmap heap pages visited exactly and lossily, summed over nodes and parallel workers. */
  heapBlocksExact?: number;
  heapBlocksLossy?: number;
  /** Distinct relations scanned (partitions for a partitioned table). */
  partitionsScanned?: number;
  /** Partitions of the scanned tables that the plan did not touch (plan- or run-time pruning). */
  partitionsPruned?: number;
  /** False when the plan is a plain EXPLAIN: estimates only, no actual rows, times or buffers. */
  analyzed?: boolean;
  /** EXPLAIN ANALYZE was cut off at this statement_timeout (ms), so the plan is a plain EXPLAIN. */
  cappedAtMs?: number;
}

/** A plan as EXPLAIN (FORMAT JSON) gives it: the top-level array's first element. */
export interface ExplainJson {
  Plan: PlanNode;
  'Planning Time'?: number;
  'Execution Time'?: number;
  [key: string]: unknown;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Exact Heap Blocks'?: number;
  'Lossy Heap Blocks'?: number;
  'Subplans Removed'?: number;
  Workers?: Array<Record<string, unknown>>;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

export interface Explained {
  plan: ExplainJson;
  summary: PlanSummary;
}

export interface ExplainOptions {
  /** Resolve partition indexes and partition counts in this schema (catalog look-ups). */
  schema?: string;
  /** Run with ANALYZE and BUFFERS (executes the query). @default true */
  analyze?: boolean;
  /**
   * Hard cap of EXPLAIN ANALYZE, in ms (statement_timeout on this connection): a query
   * cut off there is explained again without ANALYZE, and the summary says so
   * (`analyzed: false`, `cappedAtMs`). @default none: ANALYZE runs to completion
   */
  capMs?: number;
}

const SCAN_WITH_RELATION = /Scan$/;

function walk(node: PlanNode, visit: (n: PlanNode) => void): void {
  visit(node);
  for (const child of node.Plans ?? []) walk(child, visit);
}

/** Flatten a plan into a PlanSummary (no catalog look-ups). */
export function summarizePlan(plan: ExplainJson): PlanSummary {
  const nodeTypes: string[] = [];
  const indexes: string[] = [];
  const relations = new Set<string>();
  let exact = 0;
  let lossy = 0;
  let sawBitmapHeap = false;
  let removed = 0;
  walk(plan.Plan, (n) => {
    if (!nodeTypes.includes(n['Node Type'])) nodeTypes.push(n['Node Type']);
    if (n['Index Name'] && !indexes.includes(n['Index Name'])) indexes.push(n['Index Name']);
    if (n['Relation Name'] && SCAN_WITH_RELATION.test(n['Node Type'])) relations.add(n['Relation Name']);
    if (n['Exact Heap Blocks'] !== undefined || n['Lossy Heap Blocks'] !== undefined) {
      sawBitmapHeap = true;
      exact += n['Exact Heap Blocks'] ?? 0;
      lossy += n['Lossy Heap Blocks'] ?? 0;
      // Parallel workers report their own pages; the leader's figure excludes them.
      for (const w of n.Workers ?? []) {
        exact += Number(w['Exact Heap Blocks'] ?? 0);
        lossy += Number(w['Lossy Heap Blocks'] ?? 0);
      }
    }
    removed += n['Subplans Removed'] ?? 0;
  });
  const top = plan.Plan;
  return {
    nodeTypes,
    indexes,
    actualRows: top['Actual Rows'],
    executionMs: plan['Execution Time'],
    planningMs: plan['Planning Time'],
    sharedHit: top['Shared Hit Blocks'],
    sharedRead: top['Shared Read Blocks'],
    heapBlocksExact: sawBitmapHeap ? exact : undefined,
    heapBlocksLossy: sawBitmapHeap ? lossy : undefined,
    partitionsScanned: relations.size,
    partitionsPruned: removed > 0 ? removed : undefined,
  };
}

/** The relations a plan scanned, by name. */
export function scannedRelations(plan: ExplainJson): string[] {
  const out = new Set<string>();
  walk(plan.Plan, (n) => {
    if (n['Relation Name'] && SCAN_WITH_RELATION.test(n['Node Type'])) out.add(n['Relation Name']);
  });
  return [...out];
}

/**
 * Partitions pruned and parent indexes, from the catalog: for every scanned relation
 * that is a partition, its root's leaf count minus the leaves scanned.
 */
async function resolveInSchema(client: pg.Client, schema: string, plan: ExplainJson, summary: PlanSummary): Promise<PlanSummary> {
  const relations = scannedRelations(plan);
  const roots = await client.query<{ root: string | null; leaves: number }>(
    `SELECT r.root::text AS root,
            (SELECT count(*) FROM pg_partition_tree(r.root) WHERE isleaf)::int AS leaves
       FROM (SELECT DISTINCT pg_partition_root(c.oid)::regclass AS root
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
              WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relispartition) r`,
    [schema, relations],
  );
  const totalLeaves = roots.rows.reduce((a, r) => a + r.leaves, 0);
  const partitioned = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relispartition`,
    [schema, relations],
  );
  const parents = await client.query<{ parent: string }>(
    `SELECT DISTINCT coalesce(root.relname, c.relname) AS parent
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_class root ON root.oid = pg_partition_root(c.oid)
      WHERE n.nspname = $1 AND c.relname = ANY($2::text[]) AND c.relkind IN ('i', 'I')
      ORDER BY 1`,
    [schema, summary.indexes],
  );
  return {
    ...summary,
    parentIndexes: parents.rows.map((r) => r.parent),
    partitionsPruned: roots.rows.length > 0 ? Math.max(0, totalLeaves - partitioned.rows[0].n) : summary.partitionsPruned,
  };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) one query (with its parameters, bound like
 * the measured query) and summarise it. The query really runs.
 */
export async function explain(client: pg.Client, sql: string, params: unknown[] = [], opts: ExplainOptions = {}): Promise<Explained> {
  const run = async (analyze: boolean) =>
    (await client.query<{ 'QUERY PLAN': ExplainJson[] }>(`EXPLAIN (${analyze ? 'ANALYZE, BUFFERS, ' : ''}FORMAT JSON) ${sql}`, params)).rows[0]['QUERY PLAN'][0];
  let analyzed = opts.analyze ?? true;
  let cappedAtMs: number | undefined;
  let plan: ExplainJson;
  if (analyzed && opts.capMs !== undefined) {
    try {
      plan = await withStatementTimeout(client, opts.capMs, () => run(true));
    } catch (err) {
      if (!(err instanceof StatementTimeout)) throw err;
      // Still worth a plan: the estimates show the path the planner chose.
      analyzed = false;
      cappedAtMs = err.capMs;
      plan = await run(false);
    }
  } else {
    plan = await run(analyzed);
  }
  let summary: PlanSummary = { ...summarizePlan(plan), analyzed, ...(cappedAtMs !== undefined ? { cappedAtMs } : {}) };
  if (opts.schema) summary = await resolveInSchema(client, opts.schema, plan, summary);
  return { plan, summary };
}

/** Does the plan use this index (by its own name or its partitioned parent's)? */
export function usesIndex(summary: PlanSummary, index: string): boolean {
  return summary.indexes.includes(index) || (summary.parentIndexes ?? []).includes(index);
}
