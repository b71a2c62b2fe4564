// The one place that says which Chromium the tests drive and with which
// flags: the e2e tests (playwright-core), <ll-player>'s tests (Vitest browser
// mode) and the Angular specs (Karma). Browser downloads are impossible here,
// so it is the distribution's Chromium (../shared/design/TOOLCHAIN.md).
const { existsSync } = require('node:fs');

/** `CHROMIUM_PATH`, else Debian's package, else Ubuntu's snap. */
const chromiumPath =
  process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/snap/bin/chromium'].find((path) => existsSync(path)) ?? '/usr/bin/chromium';

/**
 * Headless flags: as root Chromium needs --no-sandbox; without the
 * background-networking ones it tries to reach Google hosts and gets
 * refused; autoplay must not wait for a gesture; a hidden headless tab keeps
 * timers and requestVideoFrameCallback at full rate.
 */
const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
];

module.exports = { chromiumPath, chromiumArgs };
