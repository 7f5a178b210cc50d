/**
 * Junk in the shared Automerge document (issue 22, point 6): a bare Repo writes thousands of junk
 * values under `records` and keys at the document's root that the replica does not use. The
 * honest peer it reaches counts every such entry as a rejection and deletes it, and its current
 * state stays within twice what the valid records cost plus the constant of docs/THREAT_MODEL.md.
 * Automerge keeps every change: the junk's bytes stay in the history, which this test reports.
 */
import * as A from '@automerge/automerge'
import { Repo } from '@automerge/automerge-repo'
import { MessageChannelNetworkAdapter } from '@automerge/automerge-repo-network-messagechannel'
import { afterEach, describe, expect, it } from 'vitest'
import { genesisBytes, spaceDocumentId } from '../../adapters/automerge/document.js'
import { automergeReplica, type AutomergeReplica } from '../../adapters/automerge/replica.js'
import { createIdentity, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'

const cleanup: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn()
})

function channel() {
  const { port1, port2 } = new MessageChannel()
  cleanup.push(() => {
    port1.close()
    port2.close()
  })
  return [port1, port2] as const
}
const adapter = (port: MessagePort) => new MessageChannelNetworkAdapter(port as never)

/** What a materialized value holds: bytes, characters, keys (8 bytes per number or flag). */
function stateBytes(value: unknown): number {
  if (value instanceof Uint8Array) return value.length
  if (typeof value === 'string') return value.length
  if (typeof value !== 'object' || value === null) return 8
  let total = 0
  for (const [key, inner] of Object.entries(value)) total += key.length + stateBytes(inner)
  return total
}

/** The documented constant (docs/THREAT_MODEL.md). */
const FIXED = 1024 * 1024
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`

describe('automerge: junk in the shared document', () => {
  it('counts every junk entry and foreign root key as a rejection, deletes it, and keeps the current state within 2x the valid records plus the constant', async () => {
    const [ab1, ab2] = channel()
    const [bm1, bm2] = channel()
    const alice = await Space.create({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'junk',
      replica: async (spaceId) => {
        const replica = await automergeReplica({ spaceId, network: [adapter(ab1)] })
        cleanup.push(() => replica.close())
        return replica
      },
    })
    cleanup.push(() => alice.close())
    const replica: AutomergeReplica = await automergeReplica({ spaceId: alice.id, network: [adapter(ab2), adapter(bm1)] })
    cleanup.push(() => replica.close())
    const bob = await Space.open({ id: alice.id, identity: await createIdentity(), replica })
    cleanup.push(() => bob.close())
    const posts = 300
    for (let i = 0; i < posts; i += 50)
      await Promise.all(Array.from({ length: 50 }, (_, j) => alice.post(`valid post ${i + j} ${'.'.repeat(200)}`)))
    await eventually(() => expect(bob.getFeed().length).toBe(posts), 30_000)
    const valid = stateBytes(replica.handle.doc())
    const validHistory = A.save(replica.handle.doc()).length
    const rejectedBefore = bob.getRejections().total

    // Mallory runs no replica: a bare Repo connected to Bob only, writing into the space's document.
    const repo = new Repo({ network: [adapter(bm2)], sharePolicy: async () => true })
    cleanup.push(() => repo.shutdown())
    const handle = repo.import<Record<string, unknown>>(genesisBytes(alice.id), { docId: spaceDocumentId(alice.id) })
    await eventually(() => expect(Object.keys((handle.doc().records as object) ?? {}).length).toBeGreaterThan(0), 30_000)
    const junkKeys = 20_000
    handle.change((doc) => {
      const records = doc.records as Record<string, unknown>
      for (let i = 0; i < junkKeys; i++) records[`junk-${i}`] = new Uint8Array(100).fill(i & 255)
    })
    // Three keys at the root: a map of 5,000 keys, 2 MB of bytes, a text (one insert).
    handle.change((doc) => {
      doc['foreign-map'] = Object.fromEntries(Array.from({ length: 5_000 }, (_, i) => [`k${i}`, i]))
      doc['foreign-bytes'] = new Uint8Array(2_000_000)
      doc['foreign-text'] = 'x'.repeat(20_000)
    })
    // One entry per key and per change under it: the map (one, then its 5,000 keys), the bytes, the text.
    const foreign = 1 + 5_000 + 1 + 1
    await eventually(() => expect(bob.getRejections().total - rejectedBefore).toBeGreaterThanOrEqual(junkKeys + foreign), 60_000)
    await eventually(() => {
      const doc = replica.handle.doc() as unknown as Record<string, unknown>
      expect(Object.keys(doc)).toEqual(['records'])
      expect(Object.keys(doc.records as object).filter((key) => key.startsWith('junk-'))).toEqual([])
    }, 30_000)
    await alice.post('after the junk')
    await eventually(() => expect(bob.getFeed().length).toBe(posts + 1), 30_000)

    const attacked = stateBytes(replica.handle.doc())
    const history = A.save(replica.handle.doc()).length
    console.log(
      `automerge junk: current state ${MB(valid)} valid, ${MB(attacked)} after the junk (bound ${MB(2 * valid + FIXED)});` +
        ` history ${MB(validHistory)} -> ${MB(history)} (Automerge keeps every change)`,
    )
    expect(attacked).toBeLessThanOrEqual(2 * valid + FIXED)
    expect(replica.junkDeleted).toBeGreaterThanOrEqual(junkKeys + foreign)
    expect(bob.getFeed().length).toBe(posts + 1)
    await eventually(() => expect(alice.getFeed().length).toBe(posts + 1), 30_000)
  }, 180_000)
})
