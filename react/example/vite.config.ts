import react from '@vitejs/plugin-react';
import { defaultClientConditions, defineConfig } from 'vite';

export default defineConfig({
  root: import.meta.dirname,
  // Relative asset URLs: the built page works from any folder of any static server.
  base: './',
  plugins: [react()],
  // Inside the llstream repository, build @llstream/react and @llstream/core from their sources
  // (no effect in a copy of this folder, where they come from npm).
  resolve: { conditions: ['@llstream/source', ...defaultClientConditions] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // dash.js alone is about 830 kB minified.
    chunkSizeWarningLimit: 1000,
  },
});
