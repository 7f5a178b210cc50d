/**
 * Vite build of the Townhall sample app. Run from the repository root:
 *
 *   npx vite build --config apps/vite.config.ts    -> dist/apps (served by `townhall demo`)
 *   npx vite --config apps/vite.config.ts          -> dev server on http://127.0.0.1:5173
 *
 * The Svelte settings are the repository's shared svelte.config.js (runes on), passed explicitly
 * because Vite's root here is apps/, where the plugin would not look for it.
 *
 * Automerge: `@automerge/automerge` is resolved to its slim entry, which loads no WebAssembly on
 * import (the default browser entry imports the .wasm as an ES module, which Vite cannot bundle
 * without a plugin). apps/src/lib/adapters/automerge.ts then initializes it from the
 * `automerge.wasm` asset, fetched only when the Automerge adapter is used.
 *
 * Offline: vite-plugin-pwa generates a Workbox service worker (sw.js, registered by the script it
 * adds to index.html) that precaches the app shell (HTML, CSS, every JS chunk, adapters included),
 * so the app opens with no network and each space shows what IndexedDB holds. The Automerge
 * WebAssembly (~5 MB) is cached the first time that adapter loads it, not precached for everyone;
 * config.json is read from the network first and from the cache only when offline.
 */
import { fileURLToPath } from 'node:url'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'
import { VitePWA } from 'vite-plugin-pwa'

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url))

export default defineConfig({
  root: here('.'),
  // Relative asset URLs, so the built app can be served from any path (a sub-folder, a file share).
  base: './',
  plugins: [
    svelte({ configFile: here('../svelte.config.js') }),
    VitePWA({
      injectRegister: 'script',
      // A new version takes over on the next load; nothing the app holds lives in the worker.
      registerType: 'autoUpdate',
      manifest: false,
      workbox: {
        globPatterns: ['**/*.{html,js,css,svg,png,ico}'],
        // The OrbitDB chunk is ~1 MB; Workbox's default limit (2 MiB) is kept with room to spare.
        maximumFileSizeToCacheInBytes: 3 * 1024 * 1024,
        navigateFallback: 'index.html',
        cleanupOutdatedCaches: true,
        runtimeCaching: [
          {
            urlPattern: ({ url }) => url.pathname.endsWith('/config.json'),
            handler: 'NetworkFirst',
            options: { cacheName: 'townhall-config', networkTimeoutSeconds: 3 },
          },
          {
            urlPattern: ({ url }) => url.pathname.endsWith('.wasm'),
            handler: 'CacheFirst',
            options: { cacheName: 'townhall-wasm', expiration: { maxEntries: 4 } },
          },
        ],
      },
    }),
  ],
  resolve: { alias: [{ find: /^@automerge\/automerge$/, replacement: '@automerge/automerge/slim' }] },
  build: {
    outDir: here('../dist/apps'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The OrbitDB chunk (libp2p, Helia, OrbitDB: ~960 kB) is fetched only when that adapter is
    // chosen; the chunk every page loads stays near 350 kB.
    chunkSizeWarningLimit: 1024,
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: false, fs: { allow: [here('..')] } },
  preview: { host: '127.0.0.1' },
})
