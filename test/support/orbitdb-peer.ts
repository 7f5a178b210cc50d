/**
 * A townhall OrbitDB peer in its own process, driven over IPC by test/support/process-replica.ts:
 * TCP on 127.0.0.1, explicit dials, optional data directory. Byzantine commands let a test make
 * this peer misbehave at the OrbitDB level (appending malformed entries, publishing garbage).
 */
import { randomBytes } from 'node:crypto'
import { orbitdbNodeReplica } from '../../adapters/orbitdb/node.js'
import { askToFollow } from '../../adapters/orbitdb/follow.js'
import { Entry } from '@orbitdb/core'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { base58btc } from 'multiformats/bases/base58'
import { presenceTopic } from '../../adapters/orbitdb/presence.js'
import { createIdentity } from '../../core/index.js'
import { encode } from '../../core/codec.js'

interface Options {
  spaceId: string
  directory?: string
  peers?: string[]
  listen?: string[]
  websockets?: boolean
  fetchTimeoutMs?: number
  maxPayloadBytes?: number
}

const options = JSON.parse(process.argv[2]!) as Options
const identity = await createIdentity()
const replica = await orbitdbNodeReplica({
  spaceId: options.spaceId,
  identity,
  ...(options.directory ? { directory: options.directory } : {}),
  ...(options.peers ? { peers: options.peers } : {}),
  ...(options.listen ? { listen: options.listen } : {}),
  ...(options.websockets ? { websockets: true } : {}),
  ...(options.fetchTimeoutMs ? { fetchTimeoutMs: options.fetchTimeoutMs } : {}),
  ...(options.maxPayloadBytes ? { maxPayloadBytes: options.maxPayloadBytes } : {}),
})
const send = (message: unknown) => process.connected && process.send!(message)
replica.subscribe((entries) => send({ event: 'records', entries }))
const pushState = () =>
  send({
    event: 'state',
    state: replica.getSyncState(),
    presence: replica.presence.get(),
    forged: replica.presence.forged,
    healed: 0,
    rejectedMessages: replica.syncErrors,
  })
replica.subscribeSyncState(pushState)
const ticker = setInterval(pushState, 250)

// IPC hands byte arrays over as Buffers: give OrbitDB the plain Uint8Arrays a peer would send.
const plain = (value: unknown): unknown => (value instanceof Uint8Array ? new Uint8Array(value) : value)
const pubsub = (replica.peer.libp2p.services as { pubsub: { publish(topic: string, data: Uint8Array): Promise<unknown> } }).pubsub

type Command = { id: number; op: string; [key: string]: unknown }
const commands: Record<string, (command: Command) => Promise<unknown>> = {
  add: async (c) => replica.add((c.records as Uint8Array[]).map((bytes) => new Uint8Array(bytes))),
  getAll: async () => replica.getAll(),
  verifiedLoad: async () => replica.verified?.load() ?? Promise.reject(new Error('this replica keeps no verified ids')),
  verifiedAdd: async (c) => replica.verified?.add(c.ids as string[]),
  presence: async (c) => replica.presence.set(c.state as Record<string, unknown>),
  addresses: async () => replica.peer.multiaddrs(),
  dial: async (c) => replica.peer.dial(c.address as string),
  /** Asks a connected relay started with `--follow` to replicate this space; resolves with its answer. */
  follow: async (c) => {
    const connection = replica.peer.libp2p.getConnections().find((conn) => conn.remotePeer.toString() === c.peerId)
    if (!connection) throw new Error(`not connected to ${String(c.peerId)}`)
    return askToFollow(connection, options.spaceId)
  },
  stats: async () => ({
    malformedEntries: replica.malformedEntries,
    refusedEntries: replica.refusedEntries,
    syncErrors: replica.syncErrors,
    forged: replica.presence.forged,
    address: replica.database.address,
    logPeers: [...replica.database.peers],
    memory: process.memoryUsage().rss,
  }),
  /** Heap and buffers after a full collection (the process runs with --expose-gc). */
  memory: async () => {
    ;(globalThis as { gc?: () => void }).gc?.()
    const usage = process.memoryUsage()
    return { heap: usage.heapUsed, arrayBuffers: usage.arrayBuffers, rss: usage.rss }
  },
  /** `count` entries, each a batch holding one junk value of `size` bytes, appended one by one. */
  junkEntries: async (c) => {
    for (let i = 0; i < (c.count as number); i++)
      await replica.database.add({ townhall: 1, records: [new Uint8Array(c.size as number).fill(i & 255)] })
  },
  // ---- Byzantine behaviour: write straight into the OrbitDB log, bypassing the replica.
  /** A batch-shaped entry carrying whatever values were given (garbage included). */
  raw: async (c) => replica.database.add({ townhall: 1, records: (c.values as unknown[]).map(plain) }),
  /** Entries whose payload is anything at all (not a batch). */
  appendPayloads: async (c) => {
    for (const payload of c.payloads as unknown[]) await replica.database.addOperation(plain(payload))
  },
  /** Random bytes and non-entries on the log's pubsub topic, where peers announce new heads. */
  publishGarbage: async (c) => {
    const topic = replica.database.address
    for (let i = 0; i < (c.count as number); i++) await pubsub.publish(topic, new Uint8Array(randomBytes(50 + i * 37)))
    await pubsub.publish(topic, encode({ id: 'another log', payload: 1, next: [], refs: [], clock: { id: 'x', time: 1 }, v: 2 }))
  },
  /**
   * A validly signed entry whose `next` names a block nobody has: honest peers wait for it (up to
   * their fetch timeout), then drop the entry. Published only, never stored here.
   */
  publishDangling: async () => {
    const bogus = CID.createV1(0x71, await sha256.digest(new Uint8Array(randomBytes(32)))).toString(base58btc)
    const entry = await Entry.create(
      replica.database.identity,
      replica.database.address,
      { op: 'ADD', key: null, value: 1 },
      undefined,
      undefined,
      [bogus],
      [],
    )
    const { bytes } = await Entry.encode(entry)
    await pubsub.publish(replica.database.address, bytes)
  },
  forgePresence: async (c) =>
    pubsub.publish(
      presenceTopic(options.spaceId),
      encode({ d: c.did, st: { name: 'impostor' }, t: Date.now(), p: replica.peer.libp2p.peerId.toString(), s: new Uint8Array(64) }),
    ),
  close: async () => {
    clearInterval(ticker)
    await replica.close()
  },
}

process.on('message', async (command: Command) => {
  try {
    const result = await commands[command.op]!(command)
    send({ id: command.id, result })
    // No process.exit after close: the process must end by itself once everything is closed.
    if (command.op === 'close') process.disconnect?.()
  } catch (error) {
    send({ id: command.id, error: String(error) })
  }
})
process.on('disconnect', () => {
  clearInterval(ticker)
  // The parent went away without closing us: close, then let the event loop drain. A watchdog
  // reports (and ends) a close that leaves handles behind, so tests see it instead of hanging.
  void replica.close().finally(() => setTimeout(() => process.exit(3), 10_000).unref())
})
send({ event: 'ready', did: identity.did })
