/**
 * A progress bar on stderr for long loads: rows, rows/s, MB/s and ETA. Only on a TTY
 * (CI logs get periodic plain lines instead, unless --quiet).
 */
import cliProgress from 'cli-progress';
import type { LoadEvent } from '../db/load.ts';
import type { OutputOptions } from './output.ts';
import { info } from './output.ts';

const fmt = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(Math.round(n)));

/** Returns an event handler that renders load progress, and a function to end it. */
export function loadProgress(opts: OutputOptions): { onEvent: (e: LoadEvent) => void; stop: () => void } {
  const tty = process.stderr.isTTY && !opts.quiet && !opts.json;
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let rows = 0;
  let bytes = 0;
  let started = 0;
  let lastLine = 0;
  const render = () => {
    const secs = (performance.now() - started) / 1000 || 1e-9;
    const payload = { rate: fmt(rows / secs), mbs: (bytes / 1e6 / secs).toFixed(1) };
    if (bar) bar.update(rows, payload);
    else if (!opts.quiet && performance.now() - lastLine > 10_000) {
      lastLine = performance.now();
      info(opts, `load: ${fmt(rows)}/${fmt(total)} main rows (messages, users, tasks, events), ${payload.rate} rows/s, ${payload.mbs} MB/s`);
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
              { format: 'load [{bar}] {percentage}% | {value}/{total} main rows | {rate} rows/s | {mbs} MB/s | ETA {eta_formatted}', formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? fmt(v) : String(v)), hideCursor: true, stream: process.stderr },
              cliProgress.Presets.shades_classic,
            );
            bar.start(total, 0, { rate: '0', mbs: '0' });
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
