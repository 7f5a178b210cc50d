/**
 * A townhall Yjs peer in its own process, driven over IPC by test/support/process-replica.ts.
 * Separate processes are what real deployments look like, and y-webrtc allows only one
 * provider per room per process. Byzantine commands let a test make this peer misbehave.
 */
import * as Y from 'yjs'
import { yjsNodeReplica } from '../../adapters/yjs/node.js'
import { createIdentity, recordCid } from '../../core/index.js'

interface Options {
  spaceId: string
  signaling: string[]
  directory?: string
  secret?: number[]
  syncTimeoutMs?: number
  maxMessageBytes?: number
}

const options = JSON.parse(process.argv[2]!) as Options
const identity = await createIdentity()
const replica = await yjsNodeReplica({
  spaceId: options.spaceId,
  signaling: options.signaling,
  identity,
  ...(options.directory ? { directory: options.directory } : {}),
  ...(options.secret ? { secret: Uint8Array.from(options.secret) } : {}),
  ...(options.syncTimeoutMs ? { syncTimeoutMs: options.syncTimeoutMs } : {}),
  ...(options.maxMessageBytes ? { maxMessageBytes: options.maxMessageBytes } : {}),
})
const send = (message: unknown) => process.connected && process.send!(message)
replica.subscribe((entries) => send({ event: 'records', entries }))
const pushState = () =>
  send({
    event: 'state',
    state: replica.getSyncState(),
    presence: replica.presence.get(),
    forged: replica.presence.forged,
    healed: replica.healed,
    rejectedMessages: replica.rejectedMessages,
    junkDeleted: replica.junkDeleted,
  })
replica.subscribeSyncState(pushState)
const ticker = setInterval(pushState, 250)

// IPC hands byte arrays over as Buffers, which Yjs refuses to store: give it the plain Uint8Array a peer would send.
const plain = (value: unknown) => (value instanceof Uint8Array ? new Uint8Array(value) : value)

type Command = { id: number; op: string; [key: string]: unknown }
const records = replica.doc.getMap<unknown>('records')
const provider = replica.provider as { room?: { webrtcConns: Map<string, { peer: { send(data: Uint8Array): void } }> } }

const commands: Record<string, (command: Command) => Promise<unknown>> = {
  add: async (c) => replica.add(c.records as Uint8Array[]),
  getAll: async () => replica.getAll(),
  verifiedLoad: async () => (replica.verified ? replica.verified.load() : Promise.reject(new Error('this replica keeps no verified ids'))),
  verifiedAdd: async (c) => replica.verified?.add(c.ids as string[]),
  presence: async (c) => replica.presence.set(c.state as Record<string, unknown>),
  // ---- Byzantine behaviour: write straight into the shared document, bypassing the replica.
  raw: async (c) =>
    replica.doc.transact(
      () => (c.values as unknown[]).forEach((value, i) => records.set(`garbage-${Date.now()}-${i}`, plain(value))),
      'byzantine',
    ),
  // Writes values under their own content id, as an honest peer would: junk that passes the hash check.
  putKeyed: async (c) => {
    const keyed = await Promise.all(
      (c.values as Uint8Array[]).map(async (value) => [(await recordCid(plain(value) as Uint8Array)).toString(), plain(value)] as const),
    )
    replica.doc.transact(() => keyed.forEach(([key, value]) => records.set(key, value)), 'byzantine')
  },
  deleteAll: async () => replica.doc.transact(() => [...records.keys()].forEach((key) => records.delete(key)), 'byzantine'),
  overwriteAll: async () =>
    replica.doc.transact(() => [...records.keys()].forEach((key) => records.set(key, new Uint8Array([1, 2, 3]))), 'byzantine'),
  sendRaw: async (c) => {
    for (const conn of provider.room?.webrtcConns.values() ?? []) conn.peer.send(c.bytes as Uint8Array)
  },
  forgePresence: async (c) =>
    replica.provider &&
    (replica.provider as { awareness: { setLocalStateField(k: string, v: unknown): void } }).awareness.setLocalStateField('townhall', {
      did: c.did,
      state: { name: 'impostor' },
      ts: Date.now(),
      sig: new Uint8Array(64),
    }),
  // Junk under the records map: `count` values of `size` bytes, each under a key of its own.
  junkEntries: async (c) =>
    replica.doc.transact(() => {
      const size = c.size as number
      for (let i = 0; i < (c.count as number); i++) records.set(`junk-${c.tag}-${i}`, new Uint8Array(size).fill(i & 255))
    }, 'byzantine'),
  // Root types the replica does not use: a map with a large value and many keys, an array, a text.
  foreignRoots: async (c) =>
    replica.doc.transact(() => {
      const map = replica.doc.getMap<unknown>(`foreign-map-${c.tag}`)
      map.set('big', new Uint8Array(c.bytes as number))
      for (let i = 0; i < (c.count as number); i++) map.set(`k${i}`, i)
      const array = replica.doc.getArray<unknown>(`foreign-array-${c.tag}`)
      for (let i = 0; i < (c.count as number); i++) array.push([new Uint8Array(64)])
      replica.doc.getText(`foreign-text-${c.tag}`).insert(0, 'x'.repeat(c.bytes as number))
    }, 'byzantine'),
  /** What this peer's document costs: its encoded state, and the heap after a full collection. */
  memory: async () => {
    ;(globalThis as { gc?: () => void }).gc?.()
    const usage = process.memoryUsage()
    return { state: Y.encodeStateAsUpdate(replica.doc).length, heap: usage.heapUsed, arrayBuffers: usage.arrayBuffers, rss: usage.rss }
  },
  encodeState: async () => Y.encodeStateAsUpdate(replica.doc).length,
  /** Live entries of the document: under the records map, and under any other root type. */
  docEntries: async () => {
    let foreign = 0
    for (const [name, type] of replica.doc.share) {
      if (name === 'records') continue
      for (const item of type._map.values()) if (!item.deleted) foreign++
      for (let item = type._start; item; item = item.right) if (!item.deleted) foreign++
    }
    return { records: records.size, foreign }
  },
  clientId: async () => replica.doc.clientID,
  /** Items in this peer's document written by the given client (a session of some peer). */
  itemsOf: async (c) => (replica.doc.store.clients.get(c.client as number) ?? []).filter((struct) => struct instanceof Y.Item).length,
  close: async () => {
    clearInterval(ticker)
    await replica.close()
    setTimeout(() => process.exit(0), 50)
  },
}

process.on('message', async (command: Command) => {
  try {
    const result = await commands[command.op]!(command)
    send({ id: command.id, result })
  } catch (error) {
    send({ id: command.id, error: String(error) })
  }
})
process.on('disconnect', () => process.exit(0))
send({ event: 'ready', did: identity.did })
