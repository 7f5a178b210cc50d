/**
 * The Automerge entry of the adapter registry, loaded on first use (its own chunk, with Automerge's
 * WebAssembly as a separate asset that only this entry fetches).
 *
 * - Network: townhall's WebSocket client to each configured sync server (`townhall sync-server`),
 *   plus a BroadcastChannel between this browser's tabs, on a channel named after the space's
 *   document (so tabs holding other spaces are not told about it).
 * - Storage: the records in an IndexedDB record store (the truth, durable before `add` resolves),
 *   and automerge-repo's IndexedDB storage for the Automerge document (a cache that makes reopening
 *   cheap). One database of each per space, so forgetting a space deletes exactly its data.
 *
 * The WebAssembly: Vite resolves `@automerge/automerge` to its slim entry (apps/vite.config.ts),
 * which loads no WebAssembly by itself; `initializeWasm` fetches `automerge.wasm` (emitted as an
 * asset by the `?url` import) once, before the first replica is created.
 */
import { initializeWasm } from '@automerge/automerge/slim'
import wasmUrl from '@automerge/automerge/automerge.wasm?url'
import { BroadcastChannelNetworkAdapter } from '@automerge/automerge-repo-network-broadcastchannel'
import { IndexedDBStorageAdapter } from '@automerge/automerge-repo-storage-indexeddb'
import type { NetworkAdapterInterface } from '@automerge/automerge-repo'
import type { Identity, Replica, ReplicaContext } from '../../../../core/index.js'
import { automergeReplica, indexedDbRecordStore, spaceDocumentId, WebSocketClientAdapter } from '../../../../adapters/automerge/index.js'
import type { AppConfig } from '../config.js'
import { automergeDocumentDatabase, automergeRecordStoreName } from './names.js'

let wasm: Promise<void> | undefined

/** Loads Automerge's WebAssembly once per page; a failed load is retried on the next call. */
function loadWasm(): Promise<void> {
  wasm ??= initializeWasm(wasmUrl).catch((error: unknown) => {
    wasm = undefined
    throw new Error(`Automerge's WebAssembly did not load from ${wasmUrl}: ${error instanceof Error ? error.message : String(error)}`)
  })
  return wasm
}

/** automerge-repo's IndexedDB storage never closes its database; close it with the replica. */
async function closeStorage(storage: IndexedDBStorageAdapter): Promise<void> {
  const db = await (storage as unknown as { dbPromise?: Promise<IDBDatabase> }).dbPromise?.catch(() => undefined)
  db?.close()
}

export async function createAutomergeReplica(
  spaceId: string,
  { secret }: ReplicaContext,
  identity: Identity,
  config: AppConfig,
): Promise<Replica> {
  await loadWasm()
  const store = await indexedDbRecordStore(automergeRecordStoreName(spaceId))
  const storage = new IndexedDBStorageAdapter(automergeDocumentDatabase(spaceId))
  const network: NetworkAdapterInterface[] = config.sync.map((url) => new WebSocketClientAdapter(url))
  if (typeof BroadcastChannel !== 'undefined')
    network.push(new BroadcastChannelNetworkAdapter({ channelName: `townhall-automerge-${spaceDocumentId(spaceId, secret)}` }))
  try {
    const replica = await automergeReplica({ spaceId, ...(secret ? { secret } : {}), identity, store, storage, network })
    const close = replica.close.bind(replica)
    let closing: Promise<void> | undefined
    replica.close = () => (closing ??= close().finally(() => closeStorage(storage)))
    return replica
  } catch (error) {
    await store.close().catch(() => {})
    await closeStorage(storage)
    throw error
  }
}
