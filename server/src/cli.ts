import { Command, CommanderError } from 'commander';
import { loadConfig } from './config';
import { UserError } from './errors';
import { createLogger, routeConsoleToLogger } from './logger';
import { startBridge } from './main';
import { runIndicatorsCommand, runScanCommand } from './scan-command';
import { setupFromCli, type SetupCliOptions } from './setup-command';
import { VERSION } from './version';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal (the scan table may use colours). */
  isTTY?: boolean;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
};

/** Signals that a command has finished and sets the exit code (used instead of process.exit). */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

function buildProgram(io: CliIo, onServe: (stop: () => Promise<void>) => void): Command {
  const program = new Command();
  program
    .name('ci-exposure')
    .description('Which pipelines ran a compromised CI component, what they could read, what they could tamper with.')
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `ci-exposure --help` for usage)');

  program
    .command('serve')
    .description('run the bridge: the HTTP endpoints Mattermost calls, and the bot')
    .option('-c, --config <file>', 'configuration file (default ./ci-exposure.yaml)')
    .action(async (opts: { config?: string }) => {
      const { config } = loadConfig({ file: opts.config });
      const logger = createLogger(config.log.level);
      // @mattermost/client's WebSocketClient writes to the console; keep stdout structured logs only.
      routeConsoleToLogger(logger);
      const bridge = await startBridge(config, logger);
      io.stderr(`ci-exposure: serving on ${bridge.url}\n`);
      onServe(() => bridge.close());
    });

  program
    .command('scan')
    .description('look up which pipelines run a compromised component, and what they expose')
    .argument('[paths...]', 'repository checkouts, or folders of <owner>/<repo> checkouts (default: .)')
    .option('-i, --indicator <id|file>', 'a catalog incident id or a custom indicator JSON file (default: every catalog incident)')
    .option('--component <spec>', 'gha:owner/repo[@ref], orb:ns/name[@version], script:URL, image:name[:tag|@digest], gitlab:group/project[@ref]')
    .option('--cache <dir>', 'component cache folder (orb sources, actions, includes)')
    .option('-f, --format <format>', 'table, json, sarif, csv or markdown', 'table')
    .option('--all', 'also list uses that are not affected (for example pinned to a safe SHA)')
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing affected, 1 something affected, 2 usage or configuration error,\n3 nothing affected found but the scan is incomplete (no pipeline file, input errors or unresolved components).',
    )
    .action((paths: string[], opts: { indicator?: string; component?: string; cache?: string; format: string; all?: boolean }) => {
      const color = io.isTTY === true && !process.env.NO_COLOR;
      throw new Exit(runScanCommand({ paths, ...opts, color }, io));
    });

  program
    .command('setup')
    .description('one-time Mattermost set-up: bot account, token, slash command (safe to run again)')
    .option('--site-url <url>', 'Mattermost site URL (default: mattermost.siteUrl of the configuration)')
    .option('--admin-token <token>', "a system admin's personal access token (or CIX_ADMIN_TOKEN)")
    .option('--public-url <url>', 'URL at which Mattermost reaches the bridge (default: publicUrl of the configuration)')
    .option('--team <name>', 'team to set up (repeatable; default: mattermost.teams)', (v: string, acc: string[] | undefined): string[] => [...(acc ?? []), v])
    .option('--data-dir <dir>', 'where the store keeps the tokens (default: dataDir of the configuration, or data)')
    .option('-c, --config <file>', 'configuration file (default ./ci-exposure.yaml); written from these flags when missing')
    .action(async (opts: SetupCliOptions) => {
      const lines = await setupFromCli(opts);
      io.stdout(`${lines.join('\n')}\n`);
    });

  program
    .command('indicators')
    .description('list the built-in incident catalog')
    .option('-f, --format <format>', 'table or json', 'table')
    .action((opts: { format: string }) => {
      throw new Exit(runIndicatorsCommand(opts.format, io));
    });

  return program;
}

/**
 * Runs the CLI and resolves to the process exit code: 0 success, 1 "something affected" (scan),
 * 2 usage or configuration error, 3 "nothing affected found, but the scan is incomplete" (scan).
 * `serve` resolves only when the server stops (SIGINT/SIGTERM).
 */
export async function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let stopServer: (() => Promise<void>) | undefined;
  const program = buildProgram(io, (stop) => {
    stopServer = stop;
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof Exit) return err.code;
    if (err instanceof CommanderError) {
      // `--help` and `--version` asked for; `commander.help` is the usage shown because no command was given.
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    if (err instanceof UserError) {
      io.stderr(`ci-exposure: ${err.message}\n`);
      return err.exitCode;
    }
    throw err;
  }
  if (stopServer) {
    const stop = stopServer;
    await new Promise<void>((resolveWait) => {
      const onSignal = (): void => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        void stop().then(resolveWait, resolveWait);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
  }
  return 0;
}
