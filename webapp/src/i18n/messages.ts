import {defineMessages} from 'react-intl';

/** Messages chosen at run time (by verdict or platform), so that each keeps its defaultMessage. */
export const severityMessages = defineMessages({
    critical: {id: 'cix.severity.critical', defaultMessage: 'Critical'},
    high: {id: 'cix.severity.high', defaultMessage: 'High'},
    medium: {id: 'cix.severity.medium', defaultMessage: 'Medium'},
    low: {id: 'cix.severity.low', defaultMessage: 'Low'},
    'not-run': {id: 'cix.severity.notRun', defaultMessage: 'Not run'},
    unresolved: {id: 'cix.severity.unresolved', defaultMessage: 'Unresolved'},
});

export const platformMessages = defineMessages({
    'github-actions': {id: 'cix.platform.github-actions', defaultMessage: 'GitHub Actions'},
    circleci: {id: 'cix.platform.circleci', defaultMessage: 'CircleCI'},
    'gitlab-ci': {id: 'cix.platform.gitlab-ci', defaultMessage: 'GitLab CI'},
    jenkins: {id: 'cix.platform.jenkins', defaultMessage: 'Jenkins'},
});
