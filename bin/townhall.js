#!/usr/bin/env node
// The `townhall` command. In a source checkout (cli/main.ts present) it runs the TypeScript through
// tsx, so it never runs a stale build; the published package ships only the compiled dist/cli.
import { existsSync } from 'node:fs'

const source = new URL('../cli/main.ts', import.meta.url)
let main
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api')
  register()
  ;({ main } = await import(source.href))
} else {
  ;({ main } = await import(new URL('../dist/cli/main.js', import.meta.url).href))
}
process.exitCode = await main(process.argv.slice(2))
