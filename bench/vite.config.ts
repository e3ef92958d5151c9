// Builds the benchmark page (bench/index.html) with Vite. The page imports Pipette's kernels and
// engine straight from ../src, so what it measures is the code in the work tree. The anchors
// (OpenCV.js, wasm-vips, photon) are not bundled: run.mjs serves them as they ship, from
// bench/node_modules under /anchors/, and the page loads them at run time.
import { defineConfig } from 'vite';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  // The page is served from its own origin by run.mjs; relative URLs keep it relocatable.
  base: './',
  logLevel: 'warn',
  server: { fs: { allow: [path.resolve(here, '..')] } },
  worker: { format: 'es' },
  build: {
    target: 'es2022',
    outDir: path.join(here, 'results/page'),
    emptyOutDir: true,
    // Readable stack traces when a measurement fails.
    minify: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 4096,
  },
});
