/**
 * Open the target a command asked for, run the command, and always let go of it: the
 * embedded server or container pgscale started is stopped on success, failure and Ctrl-C.
 */
import { type Target, openTarget, resolveTargetSpec } from '../db/target.ts';
import { info } from './output.ts';
import type { ConnectionFlags } from './options.ts';

/**
 * Run fn against the resolved target, stopping what was started afterwards. With
 * `interrupt`, the first Ctrl-C aborts it instead of ending the process, so the command
 * can keep what it measured; a second one ends the process all the same.
 */
export async function withTarget<T>(flags: ConnectionFlags, fn: (target: Target) => Promise<T>, interrupt?: AbortController): Promise<T> {
  const spec = resolveTargetSpec(flags, process.env, process.cwd());
  const target = await openTarget(spec, (line) => info(flags, line));
  return withSession(flags, { close: () => target.close(), kept: 'committed chunks are kept', describe: [`target: ${target.describe}`] }, () => fn(target), interrupt);
}

/**
 * The session around what a command opened (one target, or every shard): fn runs with
 * SIGINT/SIGTERM handled as withTarget describes, and `close` runs once on every way out.
 */
export async function withSession<T>(
  flags: ConnectionFlags,
  opened: { close(): Promise<void>; /** What a stopped load keeps, for the Ctrl-C line. */ kept: string; describe: string[] },
  fn: () => Promise<T>,
  interrupt?: AbortController,
): Promise<T> {
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= opened.close());
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt && !interrupt.signal.aborted) {
      info(flags, `\npgscale: ${signal} received — finishing up and writing what was measured (again to quit at once)`);
      interrupt.abort(signal);
      process.once(signal, onSignal);
      return;
    }
    info(flags, `\npgscale: ${signal} received — stopping; ${opened.kept}, run the same command again to resume`);
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    for (const line of opened.describe) info(flags, line);
    return await fn();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await close();
  }
}
