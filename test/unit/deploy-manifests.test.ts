/**
 * The deploy examples (deploy/k8s/*.yaml, deploy/github-actions/*.yml) parse, and every
 * pgscale command line in them is accepted by the CLI's own parser. Each command is run
 * through the shell exactly as the pod or runner would (the JOB_COMPLETION_INDEX
 * arithmetic, the matrix values, the quoting), with a stand-in `pgscale` on the PATH that
 * only records its arguments; those arguments then go through commander with every
 * command's action replaced, so nothing runs.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments } from 'yaml';
import { buildProgram } from '../../cli/program.ts';
import { ROOT } from '../support/db.ts';

const DEPLOY = join(ROOT, 'deploy');
const END = '\u0001end';

/** A folder with `pgscale` and `npx` stand-ins that append their arguments, NUL-separated, to $ARGV_LOG. */
function standIns(): string {
  const bin = mkdtempSync(join(tmpdir(), 'pgscale-deploy-'));
  const script = `#!/bin/sh\nif [ "$(basename "$0")" = npx ]; then [ "$1" = pgscale ] || exit 97; shift; fi\nfor a in "$@"; do printf '%s\\0' "$a" >> "$ARGV_LOG"; done\nprintf '${END}\\0' >> "$ARGV_LOG"\n`;
  for (const name of ['pgscale', 'npx']) {
    writeFileSync(join(bin, name), script);
    chmodSync(join(bin, name), 0o755);
  }
  return bin;
}
const BIN = standIns();

/** Run a shell script as the container or runner would; the pgscale command lines it ran. */
function commandLines(shell: string, script: string, env: Record<string, string>): string[][] {
  const log = join(BIN, `argv-${Math.random().toString(36).slice(2)}`);
  writeFileSync(log, '');
  const r = spawnSync(shell, ['-c', script], { env: { PATH: `${BIN}:/usr/bin:/bin`, ARGV_LOG: log, ...env }, encoding: 'utf8' });
  assert.is(r.status, 0, `${script}\n${r.stderr}`);
  const out: string[][] = [];
  let cur: string[] = [];
  for (const a of readFileSync(log, 'utf8').split('\0').slice(0, -1)) {
    if (a === END) {
      out.push(cur);
      cur = [];
    } else cur.push(a);
  }
  return out;
}

/** Parse `pgscale ARGS` with commander; the command's name and options, or the error it threw. */
function parse(args: string[]): { command: string; opts: Record<string, unknown> } {
  const program = buildProgram();
  let got: { command: string; opts: Record<string, unknown> } | undefined;
  for (const cmd of program.commands) {
    cmd.configureOutput({ writeOut: () => {}, writeErr: () => {} });
    cmd.action(() => {
      got = { command: cmd.name(), opts: cmd.opts() };
    });
  }
  program.configureOutput({ writeOut: () => {}, writeErr: () => {} });
  program.parse(args, { from: 'user' });
  if (!got) throw new Error(`no command ran for: ${args.join(' ')}`);
  return got;
}

interface Container {
  command?: string[];
  args?: string[];
  env?: Array<{ name: string; value?: string; valueFrom?: unknown }>;
}

/** The pgscale command lines of one Kubernetes document, per pod index. */
function kubernetesCommands(doc: Record<string, any>, file: string): string[][] {
  if (doc.kind !== 'Job') return [];
  const spec = doc.spec;
  const indexed = spec.completionMode === 'Indexed';
  const indices = indexed ? Array.from({ length: spec.completions }, (_, i) => String(i)) : [undefined];
  const out: string[][] = [];
  for (const c of spec.template.spec.containers as Container[]) {
    const env: Record<string, string> = {};
    // Secrets are not in the manifest: a URL of the right shape stands in.
    for (const e of c.env ?? []) env[e.name] = e.value ?? 'postgres://pgscale@db.example.com:5432/pgscale';
    if (indexed && env.PARTS !== undefined) assert.is(Number(env.PARTS), spec.completions, `${file}: PARTS must equal completions`);
    const argv = [...(c.command ?? []), ...(c.args ?? [])];
    assert.is(argv[0], 'sh', `${file}: commands run through sh -c`);
    assert.is(argv[1], '-c');
    for (const index of indices) out.push(...commandLines('sh', argv[2], { ...env, ...(index !== undefined ? { JOB_COMPLETION_INDEX: index } : {}) }));
  }
  return out;
}

/** Values for the `${{ … }}` expressions of the workflow example. */
function expression(expr: string, matrix: Record<string, unknown>): string {
  const m = /^matrix\.(\w+)$/.exec(expr);
  if (m) return String(matrix[m[1]]);
  if (expr === 'needs.plan.outputs.start_at') return '2025-06-01T12:03:00Z';
  if (/^secrets\.\w+$/.test(expr)) return 'postgres://pgscale@db.example.com:5432/pgscale';
  if (/^steps\.\w+\.outputs\.\w+$/.test(expr)) return '';
  throw new Error(`the test does not know the expression \${{ ${expr} }}: add it`);
}

/** The pgscale command lines of a workflow's `run` steps, per matrix combination. */
function workflowCommands(doc: Record<string, any>): string[][] {
  const out: string[][] = [];
  for (const job of Object.values(doc.jobs) as Array<Record<string, any>>) {
    const axes = Object.entries((job.strategy?.matrix ?? {}) as Record<string, unknown[]>);
    const combos = axes.reduce<Array<Record<string, unknown>>>((acc, [k, vs]) => acc.flatMap((c) => vs.map((v) => ({ ...c, [k]: v }))), [{}]);
    for (const step of job.steps as Array<{ run?: string }>) {
      if (!step.run?.includes('pgscale')) continue;
      for (const combo of combos) out.push(...commandLines('bash', step.run.replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, e: string) => expression(e, combo)), {}));
    }
  }
  return out;
}

const manifests = [
  ...readdirSync(join(DEPLOY, 'k8s')).filter((f) => f.endsWith('.yaml')).map((f) => ({ file: join('k8s', f), kind: 'k8s' as const })),
  ...readdirSync(join(DEPLOY, 'github-actions')).filter((f) => f.endsWith('.yml')).map((f) => ({ file: join('github-actions', f), kind: 'actions' as const })),
];

test('there are Kubernetes and GitHub Actions examples to check', () => {
  assert.ok(manifests.some((m) => m.kind === 'k8s'));
  assert.ok(manifests.some((m) => m.kind === 'actions'));
});

for (const m of manifests) {
  test(`${m.file} parses, and the CLI's parser accepts every pgscale command in it, each part 1…N once`, () => {
    const docs = parseAllDocuments(readFileSync(join(DEPLOY, m.file), 'utf8'));
    for (const d of docs) assert.equal(d.errors, [], m.file);
    const lines = docs.flatMap((d) => (m.kind === 'k8s' ? kubernetesCommands(d.toJS(), m.file) : workflowCommands(d.toJS())));
    assert.ok(lines.length > 0, `${m.file} runs pgscale`);
    const parts = new Map<string, string[]>();
    for (const args of lines) {
      const { command, opts } = parse(args);
      const part = opts.part as { index: number; count: number } | undefined;
      if (part) parts.set(`${command} of ${part.count}`, [...(parts.get(`${command} of ${part.count}`) ?? []), `${part.index}`]);
    }
    assert.ok(parts.size > 0, `${m.file} splits something with --part`);
    for (const [what, indices] of parts) {
      const n = Number(what.split(' of ')[1]);
      assert.equal(indices.sort((a, b) => Number(a) - Number(b)), Array.from({ length: n }, (_, i) => String(i + 1)), what);
    }
  });
}

test('the check can fail: a 0-based --part straight from JOB_COMPLETION_INDEX is refused by the parser', () => {
  const [args] = commandLines('sh', 'pgscale load --scale 1m --part "$JOB_COMPLETION_INDEX/4"', { JOB_COMPLETION_INDEX: '0' });
  assert.throws(() => parse(args), /parts are numbered from 1/);
  assert.throws(() => parse(['traffic', '--no-such-flag']), /unknown option/);
});

test.run();
