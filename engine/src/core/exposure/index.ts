export { assessJob, EXPOSURE_RULES } from './assess';
export type { ExposureRule, RuleMeta, RuleResult, Signals } from './rule';
export { tamperPaths, staticPrefix, cacheKeysMeet, artifactNamesMeet, downstream } from './tamper';
export { verdictOf, VERDICT_RANK } from './verdict';
export { staticVerdict, withRunVerdict, withRunVerdicts } from './run-verdict';
