'use strict';
// One jest run over every workspace. TypeScript is transpiled by swc; types are checked by `make check-style`.
// The workspace packages are mapped to their sources, so the tests run without a build.
const swc = ['@swc/jest', {jsc: {parser: {syntax: 'typescript', tsx: true}, target: 'es2022', transform: {react: {runtime: 'classic'}}}, module: {type: 'commonjs'}}];

const packages = {
  '^@ci-exposure/engine$': '<rootDir>/../engine/src/index.ts',
  '^@ci-exposure/engine/vocabulary$': '<rootDir>/../engine/src/core/vocabulary.ts',
  '^@ci-exposure/contract$': '<rootDir>/../contract/src/index.ts',
};
const webappPackages = {
  '^@cix/contract$': '<rootDir>/../contract/src/index.ts',
  '^@ci-exposure/engine/vocabulary$': '<rootDir>/../engine/src/core/vocabulary.ts',
};

module.exports = {
  projects: [
    {
      displayName: 'engine',
      rootDir: '<rootDir>/engine',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
      transform: {'^.+\\.tsx?$': swc},
    },
    {
      displayName: 'contract',
      rootDir: '<rootDir>/contract',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.spec.ts'],
      transform: {'^.+\\.tsx?$': swc},
      moduleNameMapper: packages,
    },
    {
      displayName: 'server',
      rootDir: '<rootDir>/server',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
      transform: {'^.+\\.tsx?$': swc},
      moduleNameMapper: packages,
    },
    {
      displayName: 'webapp',
      rootDir: '<rootDir>/webapp',
      testEnvironment: 'jsdom',
      testMatch: ['<rootDir>/src/**/*.spec.ts?(x)', '<rootDir>/test/**/*.spec.ts?(x)'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/browser/'],
      transform: {'^.+\\.tsx?$': swc},
      moduleNameMapper: webappPackages,
    },
    {
      // The built plugin in Chromium (webapp/test/browser); fails when /usr/bin/chromium is missing.
      displayName: 'browser',
      rootDir: '<rootDir>/webapp',
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/browser/**/*.spec.ts'],
      transform: {'^.+\\.tsx?$': swc},
      moduleNameMapper: webappPackages,
    },
  ],
  reporters: ['default', '<rootDir>/scripts/jest-summary-reporter.js'],
};
