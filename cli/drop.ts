/** `pgscale drop SCHEMA…`: remove data sets pgscale loaded (and refuse anything else). */
import type { Command } from 'commander';
import { assertNotBusy, nameSession, unlockDataset } from '../db/dataset-lock.ts';
import { PgscaleError } from '../db/errors.ts';
import { dropOwnedSchema, inspectSchema } from '../db/schema.ts';
import { type ConnectionFlags, connectionOptions } from './options.ts';
import { info, printJson } from './output.ts';
import { withTarget } from './session.ts';

export function register(program: Command): void {
  const cmd = program
    .command('drop')
    .description('drop schemas pgscale created (refuses any schema it did not create)')
    .argument('<schema...>', 'schema names, e.g. pgscale');
  connectionOptions(cmd).action(async (schemas: string[], flags: ConnectionFlags) => {
      await withTarget(flags, async (target) => {
        const client = await target.connect();
        try {
          await nameSession(client, 'drop');
          for (const schema of schemas) {
            const before = await inspectSchema(client, schema);
            if (!before.exists) throw new PgscaleError('USAGE', `schema '${schema}' does not exist`);
            // Never from under a load: refuse while another session owns the data set.
            await assertNotBusy(client, schema);
            await dropOwnedSchema(client, schema);
            await unlockDataset(client, schema);
            info(flags, `dropped schema ${schema}`);
          }
          if (flags.json) printJson({ dropped: schemas });
        } finally {
          await client.end();
        }
      });
    });
}
