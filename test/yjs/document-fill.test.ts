/**
 * The Yjs replica's document is only the way to peers: a replica reopened from its store serves the
 * space from the store, and puts the stored records the document lacks into it once a first WebRTC
 * peer has synced, or `syncTimeoutMs` after a first peer appeared (y-webrtc's `peers` event) when
 * none syncs. The real-peer side of this is in webrtc.test.ts ("catches up both ways", "only what
 * it lacks").
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { yjsNodeReplica } from '../../adapters/yjs/node.js'
import { eventually } from '../../testing/index.js'
import type { YjsReplica } from '../../adapters/yjs/replica.js'
import { equalBytes, utf8 } from '../../core/bytes.js'
import { createIdentity, Space } from '../../core/index.js'

const dirs: string[] = []
const replicas: YjsReplica[] = []
afterEach(async () => {
  for (const replica of replicas.splice(0)) await replica.close()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

async function storedSpace(): Promise<{ spaceId: string; directory: string }> {
  const directory = mkdtempSync(join(tmpdir(), 'townhall-yjs-fill-'))
  dirs.push(directory)
  const space = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'fill',
    replica: (spaceId) => yjsNodeReplica({ spaceId, signaling: [], directory }),
  })
  for (const text of ['one', 'two', 'three']) await space.post(text)
  await space.close()
  return { spaceId: space.id, directory }
}

const peerAppears = (replica: YjsReplica) =>
  (replica.provider as { emit(event: string, args: unknown[]): void }).emit('peers', [
    { added: ['peer'], removed: [], webrtcPeers: [], bcPeers: ['peer'] },
  ])

// No WebRTC peer here ever syncs: the records go in when the wait for one ends.
const SYNC_TIMEOUT_MS = 200

describe('yjs replica document', () => {
  it('stays empty while the replica is alone, and holds every stored record once a peer appeared', async () => {
    const { spaceId, directory } = await storedSpace()
    const replica = await yjsNodeReplica({ spaceId, signaling: [], directory, syncTimeoutMs: SYNC_TIMEOUT_MS })
    replicas.push(replica)
    const records = replica.doc.getMap<Uint8Array>('records')

    const stored = await replica.getAll()
    expect(stored).toHaveLength(4)
    expect(records.size).toBe(0)

    peerAppears(replica)
    // Not at once: a peer that syncs first would bring these records itself.
    expect(records.size).toBe(0)
    await eventually(() => expect(records.size).toBe(4), 5000)
    for (const entry of stored) expect(equalBytes(records.get(entry.claimedId!)!, entry.bytes as Uint8Array)).toBe(true)
  })

  it('puts what this device writes into the document at once, and fills the rest later without duplicates', async () => {
    const { spaceId, directory } = await storedSpace()
    const replica = await yjsNodeReplica({ spaceId, signaling: [], directory, syncTimeoutMs: SYNC_TIMEOUT_MS })
    replicas.push(replica)
    const records = replica.doc.getMap<Uint8Array>('records')

    await replica.add([utf8('written while alone')])
    expect(records.size).toBe(1)

    peerAppears(replica)
    peerAppears(replica)
    await eventually(() => expect(records.size).toBe(5), 5000)
    expect((await replica.getAll()).map((entry) => entry.claimedId).sort()).toEqual([...records.keys()].sort())
  })
})
