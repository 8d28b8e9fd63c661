/** `pgscale drop SCHEMA…`: remove data sets pgscale loaded (and refuse anything else). */
import type { Command } from 'commander';
import { PgscaleError } from '../db/errors.ts';
import { dropOwnedSchema, inspectSchema } from '../db/schema.ts';
import { type ConnectionFlags, common } from './options.ts';
import { info } from './output.ts';
import { withTarget } from './session.ts';

export function register(program: Command): void {
  program
    .command('drop')
    .description('drop schemas pgscale created (refuses any schema it did not create)')
    .argument('<schema...>', 'schema names, e.g. pgscale')
    .addOption(common.databaseUrl())
    .addOption(common.target())
    .addOption(common.dataDir())
    .addOption(common.quiet())
    .addOption(common.debug())
    .action(async (schemas: string[], flags: ConnectionFlags) => {
      await withTarget(flags, async (target) => {
        const client = await target.connect();
        try {
          for (const schema of schemas) {
            const before = await inspectSchema(client, schema);
            if (!before.exists) throw new PgscaleError('USAGE', `schema '${schema}' does not exist`);
            await dropOwnedSchema(client, schema);
            info(flags, `dropped schema ${schema}`);
          }
        } finally {
          await client.end();
        }
      });
    });
}
