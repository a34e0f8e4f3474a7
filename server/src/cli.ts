/**
 * The bridge's commands of `ci-exposure`: `serve` and `setup`. The engine's bin (bin/ci-exposure.js of
 * @ci-exposure/engine) runs them through `runBridgeCli`; the program, its output and its error boundary
 * are the engine's (`baseProgram`, `runProgram`), so a UserError here is one line and its exit code there.
 */
import { baseProgram, defaultIo, runProgram, type CliIo } from '@ci-exposure/engine';
import type { Command } from 'commander';
import { loadConfig } from './config';
import { createLogger, routeConsoleToLogger } from './logger';
import { startBridge } from './main';
import { setupFromCli, type SetupCliOptions } from './setup-command';
import { VERSION } from './version';

export type { CliIo };

function buildProgram(io: CliIo, onServe: (stop: () => Promise<void>) => void): Command {
  const program = baseProgram(io, VERSION);

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

  return program;
}

/**
 * Runs `serve` or `setup` and resolves to the process exit code: 0 success, 2 usage or configuration
 * error. `serve` resolves only when the server stops (SIGINT/SIGTERM).
 */
export async function runBridgeCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  let stopServer: (() => Promise<void>) | undefined;
  const program = buildProgram(io, (stop) => {
    stopServer = stop;
  });
  const code = await runProgram(program, argv, io);
  if (code !== 0 || !stopServer) return code;
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
  return 0;
}
