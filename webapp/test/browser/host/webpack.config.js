'use strict';
// Builds the browser test's stand-in for Mattermost's webapp (host.tsx) into CIX_HOST_OUT.
const path = require('node:path');

module.exports = {
  mode: 'development',
  devtool: false,
  entry: path.join(__dirname, 'host.tsx'),
  resolve: {
    extensions: ['.ts', '.tsx', '.js'],
    alias: {
      '@cix/contract$': path.join(__dirname, '..', '..', '..', '..', 'contract', 'src', 'index.ts'),
      '@ci-exposure/engine/vocabulary$': path.join(__dirname, '..', '..', '..', '..', 'engine', 'src', 'core', 'vocabulary.ts'),
    },
  },
  module: {
    rules: [{
      test: /\.tsx?$/,
      exclude: /node_modules/,
      use: { loader: 'ts-loader', options: { transpileOnly: true, configFile: path.join(__dirname, '..', '..', '..', 'tsconfig.json'), compilerOptions: { noEmit: false } } },
    }],
  },
  // React, ReactDOM and ReactIntl come from their UMD builds, as Mattermost provides them; Redux and
  // ReactRedux (which ship no UMD build) are bundled here and exposed as window globals by host.tsx.
  externals: { react: 'React', 'react-dom': 'ReactDOM', 'react-dom/client': 'ReactDOM', 'react-intl': 'ReactIntl' },
  output: { path: process.env.CIX_HOST_OUT || path.join(__dirname, 'dist'), filename: 'host.js' },
  performance: { hints: false },
};
