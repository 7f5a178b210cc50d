/**
 * The optional packages each command needs. townhall's adapter libraries are optional peer
 * dependencies, so a user who runs only `townhall signal` installs none of them; a command that
 * needs some checks for them before it loads anything and names the exact `npm install` line.
 */
import { MissingDependencyError } from '../core/index.js'
import { packageInfo } from './package-info.js'

/** What `townhall sync-server` loads: automerge-repo and its WebSocket network adapter. */
export const SYNC_SERVER_PACKAGES = ['@automerge/automerge', '@automerge/automerge-repo', '@automerge/automerge-repo-network-websocket']

/** What `townhall relay` loads: OrbitDB on Helia and libp2p, with Level stores on disk. */
export const RELAY_PACKAGES = [
  '@orbitdb/core',
  'libp2p',
  '@libp2p/tcp',
  '@libp2p/websockets',
  '@libp2p/circuit-relay-v2',
  '@libp2p/identify',
  '@libp2p/gossipsub',
  '@libp2p/crypto',
  '@chainsafe/libp2p-noise',
  '@chainsafe/libp2p-yamux',
  '@helia/block-brokers',
  '@helia/routers',
  '@helia/utils',
  '@multiformats/multiaddr',
  'blockstore-core',
  'blockstore-level',
  'datastore-core',
  'datastore-level',
]

/** Whether a package resolves from townhall's own location, as its imports would. */
function resolvable(name: string): boolean {
  try {
    import.meta.resolve(name)
    return true
  } catch (error) {
    // A package without a "." export (only subpaths) is installed all the same.
    return (error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND'
  }
}

/**
 * `name@major` for a peer range `^X.Y.Z` (no characters a shell would read), else the range in
 * quotes, else the bare name.
 */
export function installSpec(name: string, range: string | undefined): string {
  if (range === undefined) return name
  const caret = /^\^(\d+)\.\d+\.\d+$/.exec(range)
  if (caret && caret[1] !== '0') return `${name}@${caret[1]}`
  return `"${name}@${range}"`
}

/** Throws a MissingDependencyError naming every one of `names` that is not installed. */
export function needPackages(feature: string, names: readonly string[]): void {
  const missing = names.filter((name) => !resolvable(name))
  if (missing.length === 0) return
  const ranges = packageInfo().peerDependencies
  throw new MissingDependencyError(
    feature,
    missing,
    missing.map((name) => installSpec(name, ranges[name])),
  )
}

/**
 * Turns a failed import of one of `names` (a package that resolved but whose own dependency is
 * missing, say) into the same error; anything else is rethrown as it is.
 */
export function missingFrom(feature: string, names: readonly string[]) {
  return (error: unknown): never => {
    const message = String((error as Error)?.message ?? '')
    const code = (error as { code?: string })?.code
    const name = /Cannot find (?:package|module) '((?:@[^/']+\/)?[^/']+)/.exec(message)?.[1]
    if (code === 'ERR_MODULE_NOT_FOUND' && name !== undefined) {
      const ranges = packageInfo().peerDependencies
      throw new MissingDependencyError(feature, [name], [installSpec(name, names.includes(name) ? ranges[name] : undefined)], {
        cause: error,
      })
    }
    throw error
  }
}
