import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'
import { defineConfig } from 'vitest/config'

// Two projects: everything that runs in Node (core, adapters, processes, real browsers driven from
// Node), and Svelte component tests, which need the Svelte compiler and a DOM. happy-dom rather
// than jsdom: jsdom's globals come from another realm, so bytes from WebCrypto failed the
// `instanceof Uint8Array` checks in multiformats.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['core/**/*.test.ts', 'testing/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: ['test/components/**', '**/node_modules/**'],
          testTimeout: 30_000,
          // Hooks close peers running in other processes, each given up to 5 s to end by itself on
          // a loaded CI machine; the default 10 s failed a conformance run that closed three.
          hookTimeout: 30_000,
          pool: 'forks',
        },
      },
      {
        plugins: [svelte(), svelteTesting()],
        test: {
          name: 'components',
          include: ['test/components/**/*.test.ts', 'apps/**/*.test.ts'],
          environment: 'happy-dom',
          testTimeout: 30_000,
        },
      },
    ],
  },
})
