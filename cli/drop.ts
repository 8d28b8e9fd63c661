/** `pgscale drop SCHEMA…` / `pgscale drop --scratch`: remove data sets pgscale loaded (and refuse anything else). */
import type { Command } from 'commander';
import { assertNotBusy, datasetOwner, nameSession, unlockDataset } from '../db/dataset-lock.ts';
import { PgscaleError } from '../core/errors.ts';
import { dropLeftoverScratch, dropOwnedSchema, inspectSchema, scratchSchemas } from '../db/schema.ts';
import { type ConnectionFlags, connectionOptions } from './options.ts';
import { info, printJson } from './output.ts';
import { withTarget } from './session.ts';

interface DropFlags extends ConnectionFlags {
  scratch?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('drop')
    .description('drop schemas pgscale created (refuses any schema it did not create)')
    .argument('[schema...]', 'schema names, e.g. pgscale')
    .option('--scratch', 'drop the scratch schemas interrupted runs left behind (not those a running scenario uses)');
  connectionOptions(cmd).action(async (schemas: string[], flags: DropFlags) => {
    if (schemas.length === 0 && !flags.scratch) {
      throw new PgscaleError('USAGE', 'name the schemas to drop, or pass --scratch', { hint: 'pgscale drop pgscale_300k_1_smallint, or pgscale drop --scratch for what interrupted runs left.' });
    }
    await withTarget(flags, async (target) => {
      const client = await target.connect();
      try {
        await nameSession(client, 'drop');
        const dropped: string[] = [];
        for (const schema of schemas) {
          const before = await inspectSchema(client, schema);
          if (!before.exists) throw new PgscaleError('USAGE', `schema '${schema}' does not exist`);
          // Never from under a load or a scenario: refuse while another session owns it.
          await assertNotBusy(client, schema);
          await dropOwnedSchema(client, schema);
          await unlockDataset(client, schema);
          dropped.push(schema);
          info(flags, `dropped schema ${schema}`);
        }
        if (flags.scratch) {
          for (const schema of await dropLeftoverScratch(client)) {
            dropped.push(schema);
            info(flags, `dropped scratch schema ${schema}`);
          }
          for (const schema of await scratchSchemas(client)) info(flags, `kept scratch schema ${schema}: in use by ${(await datasetOwner(client, schema)) ?? 'a running pgscale'}`);
          if (dropped.length === 0) info(flags, 'no scratch schemas to drop');
        }
        if (flags.json) printJson({ dropped });
      } finally {
        await client.end();
      }
    });
  });
}
