/**
 * The one place that picks the replica (the transport) for a space. Components and the rest of
 * lib/ call `replicaFor`; nothing else imports an adapter.
 *
 * `adapters` is a registry keyed by the name kept in settings, so Automerge and OrbitDB can be
 * added here as entries later. Today only Yjs over WebRTC exists, persisted to IndexedDB with
 * `indexedDbRecordStore(spaceId)`, so a space opens with what this device holds before any peer
 * connects.
 */
import type { Identity, Replica, ReplicaContext } from '../../../core/index.js'
import { indexedDbRecordStore, yjsReplica } from '../../../adapters/yjs/index.js'
import { indexedDbName } from '../../../adapters/yjs/indexeddb-store.js'
import { defaultConfig, type AppConfig } from './config.js'

export interface AdapterEntry {
  /** Shown in the Settings select. */
  readonly label: string
  readonly description: string
  create(spaceId: string, context: ReplicaContext, identity: Identity, config: AppConfig): Promise<Replica>
  /** Deletes what this device stored for the space (the space must be closed). */
  forget(spaceId: string): Promise<void>
}

export const adapters = {
  yjs: {
    label: 'Yjs over WebRTC',
    description: 'Peers meet through a signaling server, then sync directly; records are kept in this browser (IndexedDB).',
    async create(spaceId, { secret }, identity, config) {
      const store = await indexedDbRecordStore(spaceId)
      try {
        return await yjsReplica({
          spaceId,
          signaling: [...config.signaling],
          ...(secret ? { secret } : {}),
          store,
          identity,
          // No ICE servers unless configured: loopback and LAN need none, and no STUN server is contacted.
          peerOpts: { config: { iceServers: [...config.iceServers] } },
        })
      } catch (error) {
        await store.close()
        throw error
      }
    },
    forget: (spaceId) => deleteDatabase(indexedDbName(spaceId)),
  },
} satisfies Record<string, AdapterEntry>

export type AdapterName = keyof typeof adapters

export const DEFAULT_ADAPTER: AdapterName = 'yjs'

/** Adapters on the roadmap, named in Settings so the choice is visible before it exists. */
export const PLANNED_ADAPTERS: readonly string[] = ['Automerge (automerge-repo)', 'OrbitDB (Helia/libp2p)']

export const isAdapterName = (value: unknown): value is AdapterName => typeof value === 'string' && Object.hasOwn(adapters, value)

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

/** The replica for a space: the configured adapter with the configured signaling and ICE servers. */
export function replicaFor(
  spaceId: string,
  context: ReplicaContext,
  identity: Identity,
  env: ReplicaEnvironment = environment,
): Promise<Replica> {
  const adapter: AdapterEntry = adapters[env.adapter] ?? adapters[DEFAULT_ADAPTER]
  return adapter.create(spaceId, context, identity, env.config)
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
