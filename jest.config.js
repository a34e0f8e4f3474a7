'use strict';
// One jest run over both workspaces. TypeScript is transpiled by swc; types are checked by `make check-style`.
const swc = ['@swc/jest', {jsc: {parser: {syntax: 'typescript', tsx: true}, target: 'es2022', transform: {react: {runtime: 'classic'}}}, module: {type: 'commonjs'}}];

module.exports = {
  projects: [
    {
      displayName: 'server',
      rootDir: '<rootDir>/server',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
      transform: {'^.+\\.tsx?$': swc},
    },
    {
      displayName: 'webapp',
      rootDir: '<rootDir>/webapp',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/src/**/*.spec.ts?(x)', '<rootDir>/test/**/*.spec.ts?(x)'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
      transform: {'^.+\\.tsx?$': swc},
      moduleNameMapper: {'^@cix/contract$': '<rootDir>/../server/src/contract/index.ts'},
    },
    {
      // The built plugin in Chromium (webapp/test/browser); fails when /usr/bin/chromium is missing.
      displayName: 'browser',
      rootDir: '<rootDir>/webapp',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/browser/**/*.spec.ts'],
      transform: {'^.+\\.tsx?$': swc},
      moduleNameMapper: {'^@cix/contract$': '<rootDir>/../server/src/contract/index.ts'},
    },
  ],
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
