#!/usr/bin/env node
// `npm run test:extensive`: every test file with a fast-check property (wherever it lives: core/,
// test/property, test/tally, the adapters' tests), with every property raised to at least 2000
// runs per seed. Found by content rather than listed, so a new property file is covered the day it
// is added. TOWNHALL_PROPERTY_RUNS may raise the budget further; TOWNHALL_PROPERTY_SEED replays.
import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function walk(dir) {
  const out = []
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue
    const rel = `${dir}/${entry.name}`
    if (entry.isDirectory()) out.push(...walk(rel))
    else if (/\.test\.ts$/.test(entry.name)) out.push(rel)
  }
  return out
}

const files = ['core', 'testing', 'test']
  .flatMap(walk)
  .filter((file) => /from 'fast-check'/.test(readFileSync(path.join(root, file), 'utf8')))
  .sort()
const runs = process.env.TOWNHALL_PROPERTY_RUNS ?? '2000'
if (!/^[1-9]\d*$/.test(runs) || Number(runs) < 2000) {
  console.error(`test:extensive runs every property at least 2000 times; TOWNHALL_PROPERTY_RUNS=${JSON.stringify(runs)} is not that.`)
  process.exit(2)
}
console.log(`${files.length} files with properties, ${runs} runs per property and seed:\n  ${files.join('\n  ')}`)
const result = spawnSync('npx', ['vitest', 'run', '--project', 'unit', '--project', 'io', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TOWNHALL_PROPERTY_RUNS: runs },
})
process.exit(result.status ?? 1)
