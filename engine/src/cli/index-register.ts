/**
 * The `index` command's options on the program (`index build`, and `--index` / `--data-dir` on `scan`):
 * what they run (index-command.ts: the index, its store, its threads) is loaded when one of them is used.
 */
import type { Command } from 'commander';
import type { IndexIo } from './index-command';
import { DEFAULT_DATA_DIR } from './scan-sources';

/**
 * Adds `index build` to the program, and `--index` / `--data-dir` to its `scan` command (a scan given
 * `--index` is answered here, before scan's own action). `exit` makes the error that ends a command
 * with an exit code (cli.ts's).
 */
export function registerIndexCommand(program: Command, io: IndexIo & { isTTY?: boolean }, exit: (code: number) => Error): void {
  const withEnv: IndexIo = { ...io, env: io.env ?? process.env };
  const index = program.command('index').description('the component-usage index: answer a new indicator without scanning again');
  index
    .command('build')
    .description('index the repositories (re-reading only those that changed since the last build)')
    .argument('[sources...]', 'as scan: repository checkouts or folders of <owner>/<repo> checkouts (default: .), git URLs, github:ORG, gitlab:GROUP, circleci:VCS/ORG')
    .option('--cache <dir>', 'component cache folder (orb sources, actions, includes)')
    .option('--data-dir <dir>', `where the index is kept (default: ${DEFAULT_DATA_DIR})`)
    .option('--window <start..end>', "remote sources: index the versions live in this window (as scan's --window; default: today's heads)")
    .option('--fetch', 'fetch missing components (default when a remote source is indexed)')
    .option('--no-fetch', 'never fetch components')
    .option('--jobs <n>', 'local folders: worker threads for a first build (default: one per core above 200 repositories)')
    .action(async (paths: string[], opts: { cache?: string; dataDir?: string; window?: string; fetch?: boolean; jobs?: string }) => {
      const { runIndexBuild } = await import('./index-command');
      throw exit(await runIndexBuild({ paths, ...opts }, withEnv));
    });

  const scan = program.commands.find((c) => c.name() === 'scan');
  if (!scan) return;
  scan.option('--index', 'answer from the component-usage index in the data directory, re-reading only repositories that changed');
  if (!scan.options.some((o) => o.long === '--data-dir')) scan.option('--data-dir <dir>', `where the index is kept (default: ${DEFAULT_DATA_DIR})`);
  scan.hook('preAction', async (cmd) => {
    const opts = cmd.opts<{ index?: boolean; indicator?: string; component?: string; cache?: string; format: string; all?: boolean; dataDir?: string; fetch?: boolean; window?: string; evidence?: boolean; jobs?: string; jenkinsLibrary?: string[]; jenkinsLibraries?: string }>();
    if (opts.index !== true) return;
    const color = io.isTTY === true && !process.env.NO_COLOR;
    const { indicator, component, cache, format, all, dataDir, fetch, window, evidence, jobs } = opts;
    const jenkinsLibraries = (opts.jenkinsLibrary ?? []).length > 0 || opts.jenkinsLibraries !== undefined;
    const rest = { indicator, component, cache, format, all, dataDir, fetch, window, evidence, jenkinsLibraries, ...(jobs === undefined ? {} : { jobs }) };
    const paths = (cmd.processedArgs[0] as string[] | undefined) ?? [];
    const { runIndexedScan } = await import('./index-command');
    throw exit(await runIndexedScan({ paths, ...rest, color }, withEnv));
  });
}
