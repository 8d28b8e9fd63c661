/**
 * Open the target a command asked for, run the command, and always let go of it: the
 * embedded server or container pgscale started is stopped on success, failure and Ctrl-C.
 */
import { type Target, openTarget, resolveTargetSpec } from '../db/target.ts';
import { info } from './output.ts';
import type { ConnectionFlags } from './options.ts';

/** Run fn against the resolved target, stopping what was started afterwards. */
export async function withTarget<T>(flags: ConnectionFlags, fn: (target: Target) => Promise<T>): Promise<T> {
  const spec = resolveTargetSpec(flags, process.env, process.cwd());
  const target = await openTarget(spec, (line) => info(flags, line));
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= target.close());
  const onSignal = (signal: NodeJS.Signals) => {
    info(flags, `\npgscale: ${signal} received — stopping; committed chunks are kept, run the same command again to resume`);
    void close().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    info(flags, `target: ${target.describe}`);
    return await fn(target);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await close();
  }
}
