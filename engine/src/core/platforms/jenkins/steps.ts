/**
 * What Jenkins steps mean for exposure: which steps run shell text, which bind credentials (and under
 * which variable names), which write or read stashes and archived artifacts, which publish; and the
 * names of the steps Jenkins and its common plugins provide (a call by any other name may be a
 * shared-library global variable). Pure.
 */
import type { Arg, Call, Expr } from './groovy';

/** Steps whose text runs in a shell on the agent. */
export const SHELL_STEPS: ReadonlySet<string> = new Set(['sh', 'bat', 'powershell', 'pwsh']);

/**
 * Steps of Jenkins core, Pipeline and widely used plugins, and Groovy built-ins: a call by one of these
 * names that no loaded library defines is that step, not a library global variable.
 */
export const KNOWN_STEPS: ReadonlySet<string> = new Set([
  // Pipeline: basic steps, SCM, build, input, milestone, lock, workspace
  'sh', 'bat', 'powershell', 'pwsh', 'echo', 'error', 'sleep', 'timeout', 'retry', 'waitUntil', 'dir', 'deleteDir', 'pwd', 'fileExists', 'readFile',
  'writeFile', 'tool', 'withEnv', 'withCredentials', 'script', 'stage', 'node', 'parallel', 'checkout', 'git', 'svn', 'input', 'milestone', 'lock',
  'build', 'timestamps', 'ansiColor', 'catchError', 'warnError', 'unstable', 'isUnix', 'library', 'load', 'step', 'wrap', 'ws', 'stash', 'unstash',
  'archiveArtifacts', 'archive', 'unarchive', 'copyArtifacts', 'fingerprint', 'cleanWs', 'properties', 'mail', 'emailext', 'emailextrecipients', 'junit',
  'getContext', 'withContext', 'evaluate', 'waitForWebhook', 'resolveScm', 'pipeline',
  // declarative directives and their helpers
  'agent', 'any', 'none', 'label', 'docker', 'dockerfile', 'kubernetes', 'environment', 'options', 'parameters', 'triggers', 'stages', 'steps', 'post',
  'when', 'tools', 'libraries', 'lib', 'matrix', 'axes', 'axis', 'values', 'excludes', 'exclude', 'always', 'success', 'failure', 'unstable',
  'aborted', 'changed', 'fixed', 'regression', 'cleanup', 'notBuilt', 'unsuccessful', 'branch', 'tag', 'buildingTag', 'changeRequest', 'changelog',
  'changeset', 'expression', 'anyOf', 'allOf', 'not', 'equals', 'triggeredBy', 'beforeAgent', 'beforeInput', 'beforeOptions', 'failFast', 'customWorkspace',
  'reuseNode', 'args', 'image', 'registryUrl', 'registryCredentialsId', 'alwaysPull', 'filename', 'additionalBuildArgs', 'yaml', 'yamlFile', 'inheritFrom',
  'defaultContainer', 'cloud', 'namespace', 'name', 'description', 'defaultValue', 'ok', 'submitter', 'submitterParameter', 'message',
  // options and triggers
  'buildDiscarder', 'logRotator', 'disableConcurrentBuilds', 'disableResume', 'skipDefaultCheckout', 'skipStagesAfterUnstable', 'checkoutToSubdirectory',
  'newContainerPerStage', 'preserveStashes', 'quietPeriod', 'retry', 'parallelsAlwaysFailFast', 'overrideIndexTriggers', 'durabilityHint',
  'pipelineTriggers', 'cron', 'pollSCM', 'upstream', 'githubPush', 'gitlab', 'GenericTrigger', 'issueCommentTrigger', 'parameterizedCron',
  // parameters and credential bindings
  'string', 'booleanParam', 'choice', 'password', 'text', 'file', 'run', 'credentials', 'usernamePassword', 'usernameColonPassword', 'sshUserPrivateKey',
  'certificate', 'dockerCert', 'gitUsernamePassword', 'gitSshPrivateKey', 'aws', 'azureServicePrincipal', 'kubeconfigFile', 'kubeconfigContent',
  'vaultString', 'vaultFile',
  // common plugins
  'sshagent', 'sshPublisher', 'sshPublisherDesc', 'sshTransfer', 'withMaven', 'withGradle', 'withAnt', 'withNPM', 'withPythonEnv', 'withAWS', 'withKubeConfig',
  'withVault', 'withSonarQubeEnv', 'waitForQualityGate', 'withDockerRegistry', 'withDockerContainer', 'withDockerServer', 'dockerNode', 'container',
  'containerTemplate', 'podTemplate', 'slackSend', 'slackUploadFile', 'jacoco', 'cobertura', 'publishHTML', 'recordIssues', 'recordCoverage',
  'publishCoverage', 'xunit', 'nunit', 'mstest', 'publishChecks', 'githubNotify', 'setGitHubPullRequestStatus', 'gitHubPrComment', 'pullRequest',
  'bitbucketStatusNotify', 'notifyBitbucket', 's3Upload', 's3Download', 'httpRequest', 'jiraComment', 'office365ConnectorSend', 'discoverGitReferenceBuild',
  'findFiles', 'zip', 'unzip', 'tee', 'touch', 'sha1', 'sha256', 'readJSON', 'writeJSON', 'readYaml', 'writeYaml', 'readProperties', 'readCSV', 'writeCSV',
  'readMavenPom', 'writeMavenPom', 'readManifest', 'nodejs', 'configFileProvider', 'configFile', 'googleStorageUpload', 'rtUpload', 'rtDownload',
  'rtServer', 'rtPublishBuildInfo', 'nexusArtifactUploader', 'nexusPublisher', 'kubernetesDeploy', 'azureUpload', 'azureWebAppPublish', 'ftpPublisher',
  'publishOverSsh', 'dependencyCheckPublisher', 'recordIssues', 'scanForIssues', 'publishIssues', 'gerritReview', 'gitlabCommitStatus',
  'updateGitlabCommitStatus', 'addGitLabMRComment', 'acceptGitLabMR', 'gitlabBuilds', 'cleanWs', 'validateDeclarativePipeline', 'withAnt', 'xvfb',
  'lastChanges', 'buildName', 'buildDescription', 'setBuildResult', 'currentBuild', 'env', 'params', 'scm',
  // Groovy built-ins
  'println', 'print', 'printf', 'sprintf', 'format', 'assert', 'each', 'eachWithIndex', 'collect', 'find', 'findAll', 'any', 'every', 'with', 'tap',
  'toString', 'trim', 'split', 'tokenize', 'contains', 'startsWith', 'endsWith', 'replace', 'replaceAll', 'toInteger', 'toBoolean', 'size', 'join',
  'sort', 'unique', 'get', 'put', 'add', 'addAll', 'remove', 'call', 'getAt', 'putAt', 'max', 'min', 'sum', 'inject', 'times', 'upto', 'step', 'sleep',
]);

/** A string argument's text (as written: a GString keeps its `${…}`), or undefined when the argument is not a string. */
export function stringOf(e: Expr | undefined): string | undefined {
  if (e?.kind === 'string') return e.value;
  return undefined;
}

/** The named argument `name`, if given. */
export function named(call: Call, name: string): Expr | undefined {
  return call.args.find((a) => a.name === name)?.value;
}

/** The first positional argument, if any. */
export function positional(call: Call, index = 0): Expr | undefined {
  return call.args.filter((a) => a.name === undefined)[index]?.value;
}

/** A string given as the first positional argument or as `name:` (`sh 'x'`, `sh script: 'x'`). */
export function stringArg(call: Call, name: string): Expr | undefined {
  return named(call, name) ?? positional(call);
}

/** Strings of a list or a single string (`['a', 'b']`, `'a'`). */
export function stringsOf(e: Expr | undefined): string[] {
  if (!e) return [];
  if (e.kind === 'string') return [e.value];
  if (e.kind === 'list') return e.items.flatMap((i) => (i.kind === 'string' ? [i.value] : []));
  return [];
}

/** A credential bound to the environment of the steps inside a block: the variable names and the credential id. */
export interface Binding {
  id: string;
  variables: string[];
}

/** Argument names a binding uses for the variables it sets (`variable:`, `usernameVariable:`, …). */
const VARIABLE_ARGS = [
  'variable', 'usernameVariable', 'passwordVariable', 'keyFileVariable', 'passphraseVariable', 'keystoreVariable', 'aliasVariable', 'accessKeyVariable',
  'secretKeyVariable', 'clientIdVariable', 'clientSecretVariable', 'tenantIdVariable', 'subscriptionIdVariable', 'sshKeyVariable', 'gitToolName',
];

function bindingOf(args: readonly Arg[]): Binding | undefined {
  const id = args.find((a) => a.name === 'credentialsId')?.value;
  const variables = args.filter((a) => a.name !== undefined && VARIABLE_ARGS.includes(a.name) && a.name !== 'gitToolName').flatMap((a) => stringsOf(a.value));
  if (!id) return undefined;
  return { id: stringOf(id) ?? exprText(id), variables };
}

/**
 * The bindings of `withCredentials([...])`: each `string(credentialsId: …, variable: …)`,
 * `usernamePassword(…)`, `file(…)`, `sshUserPrivateKey(…)`, `[$class: '…Binding', credentialsId: …]`, ….
 */
export function withCredentialsBindings(call: Call): Binding[] {
  const list = positional(call) ?? named(call, 'bindings');
  const items = list?.kind === 'list' ? list.items : list ? [list] : [];
  const out: Binding[] = [];
  for (const item of items) {
    if (item.kind === 'call') {
      const b = bindingOf(item.call.args);
      if (b) out.push(b);
    } else if (item.kind === 'map') {
      const b = bindingOf(item.entries.map((e) => ({ name: e.key, value: e.value })));
      if (b) out.push(b);
    }
  }
  return out;
}

/**
 * Credentials that a wrapper step binds for its block by id (`sshagent(['deploy-key'])`,
 * `docker.withRegistry(url, 'registry-creds')`, `withAWS(credentials: 'aws')`, `withKubeConfig([credentialsId: 'k'])`,
 * any step given `credentialsId:`), or undefined when the call binds none. Checkout steps use theirs for the
 * checkout only.
 */
export function wrapperCredentials(call: Call): string[] | undefined {
  if (call.name === 'git' || call.name === 'checkout' || call.name === 'withCredentials') return undefined;
  if (call.name === 'sshagent') {
    const ids = stringsOf(named(call, 'credentials') ?? positional(call));
    return ids.length > 0 ? ids.map((id) => `SSH key ${id}`) : undefined;
  }
  if (call.name === 'withRegistry' || call.name === 'withDockerRegistry') {
    const id = stringOf(named(call, 'credentialsId') ?? positional(call, 1));
    if (id !== undefined) return [`registry credentials ${id}`];
  }
  const ids: string[] = [];
  for (const a of call.args) {
    if (a.name === 'credentialsId' || a.name === 'credentials' || a.name === 'registryCredentialsId') ids.push(...stringsOf(a.value));
    if (a.value.kind === 'map') for (const e of a.value.entries) if (e.key === 'credentialsId') ids.push(...stringsOf(e.value));
    if (a.value.kind === 'list') for (const i of a.value.items) if (i.kind === 'map') for (const e of i.entries) if (e.key === 'credentialsId') ids.push(...stringsOf(e.value));
  }
  return ids.length > 0 ? ids.map((id) => `credentials ${id}`) : undefined;
}

/** Short source-like text of an expression, for names and messages. */
export function exprText(e: Expr): string {
  switch (e.kind) {
    case 'string':
      return e.value;
    case 'literal':
      return e.text;
    case 'name':
      return e.path;
    case 'call':
      return `${e.call.receiver ? `${exprText(e.call.receiver)}.` : ''}${e.call.name}(…)`;
    case 'list':
      return `[${e.items.map(exprText).join(', ')}]`;
    case 'map':
      return '[…]';
    case 'closure':
      return '{…}';
    case 'compound':
      return e.parts.map(exprText).join(' … ');
  }
}

/** Shell commands that publish (the name recorded is the command as recognised). */
export const RELEASE_COMMANDS: ReadonlyArray<{ re: RegExp; name: string; via: 'push' | 'release' }> = [
  { re: /\bgit\s+push\b/, via: 'push', name: 'git push' },
  { re: /\bdocker\s+(?:image\s+)?push\b|\bdocker\s+buildx\s+build\b[^\n]*\s--push\b/, via: 'release', name: 'docker push' },
  { re: /\b(?:npm|yarn|pnpm)\s+publish\b/, via: 'release', name: 'npm publish' },
  { re: /\btwine\s+upload\b|\b(?:poetry|uv|hatch|flit)\s+publish\b/, via: 'release', name: 'python package publish' },
  { re: /\bmvn\b[^\n]*\sdeploy\b|\bgradlew?\b[^\n]*\spublish\w*/, via: 'release', name: 'maven/gradle publish' },
  { re: /\bgh\s+release\b/, via: 'release', name: 'gh release' },
  { re: /\bcargo\s+publish\b/, via: 'release', name: 'cargo publish' },
  { re: /\bgem\s+push\b/, via: 'release', name: 'gem push' },
];

/** Steps of plugins that publish or deploy by themselves. */
export const PUBLISH_STEPS: ReadonlySet<string> = new Set([
  'sshPublisher', 's3Upload', 'kubernetesDeploy', 'rtUpload', 'rtPublishBuildInfo', 'nexusArtifactUploader', 'nexusPublisher', 'googleStorageUpload',
  'azureUpload', 'azureWebAppPublish', 'ftpPublisher', 'publishOverSsh',
]);
