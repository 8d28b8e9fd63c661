/** `pgscale generate TABLE`: COPY text on stdout, byte-identical for the same arguments. */
import type { Command } from 'commander';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PgscaleError } from '../core/errors.ts';
import { type EnumStyle, ENUM_STYLES } from '../generators/enums.ts';
import { TABLES, TABLE_NAMES, generateTable, isTableName } from '../generators/index.ts';
import { parseRowCount } from '../core/flags.ts';
import { common } from './options.ts';

export function register(program: Command): void {
  program
    .command('generate')
    .description('write one table as COPY text to stdout (pipe to psql -c "COPY … FROM STDIN")')
    .argument('<table>', `one of: ${TABLE_NAMES.join(', ')}`)
    .option('--rows <n>', 'rows to write (10000, 100k, 1m)', parseRowCount, 100_000)
    .addOption(common.seed())
    .addOption(common.months())
    .option('--enums <style>', `enum storage: ${ENUM_STYLES.join(' | ')}`, 'smallint')
    .option('--header', 'print the matching COPY statement on stderr')
    .addOption(common.quiet())
    .addOption(common.debug())
    .action(async (table: string, flags: { rows: number; seed: number; months: number; enums: string; header?: boolean }) => {
      if (!isTableName(table)) {
        throw new PgscaleError('USAGE', `unknown table '${table}'`, { hint: `Choose one of: ${TABLE_NAMES.join(', ')}.` });
      }
      if (!ENUM_STYLES.includes(flags.enums as EnumStyle)) {
        throw new PgscaleError('USAGE', `unknown --enums '${flags.enums}'`, { hint: `Choose one of: ${ENUM_STYLES.join(', ')}.` });
      }
      if (flags.header) process.stderr.write(`COPY ${table} (${TABLES[table].columns.join(', ')}) FROM STDIN\n`);
      const source = Readable.from(generateTable(table, flags.rows, flags.seed, flags.months, flags.enums as EnumStyle), { objectMode: false });
      try {
        await pipeline(source, process.stdout);
      } catch (err) {
        // `| head` closes the pipe early: that is the reader's choice, not a failure.
        if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
      }
    });
}
