/**
 * The shell analyser: what CI shell text runs. lexer.ts (words, operators, substitutions), commands.ts
 * (the program of a command and the file it runs), fetch.ts (curl/wget), powershell.ts, invocations.ts
 * (`make`, image builds), paths.ts (paths as places in the repository), analyse.ts (the walk), and the
 * repository files it follows: makefile.ts, dockerfile.ts. Pure.
 */
export { analyseShell, findFetchedScripts, placeFile, type Download, type Invocation, type ShellAnalysis, type ShellContext } from './analyse';
export { parseDockerfile, type DockerImage, type ParsedDockerfile } from './dockerfile';
export { emptyMakefile, expandName, expandRecipeLine, parseMakefile, type MakeRule, type ParsedMakefile } from './makefile';
export { anchored, type Cwd, dirOf, joinRepoPath, type RepoPath } from './paths';
