// Builds dist/townhall-elements.js: <townhall-poll> and <townhall-feed> with everything they need
// (core, Yjs, y-webrtc) in one self-registering ES module, for pages without a bundler:
//   <script type="module" src="…/townhall-elements.js"></script>
// Prints its size, minified and gzipped.
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const outDir = join(root, 'dist')
await build({
  configFile: false,
  logLevel: 'warn',
  root,
  build: {
    outDir,
    emptyOutDir: false,
    target: 'es2022',
    lib: { entry: join(root, 'adapters/elements/register.ts'), formats: ['es'], fileName: () => 'townhall-elements.js' },
    // One file: the adapter loads y-webrtc lazily, which would otherwise be a second file to host.
    rollupOptions: { output: { inlineDynamicImports: true } },
  },
})
const bytes = readFileSync(join(outDir, 'townhall-elements.js'))
console.log(`dist/townhall-elements.js: ${(bytes.length / 1024).toFixed(1)} kB, ${(gzipSync(bytes).length / 1024).toFixed(1)} kB gzipped`)
