// Builds the command-line runner for Node: `npm run build:cli` → dist-cli/pipette.mjs (the command)
// and dist-cli/worker.mjs (its worker threads). A Vite build because the kernels are found with
// import.meta.glob, as in the app; sharp and Node's own modules stay outside the bundle.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export default defineConfig({
  root,
  logLevel: 'warn',
  publicDir: false,
  build: {
    ssr: true,
    outDir: 'dist-cli',
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    rollupOptions: {
      input: { pipette: 'src/cli/pipette.ts', worker: 'src/cli/worker.ts' },
      output: { entryFileNames: '[name].mjs', chunkFileNames: '[name]-[hash].mjs', format: 'es', banner: (chunk) => (chunk.name === 'pipette' ? '#!/usr/bin/env node' : '') },
      external: ['sharp'],
    },
  },
});
