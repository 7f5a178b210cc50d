/**
 * The one place that picks the replica (the transport) for a space. Components and the rest of
 * lib/ call `replicaFor`; nothing else imports an adapter.
 *
 * `adapters` is a registry keyed by the name kept in settings. Each entry loads its adapter on
 * first use (`import()`), so every adapter is its own chunk and a page that uses Yjs never
 * downloads Automerge's WebAssembly. Every adapter keeps the records in IndexedDB, so a space
 * opens with what this device holds before any peer connects.
 *
 * The adapter in use is the saved setting, unless the page address says `?adapter=<name>` (for
 * links and tests): that wins for the visit without changing the setting.
 */
import type { Identity, Replica, ReplicaContext } from '../../../core/index.js'
import { defaultConfig, type AppConfig } from './config.js'
import { automergeDatabases, orbitdbDatabases, yjsDatabases } from './adapters/names.js'

export interface AdapterEntry {
  /** Shown in the Settings select. */
  readonly label: string
  readonly description: string
  /** What this adapter's servers are called, for Settings and the sync indicator ("signaling server"). */
  readonly serverKind: string
  /** The servers it uses from the configuration. */
  servers(config: AppConfig): readonly string[]
  /** Shown while no peer is connected and servers are configured. */
  readonly waiting: string
  create(spaceId: string, context: ReplicaContext, identity: Identity, config: AppConfig): Promise<Replica>
  /** Deletes what this device stored for the space (the space must be closed). */
  forget(spaceId: string): Promise<void>
}

const deleteAll = async (names: readonly string[]) => {
  await Promise.all(names.map(deleteDatabase))
}

export const adapters = {
  yjs: {
    label: 'Yjs over WebRTC',
    description: 'Peers meet through a signaling server, then sync directly; records are kept in this browser (IndexedDB).',
    serverKind: 'signaling server',
    servers: (config) => config.signaling,
    waiting: 'Working from this device. Changes sync when someone else opens the space.',
    async create(spaceId, context, identity, config) {
      const { createYjsReplica } = await import('./adapters/yjs.js')
      return createYjsReplica(spaceId, context, identity, config)
    },
    forget: (spaceId) => deleteAll(yjsDatabases(spaceId)),
  },
  automerge: {
    label: 'Automerge via a sync server',
    description:
      'Peers sync through a sync server (townhall sync-server), which also keeps spaces while everyone is offline, and between tabs of this browser; records are kept in this browser (IndexedDB).',
    serverKind: 'sync server',
    servers: (config) => config.sync,
    waiting: 'Working from this device: the sync server is not reachable. Changes sync once it is.',
    async create(spaceId, context, identity, config) {
      const { createAutomergeReplica } = await import('./adapters/automerge.js')
      return createAutomergeReplica(spaceId, context, identity, config)
    },
    forget: (spaceId) => deleteAll(automergeDatabases(spaceId)),
  },
  orbitdb: {
    label: 'OrbitDB via a relay (experimental)',
    description:
      'Experimental. Peers sync through a relay (townhall relay --follow), a full OrbitDB peer that also keeps spaces while everyone is offline; records are kept in this browser (IndexedDB), the log is fetched from the relay on each visit.',
    serverKind: 'relay',
    servers: (config) => config.relays,
    waiting: 'Working from this device: no relay is reachable. Changes sync once one is.',
    async create(spaceId, context, identity, config) {
      const { createOrbitdbReplica } = await import('./adapters/orbitdb.js')
      return createOrbitdbReplica(spaceId, context, identity, config)
    },
    forget: (spaceId) => deleteAll(orbitdbDatabases(spaceId)),
  },
} satisfies Record<string, AdapterEntry>

export type AdapterName = keyof typeof adapters

export const DEFAULT_ADAPTER: AdapterName = 'yjs'

/** Adapters on the roadmap, named in Settings so the choice is visible before it exists. */
export const PLANNED_ADAPTERS: readonly string[] = []

export const isAdapterName = (value: unknown): value is AdapterName => typeof value === 'string' && Object.hasOwn(adapters, value)

/** `?adapter=<name>` in the page address: the adapter for this visit, or a warning when the name is unknown. */
export function adapterOverride(search: string): { adapter?: AdapterName; warning?: string } {
  const values = new URLSearchParams(search).getAll('adapter')
  if (values.length === 0) return {}
  const value = values[values.length - 1]!.trim().toLowerCase()
  if (isAdapterName(value)) return { adapter: value }
  const known = Object.keys(adapters).join(', ')
  return { warning: `Ignored ?adapter=${JSON.stringify(value).slice(1, -1).slice(0, 40)} in the address: use one of ${known}.` }
}

export interface ReplicaEnvironment {
  readonly config: AppConfig
  readonly adapter: AdapterName
}

let environment: ReplicaEnvironment = { config: defaultConfig(), adapter: DEFAULT_ADAPTER }

/** Set once at startup (config loaded, adapter read from settings) and whenever Settings change it. */
export function setReplicaEnvironment(next: ReplicaEnvironment): void {
  environment = next
}

export const replicaEnvironment = (): ReplicaEnvironment => environment

/** The replica for a space: the configured adapter with its configured servers. */
export function replicaFor(
  spaceId: string,
  context: ReplicaContext,
  identity: Identity,
  env: ReplicaEnvironment = environment,
): Promise<Replica> {
  const adapter: AdapterEntry = adapters[env.adapter] ?? adapters[DEFAULT_ADAPTER]
  return adapter.create(spaceId, context, identity, env.config)
}

/** Deletes what every adapter stored for the space on this device (a space may have been opened with several). */
export async function forgetEverywhere(spaceId: string): Promise<void> {
  const results = await Promise.allSettled(Object.values(adapters).map((adapter: AdapterEntry) => adapter.forget(spaceId)))
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected')
  if (failed) throw failed.reason
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return resolve()
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => resolve()
    request.onerror = () => reject(request.error ?? new Error(`cannot delete ${name}`))
    // Another tab still has the space open: the deletion completes once it closes it.
    request.onblocked = () => resolve()
  })
}
