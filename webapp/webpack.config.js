'use strict';
const path = require('node:path');

// The libraries Mattermost's webapp provides as window globals (webapp/channels/src/plugins/export.ts).
const externals = {
  react: 'React',
  'react-dom': 'ReactDOM',
  redux: 'Redux',
  'react-redux': 'ReactRedux',
  'prop-types': 'PropTypes',
  'react-bootstrap': 'ReactBootstrap',
  'react-router-dom': 'ReactRouterDom',
  'react-intl': 'ReactIntl',
};

module.exports = (env, argv) => ({
  entry: path.join(__dirname, 'src', 'index.tsx'),
  mode: argv.mode || 'production',
  devtool: argv.mode === 'development' ? 'eval-source-map' : false,
  resolve: {
    extensions: ['.ts', '.tsx', '.js', '.jsx'],
    // The contract from its source, and of the engine ONLY its dependency-free vocabulary module.
    alias: {
      '@cix/contract$': path.join(__dirname, '..', 'contract', 'src', 'index.ts'),
      '@ci-exposure/engine/vocabulary$': path.join(__dirname, '..', 'engine', 'src', 'core', 'vocabulary.ts'),
    },
  },
  module: {
    rules: [
      {
        test: /\.tsx?$/,
        exclude: /node_modules/,
        use: {
          loader: 'ts-loader',
          options: { transpileOnly: true, configFile: path.join(__dirname, 'tsconfig.json'), compilerOptions: { noEmit: false } },
        },
      },
      { test: /\.svg$/, type: 'asset/source' },
    ],
  },
  externals,
  output: {
    path: path.join(__dirname, 'dist'),
    filename: 'main.js',
    clean: true,
  },
  performance: { hints: false },
});
