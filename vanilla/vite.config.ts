import { defaultClientConditions, defineConfig } from 'vite';

// Two builds (see package.json "build"):
// - default: dist/index.js and dist/define.js for bundler users, with
//   @llstream/core and dashjs left as imports;
// - `--mode script-tag`: dist/ll-player.js, one self-contained ES module (core
//   and dash.js inside) that defines <ll-player> when loaded with
//   <script type="module"> (the origin's demo page serves it), and
//   dist/ll-player.iife.js, the same as a classic script.
const ASCII_MINIFY = { compress: true, mangle: true, codegen: { removeWhitespace: true, asciiOnly: true } };

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
          onLog(level, log, handler) {
            // Vite's preload helper reads import.meta.resolve when present; in the IIFE
            // it reads {} and takes its fallback, which is right for a classic script.
            if (log.code === 'EMPTY_IMPORT_META') return;
            handler(level, log);
          },
          // Keep the LLPlayerElement export, for pages that import the file rather than only load it.
          preserveEntrySignatures: 'strict',
          // dash.js is a dynamic import in the core; one file is what a script tag needs.
          // ll-player.js for <script type="module">, ll-player.iife.js for a classic
          // <script> (it defines <ll-player> and sets window.LLStream.LLPlayerElement).
          // ASCII only: a server that sends the file without `charset=utf-8` must not garble the UI's text.
          output: [
            { format: 'es', entryFileNames: 'll-player.js', codeSplitting: false, minify: ASCII_MINIFY },
            { format: 'iife', name: 'LLStream', entryFileNames: 'll-player.iife.js', codeSplitting: false, minify: ASCII_MINIFY },
          ],
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
