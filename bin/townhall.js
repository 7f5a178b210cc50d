#!/usr/bin/env node
// The `townhall` command. In a source checkout (tsconfig.json beside package.json) it runs the
// TypeScript through tsx, so it never runs a stale build; the published package has no
// tsconfig.json (its .ts files are there only for source maps) and runs the compiled dist/cli.
import { existsSync } from 'node:fs'

let main
if (existsSync(new URL('../tsconfig.json', import.meta.url))) {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import(new URL('../cli/main.ts', import.meta.url).href))
} else {
  ;({ main } = await import(new URL('../dist/cli/main.js', import.meta.url).href))
}
process.exitCode = await main(process.argv.slice(2))
