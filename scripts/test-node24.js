#!/usr/bin/env node
// The last step of `npm test`: the core, adapter conformance and command-line tests again, on
// Node 24 LTS. The machine's Node ran the whole suite; Node 20 is past its end of life and most
// users run 22 or 24, whose differences (a global WebSocket, Promise.withResolvers, stricter
// stream and module behaviour) townhall must not trip over.
//
// Node 24 comes from the npm registry (the node-<platform>-<arch> packages that the `node`
// package installs), pinned to one version, into a cache folder kept between runs
// (TOWNHALL_NODE_CACHE, default: townhall's per-user cache folder). Set TOWNHALL_SKIP_NODE24=1
// to skip this step (no network, say); CI does not set it.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import envPaths from 'env-paths'

const VERSION = '24.22.3'
/** Test files run on Node 24: core, the memory replica and conformance suites of every adapter, the command line. */
const FILTERS = [
  'core/',
  'testing/',
  'test/conformance/',
  'test/yjs/conformance',
  'test/automerge/conformance',
  'test/orbitdb/conformance',
  'test/automerge/sync-server',
  'test/cli/',
]

const platforms = { linux: 'linux', darwin: 'darwin' }
if (process.env.TOWNHALL_SKIP_NODE24) {
  console.log('test-node24: skipped (TOWNHALL_SKIP_NODE24 is set)')
  process.exit(0)
}
if (process.versions.node.split('.')[0] === '24') {
  console.log(`test-node24: skipped, the suite already ran on Node ${process.versions.node}`)
  process.exit(0)
}
const platform = platforms[process.platform]
if (!platform || !['x64', 'arm64'].includes(process.arch)) {
  console.log(`test-node24: skipped, no Node binary package for ${process.platform}-${process.arch}`)
  process.exit(0)
}

const name = `node-${platform}-${process.arch}`
const cache = join(process.env.TOWNHALL_NODE_CACHE || join(envPaths('townhall', { suffix: '' }).cache, 'node'), VERSION)
const node = join(cache, 'node_modules', name, 'bin', 'node')
const works = () => existsSync(node) && spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim() === `v${VERSION}`
if (!works()) {
  console.log(`test-node24: installing ${name}@${VERSION} from the npm registry into ${cache}`)
  mkdirSync(cache, { recursive: true })
  writeFileSync(join(cache, 'package.json'), JSON.stringify({ private: true, description: 'Node for townhall tests' }))
  execFileSync('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', '--loglevel=error', `${name}@${VERSION}`], {
    cwd: cache,
    stdio: 'inherit',
  })
  if (!works()) throw new Error(`test-node24: ${node} is not Node ${VERSION} after installing ${name}@${VERSION}`)
}

console.log(`test-node24: vitest on Node ${VERSION}: ${FILTERS.join(' ')}`)
const vitest = join(import.meta.dirname, '..', 'node_modules', 'vitest', 'vitest.mjs')
const result = spawnSync(node, [vitest, 'run', '--project', 'unit', '--project', 'io', ...FILTERS], { stdio: 'inherit' })
process.exit(result.status ?? 1)
