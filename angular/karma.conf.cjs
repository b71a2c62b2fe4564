// Karma for @angular/build:karma (ng test): Jasmine in Debian's headless Chromium.
// scripts/test-with-origin.mjs starts the origin and passes its URL in LLSTREAM_ORIGIN_URL;
// the specs read it from Karma's client.args.
const { chromiumArgs } = require('../scripts/chromium.cjs');

module.exports = function (config) {
  config.set({
    frameworks: ['jasmine'],
    plugins: [require('karma-jasmine'), require('karma-chrome-launcher')],
    client: {
      args: [process.env.LLSTREAM_ORIGIN_URL ?? '', process.env.LLSTREAM_STEADY_AT ?? '0'],
      jasmine: { random: false, timeoutInterval: 90_000 },
      clearContext: false,
    },
    browsers: ['ChromiumHeadlessLL'],
    customLaunchers: {
      ChromiumHeadlessLL: {
        base: 'ChromeHeadless',
        flags: [...chromiumArgs],
      },
    },
    reporters: ['progress'],
    singleRun: true,
    autoWatch: false,
    browserNoActivityTimeout: 120_000,
    captureTimeout: 60_000,
  });
};
