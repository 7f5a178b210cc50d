/**
 * The Yjs adapter over real WebRTC between separate Node processes, signaling through a
 * `townhall signal` process on 127.0.0.1 that each test starts and stops.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createIdentity, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals, type SignalProcess } from '../support/signal-process.js'

const open: Space[] = []
const dirs: string[] = []
afterEach(async () => {
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSignals()
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

const texts = (space: Space) =>
  space
    .getFeed({ order: 'oldest' })
    .map((item) => item.text)
    .sort()

async function peer(
  spaceId: string,
  signal: Pick<SignalProcess, 'url'> | string[],
  extra: Record<string, unknown> = {},
): Promise<{ space: Space; replica: ProcessReplica }> {
  const signaling = Array.isArray(signal) ? signal : [signal.url]
  const replica = await processReplica('yjs-peer.ts', { spaceId, signaling, ...extra })
  const space = await Space.open({ id: spaceId, identity: await createIdentity(), replica })
  open.push(space)
  return { space, replica }
}

async function founder(signal: SignalProcess, extra: Record<string, unknown> = {}) {
  let replica: ProcessReplica | undefined
  const space = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'webrtc',
    replica: async (spaceId) => (replica = await processReplica('yjs-peer.ts', { spaceId, signaling: [signal.url], ...extra })),
  })
  open.push(space)
  return { space, replica: replica! }
}

describe('yjs over WebRTC', () => {
  it('converges five peers on records written by each', async () => {
    const signal = await startSignal()
    const first = await founder(signal)
    const others = []
    for (let i = 0; i < 4; i++) others.push(await peer(first.space.id, signal))
    const all = [first, ...others]
    await Promise.all(
      all.map((p, i) => eventually(() => expect(p.space.getInfo()).toBeDefined(), 30_000).then(() => p.space.post(`from peer ${i}`))),
    )
    const expected = all.map((_, i) => `from peer ${i}`).sort()
    for (const p of all) await eventually(() => expect(texts(p.space)).toEqual(expected), 30_000)
  }, 90_000)

  it('keeps syncing when one of several signaling servers is down', async () => {
    const signal = await startSignal()
    const dead = 'ws://127.0.0.1:9' // discard port: nothing listens there
    const first = await founder(signal)
    const second = await peer(first.space.id, [dead, signal.url])
    await first.space.post('through the live server')
    await eventually(() => expect(texts(second.space)).toEqual(['through the live server']), 30_000)
  }, 60_000)

  it('persists records and shows them offline after a restart, then catches up both ways', async () => {
    const signal = await startSignal()
    const dir = mkdtempSync(join(tmpdir(), 'townhall-yjs-'))
    dirs.push(dir)
    const first = await founder(signal)
    const second = await peer(first.space.id, signal, { directory: dir })
    await first.space.post('before restart')
    await eventually(() => expect(texts(second.space)).toEqual(['before restart']), 30_000)
    await second.space.close()
    // Reopened with no reachable signaling server: everything comes from disk.
    const offline = await peer(first.space.id, ['ws://127.0.0.1:9'], { directory: dir })
    expect(texts(offline.space)).toEqual(['before restart'])
    await offline.space.post('written offline')
    await offline.space.close()
    await first.space.post('while away')
    const back = await peer(first.space.id, signal, { directory: dir })
    expect(texts(back.space)).toEqual(['before restart', 'written offline'])
    // Both ways: what only back's disk holds reaches the peer that stayed online.
    await eventually(() => expect(texts(back.space)).toEqual(['before restart', 'while away', 'written offline']), 30_000)
    await eventually(() => expect(texts(first.space)).toEqual(['before restart', 'while away', 'written offline']), 30_000)
  }, 90_000)

  it('sends a peer only what it lacks when a device reopens', async () => {
    const signal = await startSignal()
    const dir = mkdtempSync(join(tmpdir(), 'townhall-yjs-'))
    dirs.push(dir)
    const first = await founder(signal)
    const second = await peer(first.space.id, signal, { directory: dir })
    await eventually(() => expect(second.space.getInfo()).toBeDefined(), 30_000)
    for (let i = 0; i < 20; i++) await second.space.post(`stored ${i}`)
    await eventually(() => expect(texts(first.space)).toHaveLength(20), 30_000)
    await second.space.close()
    await first.space.post('while away')
    const back = await peer(first.space.id, signal, { directory: dir })
    // Synced: first's state, the post written while away included, was applied on back.
    await eventually(() => expect(texts(back.space)).toHaveLength(21), 30_000)
    await first.space.post('after the reopen')
    await eventually(() => expect(texts(back.space)).toHaveLength(22), 30_000)
    // back held nothing first lacked: its session wrote no item, so none reached first.
    const client = await back.replica.command('clientId')
    expect(await back.replica.command('itemsOf', { client })).toBe(0)
    expect(await first.replica.command('itemsOf', { client })).toBe(0)
  }, 90_000)

  it('reconnects peers after the signaling server restarts', async () => {
    const signal = await startSignal()
    const first = await founder(signal)
    const second = await peer(first.space.id, signal)
    await first.space.post('one')
    await eventually(() => expect(texts(second.space)).toEqual(['one']), 30_000)
    await signal.stop()
    const again = await startSignal(signal.port)
    // A newcomer can only find the others if they re-subscribed to the restarted server.
    const third = await peer(first.space.id, again)
    await eventually(() => expect(texts(third.space)).toEqual(['one']), 45_000)
    await third.space.post('after restart')
    await eventually(() => expect(texts(first.space)).toEqual(['after restart', 'one']), 45_000)
  }, 120_000)

  it('syncs peers that join at the same instant (the simultaneous-initiator race), round after round', async () => {
    const signal = await startSignal()
    const first = await founder(signal, { syncTimeoutMs: 3000 })
    await first.space.post('seed')
    for (let round = 0; round < 6; round++) {
      const [a, b] = await Promise.all([
        peer(first.space.id, signal, { syncTimeoutMs: 3000 }),
        peer(first.space.id, signal, { syncTimeoutMs: 3000 }),
      ])
      await Promise.all([a, b].map((p) => eventually(() => expect(texts(p.space)).toContain('seed'), 30_000)))
      await a.space.post(`round ${round}`)
      await eventually(() => expect(texts(b.space)).toContain(`round ${round}`), 30_000)
      await Promise.all([a.space.close(), b.space.close()])
    }
  }, 240_000)

  it('shows signed presence of connected members', async () => {
    const signal = await startSignal()
    const first = await founder(signal)
    const second = await peer(first.space.id, signal)
    await first.replica.command('presence', { state: { name: 'Alice' } })
    await second.replica.command('presence', { state: { name: 'Bob' } })
    await eventually(() => {
      expect(first.replica.presencePeers.map((p) => p.did).sort()).toEqual([first.replica.did, second.replica.did].sort())
      expect(second.replica.presencePeers.find((p) => p.did === first.replica.did)?.state).toEqual({ name: 'Alice' })
    }, 30_000)
  }, 60_000)
})
