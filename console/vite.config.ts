import { defineConfig } from 'vite';

// Preact's automatic JSX runtime through Vite's own transform: no Babel, no React.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: false,
    // checkBundle.ts reads the manifest to find what the first page load fetches.
    manifest: true,
    // Two pages, two bundles: the operator console and the buyers' portal (no Firebase SDK).
    rolldownOptions: { input: { console: 'index.html', portal: 'portal.html' } },
  },
  server: {
    // `npm run dev --workspace console` against a running `npm start` (Hosting on :5000).
    proxy: { '/v1': 'http://127.0.0.1:5000', '/__': 'http://127.0.0.1:5000' },
  },
});
