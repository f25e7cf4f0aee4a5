// Build dist/verifier.js from src/ with the pinned esbuild (package-lock.json):
// one IIFE, minified, no source map, no timestamps — the same input gives the
// same bytes, which are committed and embedded in the terbit binary
// (engine/clerk_page/mod.rs). `.ci/run` rebuilds and fails on any difference.
import { build } from 'esbuild';

await build({
  entryPoints: ['src/ui.js'],
  bundle: true,
  format: 'iife',
  minify: true,
  legalComments: 'eof',
  target: ['chrome100', 'firefox100', 'safari15'],
  charset: 'utf8',
  outfile: 'dist/verifier.js',
  logLevel: 'warning',
});
