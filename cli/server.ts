/**
 * `pgscale server start|stop|status|url`: keep the embedded server up between commands,
 * so a user can reach the data with psql, pgbench or an application. Everything pgscale
 * runs on the same home while it is up shares it (db/embedded-clients.ts).
 */
import { type Command, Option } from 'commander';
import { type DatasetInfo, listDatasets } from '../db/datasets.ts';
import { type RunningServer, embeddedStatus, embeddedUrl, holdEmbedded, pgscaleSessions, stopEmbedded } from '../db/embedded.ts';
import { PgscaleError } from '../core/errors.ts';
import { describeUrl } from '../db/redact.ts';
import { embeddedHome, openTarget } from '../db/target.ts';
import { describeDatasets } from './list.ts';
import { parseInteger } from '../core/flags.ts';
import { common } from './options.ts';
import { info, printJson, writeStdout } from './output.ts';

interface ServerFlags {
  dataDir?: string;
  json?: boolean;
  quiet?: boolean;
  debug?: boolean;
}

/** Exit code of `server status` when no server runs, as `pg_ctl status` has it. */
const NOT_RUNNING = 3;

export function register(program: Command): void {
  const server = program
    .command('server')
    .description('keep the embedded server running between commands, and print how to connect to it')
    .addHelpText(
      'after',
      '\nThe URL that `server start` and `server url` print contains the password: that is what it is for\n' +
        '(export DATABASE_URL=$(pgscale server url)). Keep it to yourself; everything else pgscale prints hides it.\n' +
        'The server listens on 127.0.0.1 only.',
    );

  withHome(server.command('start'))
    .description('start the embedded server (or adopt the one running) and leave it running; prints its URL, password included, on stdout')
    .addOption(new Option('--port <n>', 'preferred port when it has to start; a free one is taken when it is busy (default: 54320)').argParser(parseInteger('--port', 1, 65535)))
    .addOption(common.json())
    .action((flags: ServerFlags & { port?: number }) => start(flags));

  withHome(server.command('stop'))
    .description('stop the embedded server; refused while another pgscale process uses it')
    .option('--force', 'stop it even while other pgscale processes use it (their sessions are cut off)')
    .addOption(common.json())
    .action((flags: ServerFlags & { force?: boolean }) => stop(flags));

  withHome(server.command('status'))
    .description(`say whether the embedded server runs, on which port, and who uses it (exit code ${NOT_RUNNING} when it is not running)`)
    .addOption(common.json())
    .action((flags: ServerFlags) => status(flags));

  withHome(server.command('url'))
    .description('print the running server\'s connection URL, password included, for export DATABASE_URL=$(pgscale server url)')
    .action((flags: ServerFlags) => url(flags));
}

/** The flags every server subcommand takes: which home, and how much to say. */
function withHome(cmd: Command): Command {
  return cmd.addOption(common.dataDir()).addOption(common.quiet()).addOption(common.debug());
}

function resolveHome(flags: ServerFlags): string {
  return embeddedHome(flags, process.env, process.cwd());
}

/** How to name this home again in a command the user copies: only when it is not the default. */
function homeFlag(flags: ServerFlags, home: string): string {
  return flags.dataDir ? ` --data-dir '${home.replace(/'/g, `'\\''`)}'` : '';
}

async function start(flags: ServerFlags & { port?: number }): Promise<void> {
  const home = resolveHome(flags);
  const before = embeddedStatus(home).running;
  if (before && flags.port !== undefined && before.port !== flags.port) info(flags, `server: already running on port ${before.port}; --port ${flags.port} applies when it starts`);
  // Always the embedded server of this home, whatever DATABASE_URL says: that is what
  // this command manages.
  const target = await openTarget({ kind: 'embedded', home, port: flags.port }, (line) => info(flags, line));
  let running: RunningServer;
  let datasets: DatasetInfo[];
  try {
    running = await holdEmbedded(home);
    const client = await target.connect();
    try {
      datasets = await listDatasets(client);
    } finally {
      await client.end();
    }
  } finally {
    // Leaves the server: the hold keeps it running.
    await target.close();
  }
  const address = embeddedUrl(home, running.port);
  if (flags.json) {
    // Written without redaction on purpose: the URL with its password is this command's output.
    await writeStdout(`${JSON.stringify({ url: address, host: '127.0.0.1', port: running.port, pid: running.pid, started: !before, home, datasets }, null, 2)}\n`);
    return;
  }
  await writeStdout(`${address}\n`);
  const again = homeFlag(flags, home);
  info(flags, `server: ${before ? 'kept running' : 'running'} on 127.0.0.1:${running.port} (pid ${running.pid}), data in ${home}`);
  info(flags, `server: connect with pgscale psql [DATASET]${again}, or export DATABASE_URL=$(pgscale server url${again})`);
  info(flags, `server: stop it with pgscale server stop${again}`);
  info(flags, datasets.length ? describeDatasets(datasets) : `server: no data sets yet; load one with pgscale load --scale 1m${again}`);
}

async function stop(flags: ServerFlags & { force?: boolean }): Promise<void> {
  const home = resolveHome(flags);
  const stopped = await stopEmbedded(home, {
    force: !!flags.force,
    sessions: (running) => pgscaleSessions(embeddedUrl(home, running.port)),
  });
  if (flags.json) printJson({ stopped: !!stopped, port: stopped?.port, pid: stopped?.pid, home });
  else if (stopped) info(flags, `server: stopped the embedded server on port ${stopped.port} (pid ${stopped.pid})`);
  else info(flags, `server: no embedded server is running in ${home}`);
}

async function status(flags: ServerFlags): Promise<void> {
  const home = resolveHome(flags);
  const s = embeddedStatus(home);
  if (!s.running) process.exitCode = NOT_RUNNING;
  const address = s.running ? describeUrl(embeddedUrl(home, s.running.port)) : undefined;
  if (flags.json) {
    printJson({ running: !!s.running, port: s.running?.port, pid: s.running?.pid, state: s.running?.status, held: s.held, clients: s.clients, url: address, home, dataDir: s.dataDir, logFile: s.logFile });
    return;
  }
  const lines = s.running
    ? [
        `running  127.0.0.1:${s.running.port} (pid ${s.running.pid}, ${s.running.status || 'state unknown'})`,
        `kept up  ${s.held ? 'yes, until pgscale server stop' : 'no: stops when the last pgscale process using it ends'}`,
        `users    ${s.clients.length ? s.clients.map((pid) => `pgscale process ${pid}`).join(', ') : 'no pgscale process'}`,
        `url      ${address} (with the password: pgscale server url${homeFlag(flags, home)})`,
      ]
    : ['not running'];
  await writeStdout(`${[...lines, `data     ${s.dataDir}`, `log      ${s.logFile}`].join('\n')}\n`);
}

async function url(flags: ServerFlags): Promise<void> {
  const home = resolveHome(flags);
  const s = embeddedStatus(home);
  if (!s.running) {
    throw new PgscaleError('EMBEDDED', `no embedded server is running in ${home}`, {
      hint: `Start it with pgscale server start${homeFlag(flags, home)}; it stays up until pgscale server stop.`,
    });
  }
  // Unredacted on purpose: the password is what makes the URL usable as DATABASE_URL.
  await writeStdout(`${embeddedUrl(home, s.running.port)}\n`);
}
