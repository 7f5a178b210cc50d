/**
 * The Automerge adapter between separate Node processes, syncing through a `townhall sync-server`
 * process on 127.0.0.1: convergence, catching up after being offline, a server restart, the server
 * as the always-on peer, and local persistence (including a process killed mid-write).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { automergeNodeReplica } from '../../adapters/automerge/node.js'
import { fileRecordStore } from '../../adapters/shared/file-store.js'
import { createIdentity, recordCid, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSyncServerProcess, stopAllSyncServers } from '../support/sync-server-process.js'

const open: Space[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSyncServers()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-automerge-'))
  dirs.push(dir)
  return dir
}
const texts = (space: Space) =>
  space
    .getFeed({ order: 'oldest' })
    .map((item) => item.text)
    .sort()
/** A port nothing listens on: peers given it stay offline. */
const NOWHERE = 'ws://127.0.0.1:9'

async function founder(options: Record<string, unknown>) {
  let replica: ProcessReplica | undefined
  const space = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'automerge',
    replica: async (spaceId) => (replica = await processReplica('automerge-peer.ts', { spaceId, ...options })),
  })
  open.push(space)
  return { space, replica: replica! }
}

async function joiner(spaceId: string, options: Record<string, unknown>) {
  const replica = await processReplica('automerge-peer.ts', { spaceId, ...options })
  const space = await Space.open({ id: spaceId, identity: await createIdentity(), replica })
  open.push(space)
  return { space, replica }
}

describe('automerge through a sync server', () => {
  it('converges two peers writing at the same time', async () => {
    const server = await startSyncServerProcess()
    const a = await founder({ url: server.url })
    const b = await joiner(a.space.id, { url: server.url })
    await eventually(() => expect(b.space.getInfo()).toBeDefined(), 20_000)
    const expected: string[] = []
    const writes: Promise<unknown>[] = []
    for (let i = 0; i < 10; i++) {
      expected.push(`a ${i}`, `b ${i}`)
      writes.push(a.space.post(`a ${i}`), b.space.post(`b ${i}`))
    }
    await Promise.all(writes)
    for (const { space } of [a, b]) await eventually(() => expect(texts(space)).toEqual(expected.sort()), 20_000)
  })

  it('converges five peers on records written by each', async () => {
    const server = await startSyncServerProcess()
    const first = await founder({ url: server.url })
    const others = await Promise.all([1, 2, 3, 4].map(() => joiner(first.space.id, { url: server.url })))
    const all = [first, ...others]
    await Promise.all(
      all.map((peer, i) =>
        eventually(() => expect(peer.space.getInfo()).toBeDefined(), 20_000).then(() => peer.space.post(`from peer ${i}`)),
      ),
    )
    const expected = all.map((_, i) => `from peer ${i}`).sort()
    for (const { space, replica } of all) {
      await eventually(() => expect(texts(space)).toEqual(expected), 20_000)
      // Through a server, each Node peer has one connection: the server.
      expect(replica.getSyncState().peers).toBe(1)
      expect(replica.getSyncState().synced).toBe(true)
    }
  })

  it('brings a peer that was offline up to date when it comes back, showing what it had before it syncs', async () => {
    const server = await startSyncServerProcess()
    const a = await founder({ url: server.url })
    const bobDir = scratch()
    const b = await joiner(a.space.id, { url: server.url, directory: bobDir })
    await a.space.post('before')
    await eventually(() => expect(texts(b.space)).toEqual(['before']), 20_000)
    await b.space.close()
    for (let i = 0; i < 3; i++) await a.space.post(`while away ${i}`)
    // Back, first with no server reachable: what it had is there.
    const offline = await joiner(a.space.id, { url: NOWHERE, directory: bobDir })
    await eventually(() => expect(texts(offline.space)).toEqual(['before']), 20_000)
    await offline.space.close()
    const back = await joiner(a.space.id, { url: server.url, directory: bobDir })
    await eventually(() => expect(texts(back.space)).toEqual(['before', 'while away 0', 'while away 1', 'while away 2']), 20_000)
  })

  it('reconnects peers after the server restarts, delivering what was written while it was down', async () => {
    const dir = scratch()
    let server = await startSyncServerProcess({ directory: dir })
    const a = await founder({ url: server.url })
    const b = await joiner(a.space.id, { url: server.url })
    await a.space.post('before')
    await eventually(() => expect(texts(b.space)).toEqual(['before']), 20_000)

    await server.stop()
    await eventually(() => expect(a.replica.getSyncState().peers).toBe(0), 20_000)
    await a.space.post('while the server was down') // resolves: durable locally, synced later
    server = await startSyncServerProcess({ directory: dir, port: server.port })

    await eventually(() => expect(texts(b.space)).toEqual(['before', 'while the server was down']), 20_000)
    await b.space.post('after')
    await eventually(() => expect(texts(a.space)).toEqual(['after', 'before', 'while the server was down']), 20_000)
    expect(a.replica.getSyncState().peers).toBe(1)
  })

  it('keeps a space on the server while every writer is gone, across a server restart', async () => {
    const dir = scratch()
    let server = await startSyncServerProcess({ directory: dir })
    const a = await founder({ url: server.url })
    for (let i = 0; i < 5; i++) await a.space.post(`kept ${i}`)
    // Closing waits (bounded) until the server has every local change.
    await a.space.close()
    await server.stop()
    server = await startSyncServerProcess({ directory: dir, port: server.port })
    const late = await joiner(a.space.id, { url: server.url })
    await eventually(() => expect(texts(late.space)).toEqual(['kept 0', 'kept 1', 'kept 2', 'kept 3', 'kept 4']), 20_000)
    expect(late.space.getInfo()?.name).toBe('automerge')
  })
})

describe('automerge persistence', () => {
  it('keeps everything written offline: write, close, reopen offline', async () => {
    const dir = scratch()
    const a = await founder({ url: NOWHERE, directory: dir })
    for (let i = 0; i < 5; i++) await a.space.post(`offline ${i}`)
    await a.space.close()
    const again = await joiner(a.space.id, { url: NOWHERE, directory: dir })
    await eventually(() => expect(texts(again.space)).toEqual(['offline 0', 'offline 1', 'offline 2', 'offline 3', 'offline 4']), 20_000)
    const local = (await again.replica.getAll()).filter((entry) => entry.source === 'local')
    expect(local).toHaveLength(6) // genesis and five posts, from the record store
  })

  it('keeps every write that resolved when the process is killed mid-stream', async () => {
    const dir = scratch()
    const a = await founder({ url: NOWHERE, directory: dir })
    const resolved: string[] = []
    const writes = Array.from({ length: 40 }, (_, i) =>
      a.space.post(`write ${i}`).then(
        (record) => resolved.push(record.id),
        () => {},
      ),
    )
    await eventually(() => expect(resolved.length).toBeGreaterThanOrEqual(10), 20_000)
    await a.replica.kill()
    await Promise.allSettled(writes)
    const spaceId = a.space.id
    open.splice(0).forEach((space) => void space.close().catch(() => {}))

    const store = await fileRecordStore(join(dir, `${spaceId}.records`))
    const onDisk = new Set(await Promise.all((await store.load()).map(async ({ bytes }) => (await recordCid(bytes)).toString())))
    await store.close()
    for (const id of resolved) expect(onDisk.has(id)).toBe(true)
    expect(onDisk.has(spaceId)).toBe(true)

    // The replica reopens from what the kill left (a torn Automerge save included) with every resolved write.
    const reopened = await automergeNodeReplica({ spaceId, directory: dir })
    const ids = new Set((await reopened.getAll()).map((entry) => entry.claimedId))
    await reopened.close()
    for (const id of resolved) expect(ids.has(id)).toBe(true)
  })
})
