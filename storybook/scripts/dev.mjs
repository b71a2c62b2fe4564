// `npm run storybook` (root): the origin with its test source (as `npm start`
// runs it), the three framework Storybooks and the host that composes them,
// in one terminal; prints the one URL to open once all of them answer.
import { concurrently } from 'concurrently';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEFAULT_ORIGIN = 'http://127.0.0.1:8080';
const ports = { host: 6006, react: 6007, angular: 6008, 'web-components': 6009 };
const origin = new URL(process.env.LLSTREAM_ORIGIN || DEFAULT_ORIGIN);
// A local origin is started here; a remote one (LLSTREAM_ORIGIN=https://...) is only played from.
const localOrigin = ['127.0.0.1', 'localhost'].includes(origin.hostname);
const env = { LLSTREAM_ORIGIN: origin.origin, STORYBOOK_DISABLE_TELEMETRY: '1' };
const storybook = (name, config) => ({
  name,
  command: `storybook dev -c ${config}/.storybook -p ${ports[name]} --ci --no-open --quiet`,
  cwd: root,
  env,
});

const commands = [
  ...(localOrigin
    ? [{ name: 'origin', command: `node ../server/dist/cli.js --host ${origin.hostname} --port ${origin.port || 80}`, cwd: root }]
    : []),
  storybook('react', 'react'),
  storybook('web-components', 'web-components'),
  { name: 'angular', command: 'ng run storybook-angular:storybook', cwd: `${root}angular`, env },
  {
    // The host checks its refs once, when it starts: a ref not up yet is then fetched with
    // credentials, which the framework dev servers' CORS answer (`*`) refuses, and the sidebar
    // shows an error for it. So the host starts once the three answer.
    ...storybook('host', 'host'),
    command: `wait-on --timeout 600000 ${['react', 'angular', 'web-components'].map((name) => `http-get://localhost:${ports[name]}/index.json`).join(' ')} && ${storybook('host', 'host').command}`,
  },
];
const { result } = concurrently(commands, { prefix: 'name', killOthersOn: ['failure', 'success'], padPrefix: true });

const urls = [
  `${origin.origin}/live/demo/manifest.mpd`,
  ...Object.values(ports).map((port) => `http://localhost:${port}/index.json`),
];
const answers = (url) => fetch(url).then((response) => response.ok, () => false);
const started = Date.now();
const timer = setInterval(async () => {
  if (!(await Promise.all(urls.map(answers))).every(Boolean)) return;
  clearInterval(timer);
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  console.log(`\n  llstream Storybook is up after ${seconds} s: open http://localhost:${ports.host}\n  (origin ${origin.origin})\n`);
}, 1000);
result.then(
  () => clearInterval(timer),
  () => {
    clearInterval(timer);
    process.exitCode = 1;
  },
);
