/** tenants and their bots: a few thousand rows at most, one chunk. */
import { SPAN_START_MS } from './calendar.ts';
import { CopyWriter } from './copytext.ts';
import { type GenContext, KEY, providerOfBot, systemPromptOfBot } from './context.ts';
import type { Chunk } from './plan.ts';
import { Rng } from './rng.ts';
import { GeneratedPiece } from './piece.ts';
import type { RowCounts, TableName } from './tables.ts';

const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const MODELS: Record<number, string[]> = {
  0: ['gpt-4o', 'gpt-4o-mini', 'o3-mini'],
  1: ['claude-sonnet-4', 'claude-haiku-4'],
  2: ['gpt-4o'],
  3: ['claude-sonnet-4'],
  4: ['gemini-2.0-flash', 'gemini-2.5-pro'],
  5: ['local-7b'],
  6: ['llama3.1:8b', 'qwen2.5:14b'],
  7: ['llama-3.3-70b'],
  8: ['mistral-large'],
  9: ['command-r-plus'],
};
const DAY = 86_400_000;

/** Generate the tenants chunk: every tenant, then every bot (4 per tenant). */
export function* tenants(ctx: GenContext, c: Chunk, tables: ReadonlySet<TableName>, counts: RowCounts): Generator<GeneratedPiece> {
  const rng = new Rng(ctx.params.seed, KEY.tenants, c.k);
  const { pools } = ctx;
  const created: number[] = [];
  const w = new CopyWriter();
  for (let t = 1; t <= ctx.counts.tenants; t++) {
    const at = SPAN_START_MS - (30 + rng.next() * 900) * DAY;
    created.push(at);
    const name = (t - 1) % pools.companies.length;
    const plan = PLANS[Math.min(3, Math.floor(rng.next() ** 2 * 4))];
    const active = rng.chance(0.97);
    if (!tables.has('tenants')) continue;
    w.int(t);
    w.tab();
    w.raw(pools.companies[name].bytes);
    w.tab();
    w.raw(pools.slugs[name].bytes);
    w.text(t > pools.slugs.length ? `-${t}` : '');
    w.tab();
    w.text(plan);
    w.tab();
    w.bool(active);
    w.tab();
    w.text(JSON.stringify({ timezone: 'UTC', retention_days: 30 + (t % 12) * 30, features: plan === 'free' ? [] : ['tasks', 'approvals'] }));
    w.tab();
    w.timestamp(at);
    w.nl();
    if (w.full) yield new GeneratedPiece('tenants', w.take());
  }
  if (w.pos) yield new GeneratedPiece('tenants', w.take());
  if (tables.has('tenants')) counts.tenants = ctx.counts.tenants;

  const per = ctx.counts.botsPerTenant;
  for (let b = 1; b <= ctx.counts.tenants * per; b++) {
    const tenant = Math.floor((b - 1) / per) + 1;
    const provider = providerOfBot(ctx, b);
    const models = MODELS[provider];
    const model = models[rng.int(models.length)];
    const active = (b - 1) % per === 0 || rng.chance(0.7);
    const prompt = rng.chance(0.2) ? -1 : systemPromptOfBot(ctx, b);
    const at = created[tenant - 1] + rng.next() * 200 * DAY;
    if (!tables.has('bots')) continue;
    w.int(b);
    w.tab();
    w.int(tenant);
    w.tab();
    w.text(`Bot ${b}`);
    w.tab();
    w.raw(ctx.enumBytes.llm_provider[provider]);
    w.tab();
    w.text(model);
    w.tab();
    if (prompt < 0) w.nil();
    else w.raw(pools.systemMessages[prompt].bytes);
    w.tab();
    w.bool(active);
    w.tab();
    w.timestamp(at);
    w.nl();
    if (w.full) yield new GeneratedPiece('bots', w.take());
  }
  const last = w.done();
  if (last) yield new GeneratedPiece('bots', last);
  if (tables.has('bots')) counts.bots = ctx.counts.tenants * per;
}
