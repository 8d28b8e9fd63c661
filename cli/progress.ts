/**
 * A progress bar on stderr for long loads: rows, rows/s, MB/s and ETA. Only on a TTY
 * (CI logs get periodic plain lines instead, unless --quiet).
 */
import cliProgress from 'cli-progress';
import type { LoadEvent } from '../db/load.ts';
import type { OutputOptions } from './output.ts';
import { info } from './output.ts';
import { type Plan, durationText } from './plan.ts';

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));

/**
 * One ETA for a whole run, from its plan: the planned seconds of every step not yet done
 * (data sets to load, scenarios), with the step in progress counted by what is left of
 * it — for a load, from its own rate so far.
 */
export class RunEta {
  private readonly pendingLoads: Map<string, number>;
  private readonly pendingScenarios: Map<string, number>;
  private current?: { kind: 'scenario' | 'load'; estimate: number; started: number; fraction?: number };
  /** The scenario whose data set is being loaded: its clock waits for the load. */
  private paused?: { kind: 'scenario' | 'load'; estimate: number; started: number };
  /** Scenarios never timed on this server: the ETA leaves them out and says so. */
  readonly unknown: readonly string[];

  constructor(plan: Pick<Plan, 'datasets' | 'seconds'>) {
    this.pendingLoads = new Map(plan.datasets.filter((d) => d.seconds > 0).map((d) => [d.schema, d.seconds]));
    this.pendingScenarios = new Map(Object.entries(plan.seconds.byScenario));
    this.unknown = plan.seconds.unknown;
  }

  scenarioStarted(name: string, now = performance.now()): void {
    const estimate = this.pendingScenarios.get(name) ?? 0;
    this.pendingScenarios.delete(name);
    this.current = { kind: 'scenario', estimate, started: now };
  }

  /** A data set's load began: its planned time moves from pending to in progress (the scenario's clock pauses). */
  loadStarted(now = performance.now()): void {
    const next = [...this.pendingLoads][0];
    if (!next) return;
    this.pendingLoads.delete(next[0]);
    this.paused = this.current?.kind === 'scenario' ? { ...this.current, estimate: Math.max(0, this.current.estimate - (now - this.current.started) / 1000) } : this.paused;
    this.current = { kind: 'load', estimate: next[1], started: now, fraction: 0 };
  }

  loadProgress(fraction: number): void {
    if (this.current?.kind === 'load') this.current.fraction = fraction;
  }

  loadDone(now = performance.now()): void {
    if (this.current?.kind !== 'load') return;
    this.current = this.paused ? { ...this.paused, started: now } : undefined;
    this.paused = undefined;
  }

  /** Seconds left in the whole run, by the plan and what has happened since. */
  remaining(now = performance.now()): number {
    let left = [...this.pendingLoads.values(), ...this.pendingScenarios.values()].reduce((a, b) => a + b, 0);
    if (this.paused) left += this.paused.estimate;
    const c = this.current;
    if (c) {
      const elapsed = (now - c.started) / 1000;
      // A load's own rate, once it has one, beats the plan's figure.
      const byRate = c.kind === 'load' && c.fraction !== undefined && c.fraction > 0.02 ? (elapsed / c.fraction) * (1 - c.fraction) : undefined;
      left += byRate ?? Math.max(0, c.estimate - elapsed);
    }
    return left;
  }

  /** `12 min`, with `+ scenario, …` for what was never timed here. */
  describe(now = performance.now()): string {
    return `${durationText(this.remaining(now))}${this.unknown.length ? ` + ${this.unknown.join(', ')}` : ''}`;
  }
}

/** Returns an event handler that renders load progress, and a function to end it. */
export function loadProgress(opts: OutputOptions, eta?: RunEta): { onEvent: (e: LoadEvent) => void; stop: () => void } {
  const tty = process.stderr.isTTY && !opts.quiet && !opts.json;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let rows = 0;
  let bytes = 0;
  let started = 0;
  let lastLine = 0;
  const render = () => {
    const secs = (performance.now() - started) / 1000 || 1e-9;
    eta?.loadProgress(total > 0 ? rows / total : 0);
    const payload = { rate: fmt(rows / secs), mbs: (bytes / 1e6 / secs).toFixed(1), run: eta ? ` | run ETA ${eta.describe()}` : '' };
    if (bar) bar.update(rows, payload);
    else if (!opts.quiet && performance.now() - lastLine > 10_000) {
      lastLine = performance.now();
      info(opts, `load: ${fmt(rows)}/${fmt(total)} main rows (messages, users, tasks, events), ${payload.rate} rows/s, ${payload.mbs} MB/s${payload.run ? `;${payload.run.slice(2)}` : ''}`);
    }
  };
  return {
    onEvent(e) {
      switch (e.type) {
        case 'plan':
          total = e.totalRows - e.doneRows;
          if (e.reused) info(opts, 'load: data set already complete with these parameters — reusing it');
          else if (e.resumed) info(opts, `load: resuming — ${e.chunks - e.pending} of ${e.chunks} chunks already committed`);
          started = performance.now();
          lastLine = started;
          if (tty && e.pending > 0) {
            bar = new cliProgress.SingleBar(
              { format: 'load [{bar}] {percentage}% | {value}/{total} main rows | {rate} rows/s | {mbs} MB/s | ETA {eta_formatted}{run}', formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? fmt(v) : String(v)), hideCursor: true, stream: process.stderr },
              cliProgress.Presets.shades_classic,
            );
            bar.start(total, 0, { rate: '0', mbs: '0', run: eta ? ` | run ETA ${eta.describe()}` : '' });
          }
          break;
        case 'bytes':
          bytes += e.bytes;
          break;
        case 'chunk':
          rows += e.rows;
          render();
          break;
        case 'phase':
          if (e.phase === 'indexes' || e.phase === 'analyze') {
            bar?.stop();
            bar = undefined;
            info(opts, e.phase === 'indexes' ? 'load: building keys and indexes' : 'load: VACUUM (ANALYZE), CHECKPOINT');
          }
          break;
        case 'index':
          info(opts, `  ${e.name} ${e.seconds.toFixed(1)} s`);
          break;
        case 'note':
          info(opts, `load: ${e.message}`);
          break;
      }
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
