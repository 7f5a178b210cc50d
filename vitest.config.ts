import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'
import { defineConfig } from 'vitest/config'

/**
 * Tests that talk to other processes, sockets, browsers or disks: mostly waiting, and sensitive to
 * CPU starvation, so they run one file at a time.
 */
const IO = [
  'test/e2e/**/*.test.ts',
  'test/yjs/**/*.test.ts',
  'test/automerge/**/*.test.ts',
  'test/orbitdb/**/*.test.ts',
  'test/cli/**/*.test.ts',
  'test/soak/**/*.test.ts',
  'test/shared/**/*.test.ts',
  'test/private/{yjs,automerge,orbitdb}.test.ts',
  'test/package.test.ts',
  'test/checkpoint-adapters.test.ts',
]

// Three projects: 'io' (above), 'unit' (everything else that runs in Node: core, properties,
// tallies, the memory replica; CPU only), and Svelte component tests, which need the Svelte
// compiler and a DOM. `npm test` runs 'io' beside the other two (scripts/test-suite.js), as two
// vitest processes on a 2-core machine: one waits while the other computes. happy-dom rather than
// jsdom: jsdom's globals come from another realm, so bytes from WebCrypto failed the
// `instanceof Uint8Array` checks in multiformats.
const node = {
  testTimeout: 30_000,
  // Hooks close peers running in other processes, each given up to 5 s to end by itself on a
  // loaded CI machine; the default 10 s failed a conformance run that closed three.
  hookTimeout: 30_000,
  pool: 'forks',
} as const

export default defineConfig({
  test: {
    projects: [
      { test: { ...node, name: 'io', include: IO } },
      {
        test: {
          ...node,
          name: 'unit',
          // CPU-bound properties (hundreds of pure-JS signatures, say) beside the io suite on a
          // loaded 2-core machine took over 30 s; a slow test here is not a hung one.
          testTimeout: 120_000,
          include: ['core/**/*.test.ts', 'testing/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...IO, 'test/components/**', '**/node_modules/**'],
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
