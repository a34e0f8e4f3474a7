import { Command, CommanderError } from 'commander';
import { loadConfig } from './config';
import { UserError } from './errors';
import { startBridge } from './main';
import { VERSION } from './version';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
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
      const bridge = await startBridge(config);
      io.stderr(`ci-exposure: serving on ${bridge.url}\n`);
      onServe(() => bridge.close());
    });

  program
    .command('scan')
    .description('look up which pipelines run a compromised component, and what they expose')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw new UserError('scan: the exposure engine has not landed yet in this version');
    });

  program
    .command('setup')
    .description('one-time Mattermost set-up: bot account, token, slash command')
    .allowUnknownOption(true)
    .allowExcessArguments(true)
    .action(() => {
      throw new UserError('setup: Mattermost set-up has not landed yet in this version');
    });

  program
    .command('indicators')
    .description('list the built-in incident catalog')
    .allowUnknownOption(true)
    .action(() => {
      throw new UserError('indicators: the incident catalog has not landed yet in this version');
    });

  return program;
}

/**
 * Runs the CLI and resolves to the process exit code: 0 success, 1 "something affected" (scan),
 * 2 usage or configuration error. `serve` resolves only when the server stops (SIGINT/SIGTERM).
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
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        return 0;
      }
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
