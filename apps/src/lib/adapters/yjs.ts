/** The Yjs entry of the adapter registry, loaded on first use: Yjs over WebRTC, records in IndexedDB. */
import type { Identity, Replica, ReplicaContext } from '../../../../core/index.js'
import { indexedDbRecordStore, yjsReplica } from '../../../../adapters/yjs/index.js'
import type { AppConfig } from '../config.js'

export async function createYjsReplica(
  spaceId: string,
  { secret }: ReplicaContext,
  identity: Identity,
  config: AppConfig,
): Promise<Replica> {
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
}
