import { defaultClientConditions, defineConfig } from 'vite';

// Two builds (see package.json "build"):
// - default: dist/index.js and dist/define.js for bundler users, with
//   @llstream/core and dashjs left as imports;
// - `--mode script-tag`: dist/ll-player.js, one self-contained ES module (core
//   and dash.js inside) that defines <ll-player> when loaded with
//   <script type="module">; the origin's demo page serves it.
export default defineConfig(({ mode }) => {
  // Bundle @llstream/core from its TypeScript sources, so this build does not depend on core's dist.
  const resolve = { conditions: ['@llstream/source', ...defaultClientConditions] };
  if (mode === 'script-tag') {
    return {
      resolve,
      build: {
        emptyOutDir: false,
        target: 'es2022',
        sourcemap: true,
        modulePreload: false,
        copyPublicDir: false,
        // dash.js alone is about 830 kB minified; the element and core add about 10 kB.
        chunkSizeWarningLimit: 900,
        // Not library mode: that keeps whitespace in ES output (for tree-shaking), which a script-tag file does not need.
        rolldownOptions: {
          input: 'src/define.ts',
          // Keep the LLPlayerElement export, for pages that import the file rather than only load it.
          preserveEntrySignatures: 'strict',
          // dash.js is a dynamic import in the core; one file is what a script tag needs.
          output: { format: 'es', entryFileNames: 'll-player.js', codeSplitting: false },
        },
      },
    };
  }
  return {
    resolve,
    build: {
      target: 'es2022',
      minify: false,
      sourcemap: true,
      lib: { entry: { index: 'src/index.ts', define: 'src/define.ts' }, formats: ['es'] },
      rolldownOptions: {
        external: [/^@llstream\/core(\/.*)?$/, /^dashjs(\/.*)?$/],
        output: { chunkFileNames: '[name].js' },
      },
    },
  };
});
