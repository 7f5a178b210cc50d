/**
 * A replication adapter in about forty lines, built on the adapter kit (townhall/adapter) the way
 * the built-in ones are: records travel over a BroadcastChannel (tabs of one browser, or one Node
 * process), and the kit's replica skeleton does the rest (held records, durability before `add`
 * resolves, dedup, `getAll`, `subscribe`, `close`, lifecycle states). It passes
 * `runReplicaConformance` (test/conformance/kit.test.ts); docs/extending.md walks through it.
 */
import { openReplicaBase, type RecordStore, type SkeletonReplica } from '../core/adapter/index.js'

type Message = { from: string; hello?: boolean; bye?: boolean; records?: unknown[] }

export async function broadcastReplica(spaceId: string, store?: RecordStore): Promise<SkeletonReplica> {
  const base = await openReplicaBase({ spaceId, store })
  const self = crypto.randomUUID()
  const channel = new BroadcastChannel(`my-app/${spaceId}`)
  const peers = new Set<string>()
  const send = (message: Omit<Message, 'from'>) => channel.postMessage({ from: self, ...message })

  channel.onmessage = ({ data }: MessageEvent<Message>) => {
    if (data.bye) peers.delete(data.from)
    else if (!peers.has(data.from)) {
      peers.add(data.from)
      // A newcomer gets everything this peer holds (and says hello back, so it learns of us).
      send({ hello: true, records: [...base.held.values()] })
    }
    base.notifySync()
    // Untrusted: the skeleton adopts what is a record of this space and hands everything new to the space.
    if (Array.isArray(data.records)) void base.receive(data.records, data.from)
  }
  send({ hello: true })

  return base.open({
    publish: (fresh) => send({ records: [...fresh.values()] }),
    sync: () => ({ peers: peers.size, synced: peers.size > 0 }),
    stop: () => {
      send({ bye: true })
      channel.close()
    },
  })
}
