// Removes the compiled library from dist/ before a build, so a module deleted from the sources
// cannot linger in the package. dist/apps (the sample apps, built by Vite) is left alone.
import { rmSync } from 'node:fs'

for (const dir of ['core', 'testing', 'adapters', 'cli'])
  rmSync(new URL(`../dist/${dir}`, import.meta.url), { recursive: true, force: true })
