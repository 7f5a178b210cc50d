/**
 * Node support for the Automerge replica: a WebSocket connection to a sync server (`townhall
 * sync-server`) through `ws`, the Automerge document in an fsynced filesystem storage adapter
 * (file-storage.ts), and the records in an fsynced append-only file. Import this entry only in Node.
 */
import { join } from 'node:path'
import WebSocket from 'ws'
import { fileRecordStore } from '../shared/file-store.js'
import { FileStorageAdapter } from './file-storage.js'
import { automergeReplica, type AutomergeReplica, type AutomergeReplicaOptions } from './replica.js'
import { WebSocketClientAdapter } from './websocket-client.js'

export interface AutomergeNodeReplicaOptions extends Omit<AutomergeReplicaOptions, 'network' | 'storage' | 'repo' | 'store'> {
  /** Sync server URLs (`ws://127.0.0.1:3030`); several may be given, each is a peer. Omit to stay offline. */
  readonly url?: string | readonly string[]
  /**
   * Directory for this device's data: `<spaceId>.records` (the records, fsynced before `add`
   * resolves) and `automerge/` (the Automerge document). Omit for memory only.
   */
  readonly directory?: string
  /** First reconnect delay in ms (doubles per failure, up to 5 s; default 500). */
  readonly retryMs?: number
}

export async function automergeNodeReplica(options: AutomergeNodeReplicaOptions): Promise<AutomergeReplica> {
  const { url, directory, retryMs, ...rest } = options
  const urls = url === undefined ? [] : typeof url === 'string' ? [url] : [...url]
  const store = directory ? await fileRecordStore(join(directory, `${options.spaceId}.records`)) : undefined
  try {
    return await automergeReplica({
      ...rest,
      network: urls.map(
        (target) =>
          new WebSocketClientAdapter(target, {
            WebSocket,
            ...(retryMs !== undefined ? { retryMs } : {}),
            ...(options.maxMessageBytes !== undefined ? { maxMessageBytes: options.maxMessageBytes } : {}),
          }),
      ),
      ...(directory ? { storage: new FileStorageAdapter(join(directory, 'automerge')) } : {}),
      ...(store ? { store } : {}),
    })
  } catch (error) {
    await store?.close()
    throw error
  }
}

export { fileRecordStore, FileStorageAdapter }
