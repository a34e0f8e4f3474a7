import { Command, CommanderError } from 'commander';
import { UserError } from './errors';
import { registerIndexCommand } from './index-register';
import { runIndicatorsCommand } from './scan-command';
import { runSourceScan } from './scan-sources';
import { VERSION } from './version';

export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** stdout is a terminal (the scan table may use colours). */
  isTTY?: boolean;
  /** stderr is a terminal (scan progress is a bar there, a plain line every few seconds otherwise). */
  stderrIsTTY?: boolean;
}

export const defaultIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
};

/** Signals that a command has finished and sets the exit code (used instead of process.exit). */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * The `ci-exposure` program without its commands: name, description, version, output through `io`,
 * errors thrown to `runProgram` instead of exiting. The bridge builds its commands (`serve`, `setup`)
 * on it too.
 */
export function baseProgram(io: CliIo, version: string = VERSION): Command {
  return new Command()
    .name('ci-exposure')
    .description('Which pipelines ran a compromised CI component, what they could read, what they could tamper with.')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError('(run `ci-exposure --help` for usage)');
}

function buildProgram(io: CliIo): Command {
  const program = baseProgram(io);

  program
    .command('scan')
    .description('look up which pipelines run a compromised component, and what they expose')
    .argument(
      '[sources...]',
      'repository checkouts or folders of <owner>/<repo> checkouts (default: .), git URLs (https://…/x.git, ssh://…, file:///…, git+URL), github:ORG, github:OWNER/REPO, gitlab:GROUP, gitlab:https://HOST/GROUP, circleci:VCS/ORG',
    )
    .option('-i, --indicator <id|file>', 'a catalog incident id or a custom indicator JSON file (default: every catalog incident)')
    .option('--component <spec>', 'gha:owner/repo[@ref], orb:ns/name[@version], script:URL, image:name[:tag|@digest], gitlab:group/project[@ref]')
    .option('--cache <dir>', 'component cache folder (orb sources, actions, includes)')
    .option('-f, --format <format>', 'table, json, sarif, csv or markdown', 'table')
    .option('--all', 'also list uses that are not affected (for example pinned to a safe SHA)')
    .option('--window <start..end>', "versions live in this window (ISO dates or times, UTC), or none (today's heads); default: the --indicator's window")
    .option('--data-dir <dir>', 'git mirrors and fetched components', '.ci-exposure')
    .option('--fetch', 'fetch missing components (default when a remote source is scanned)')
    .option('--no-fetch', 'never fetch components')
    .option('--jobs <n>', 'threads scanning local folders, this one included (default above 200 repositories: one per two cores; with one and more than two cores, another thread reads the files ahead)')
    .option('--evidence', 'github:, gitlab:, circleci: sources: whether each affected job ran in the window (GITHUB_TOKEN with Actions read: runs and the commit each action resolved to; GITLAB_TOKEN read_api: pipelines, jobs and their logs; CIRCLECI_TOKEN: pipelines and jobs)')
    .option('--jenkins-library <name=url[#version]>', "a Jenkins shared library's repository (repeatable; Jenkins' Global Pipeline Libraries): fetched when a Jenkinsfile loads it", (v: string, all: string[] = []) => [...all, v])
    .option('--jenkins-libraries <file>', "Jenkins shared libraries' repositories: JSON or YAML { libraries: [{ name, url, defaultVersion?, implicit? }] } or Jenkins' own globalLibraries list")
    .addHelpText(
      'after',
      '\nExit codes: 0 nothing affected, 1 something affected, 2 usage or configuration error,\n3 nothing affected found but the scan is incomplete (no pipeline file, input errors or unresolved components).',
    )
    .action(
      async (
        paths: string[],
        opts: { indicator?: string; component?: string; cache?: string; format: string; all?: boolean; window?: string; dataDir: string; fetch?: boolean; jobs?: string; evidence?: boolean; jenkinsLibrary?: string[]; jenkinsLibraries?: string },
      ) => {
        const color = io.isTTY === true && !process.env.NO_COLOR;
        throw new Exit(await runSourceScan({ paths, ...opts, color }, { ...io, env: process.env }));
      },
    );

  program
    .command('indicators')
    .description('list the built-in incident catalog')
    .option('-f, --format <format>', 'table or json', 'table')
    .action((opts: { format: string }) => {
      throw new Exit(runIndicatorsCommand(opts.format, io));
    });

  registerIndexCommand(program, io, (code) => new Exit(code));

  // The bridge's commands, run by bin/ci-exposure.js through the bridge's own CLI when it is installed.
  program.addHelpText(
    'after',
    [
      '',
      'Bridge commands (package @ci-exposure/server):',
      '  serve [options]            run the bridge: the HTTP endpoints Mattermost',
      '                             calls, and the bot',
      '  setup [options]            one-time Mattermost set-up: bot account, token,',
      '                             slash command (safe to run again)',
    ].join('\n'),
  );
  return program;
}

/**
 * The top-level error boundary of every `ci-exposure` command, the engine's and the bridge's: parses
 * `argv`, runs the command and resolves to the exit code. A UserError is one line on stderr and its
 * exit code; a usage error (commander) is 2; anything else is a bug and is thrown.
 */
export async function runProgram(program: Command, argv: string[], io: CliIo): Promise<number> {
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
  return 0;
}

/**
 * Runs the engine's CLI (`scan`, `indicators`, help, version) and resolves to the process exit code:
 * 0 success, 1 "something affected" (scan), 2 usage or configuration error, 3 "nothing affected found,
 * but the scan is incomplete" (scan). `serve` and `setup` are the bridge's (bin/ci-exposure.js).
 */
export function runCli(argv: string[], io: CliIo = defaultIo): Promise<number> {
  return runProgram(buildProgram(io), argv, io);
}
