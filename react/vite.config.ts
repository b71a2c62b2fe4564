import { defaultClientConditions, defineConfig } from 'vite';

// dist/index.js for bundlers: one ES module, with React, the JSX runtime and
// @llstream/core left as imports (declarations come from tsc, see package.json "build").
export default defineConfig({
  // Resolve @llstream/core from its TypeScript sources, so this build does not depend on core's dist.
  resolve: { conditions: ['@llstream/source', ...defaultClientConditions] },
  build: {
    target: 'es2022',
    minify: false,
    sourcemap: true,
    lib: { entry: { index: 'src/index.ts' }, formats: ['es'] },
    rolldownOptions: {
      external: [/^react(\/.*)?$/, /^react-dom(\/.*)?$/, /^@llstream\/(core|vanilla)(\/.*)?$/],
    },
  },
});
