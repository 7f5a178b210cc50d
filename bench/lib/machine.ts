/** What the figures were measured on: machine, Node, library versions, load. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os'
import { resolve } from 'node:path'

export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly ramBytes: number
  readonly freeBytes: number
  readonly os: string
  readonly node: string
  readonly openssl: string
  readonly versions: Record<string, string>
  readonly loadAverage: readonly number[]
  /** The code measured: the commit, and whether the working tree had changes to tracked files. Optional: runs before it was recorded. */
  readonly commit?: string
}

export const LIBRARIES = [
  'yjs',
  'y-webrtc',
  '@roamhq/wrtc',
  '@automerge/automerge',
  '@automerge/automerge-repo',
  '@orbitdb/core',
  '@helia/utils',
  'libp2p',
  'multiformats',
  '@ipld/dag-cbor',
  'cborg',
  '@noble/curves',
  'tsx',
] as const

function version(name: string): string {
  try {
    const path = resolve(import.meta.dirname, '../../node_modules', name, 'package.json')
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version
  } catch {
    return 'not installed'
  }
}

export function machine(): Machine {
  const list = cpus()
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    ramBytes: totalmem(),
    freeBytes: freemem(),
    os: `${platform()} ${release()}`,
    node: process.version,
    openssl: process.versions.openssl ?? 'unknown',
    versions: Object.fromEntries(LIBRARIES.map((name) => [name, version(name)])),
    loadAverage: loadavg(),
    commit: commit(),
  }
}

function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: resolve(import.meta.dirname, '../..'), encoding: 'utf8' }).trim()
  try {
    const head = git('rev-parse', '--short=12', 'HEAD')
    return git('status', '--porcelain', '--untracked-files=no') ? `${head} with uncommitted changes` : head
  } catch {
    return 'unknown (not a git checkout)'
  }
}
