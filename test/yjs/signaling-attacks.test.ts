/**
 * Issue 22, point 2, with real y-webrtc peers in their own processes and a `townhall signal`
 * process: an attacker (connecting from 127.0.0.2) squats the room, or announces made-up peer ids
 * without pause, and a new honest member must still connect and sync. Before the fix, a new member
 * got 0 peers in 60 s under either attack (issue 22). The 10 s bound below is the target,
 * used as the wait's limit: the assertion is that the member syncs, not how fast.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { roomName, roomPassword } from '../../adapters/yjs/replica.js'
import { createIdentity, Space } from '../../core/index.js'
import { eventually } from '../../testing/index.js'
import { killAllPeers, processReplica, type ProcessReplica } from '../support/process-replica.js'
import { startSignal, stopAllSignals, type SignalProcess } from '../support/signal-process.js'
import { encryptJson, roomKey } from '../support/y-webrtc-crypto.js'

const ATTACKER = '127.0.0.2'
const TARGET_MS = Number(process.env.TARGET_MS ?? 10_000)
const open: Space[] = []
const sockets: WebSocket[] = []
const timers: Array<ReturnType<typeof setInterval>> = []

afterEach(async () => {
  timers.splice(0).forEach(clearInterval)
  for (const socket of sockets.splice(0)) socket.terminate()
  for (const space of open.splice(0)) await space.close().catch(() => {})
  await killAllPeers()
  await stopAllSignals()
})

async function founder(signal: SignalProcess): Promise<{ space: Space; replica: ProcessReplica }> {
  let replica: ProcessReplica | undefined
  const space = await Space.create({
    visibility: 'public',
    identity: await createIdentity(),
    name: 'attacked',
    replica: async (spaceId) => (replica = await processReplica('yjs-peer.ts', { spaceId, signaling: [signal.url] })),
  })
  open.push(space)
  return { space, replica: replica! }
}

async function member(spaceId: string, signal: SignalProcess): Promise<Space> {
  const replica = await processReplica('yjs-peer.ts', { spaceId, signaling: [signal.url] })
  const space = await Space.open({ id: spaceId, identity: await createIdentity(), replica })
  open.push(space)
  return space
}

const texts = (space: Space) => space.getFeed({ order: 'oldest' }).map((item) => item.text)

/** An attacker's signaling connection from 127.0.0.2, or undefined if the server refused it. */
function attackerSocket(url: string): Promise<WebSocket | undefined> {
  return new Promise((done) => {
    const socket = new WebSocket(url, { localAddress: ATTACKER })
    sockets.push(socket)
    socket.on('error', () => done(undefined))
    socket.once('unexpected-response', () => done(undefined))
    socket.once('open', () => done(socket))
  })
}

describe('signaling attacks on a Yjs space', () => {
  it('255 subscriptions to the room from one address: a new member still syncs', async () => {
    const signal = await startSignal()
    const first = await founder(signal)
    const room = roomName(first.space.id)
    // The outsider knows the space id (this space has no secret, the weaker case) and tries to fill
    // the room: 255 connections, one subscription each.
    const squatters = (await Promise.all(Array.from({ length: 255 }, () => attackerSocket(signal.url)))).filter(
      (socket): socket is WebSocket => socket !== undefined,
    )
    const refusals: string[] = []
    for (const socket of squatters) {
      socket.on('message', (data) => refusals.push(String((JSON.parse(data.toString()) as { reason?: string }).reason)))
      socket.send(JSON.stringify({ type: 'subscribe', topics: [room] }))
    }
    expect(squatters.length).toBe(32)
    await eventually(() => expect(refusals.filter((reason) => reason === 'room-full-for-address')).toHaveLength(24), 5000)

    await first.space.post('before the newcomer')
    const started = Date.now()
    const newcomer = await member(first.space.id, signal)
    await eventually(() => expect(texts(newcomer)).toEqual(['before the newcomer']), TARGET_MS)
    if (process.env.MEASURE) console.log(`squatting: newcomer synced after ${Date.now() - started} ms`)
  }, 60_000)

  it('an insider announcing 40 made-up peer ids every 500 ms: a new member still syncs', async () => {
    const signal = await startSignal()
    const first = await founder(signal)
    const room = roomName(first.space.id)
    const key = await roomKey(roomPassword(first.space.id), room)
    const attackers = (await Promise.all(Array.from({ length: 4 }, () => attackerSocket(signal.url)))).filter(
      (socket): socket is WebSocket => socket !== undefined,
    )
    for (const socket of attackers) socket.send(JSON.stringify({ type: 'subscribe', topics: [room] }))
    let fakes = 0
    const announce = async () => {
      // 10 per connection per round keeps each connection under the server's message rate.
      for (const socket of attackers)
        for (let i = 0; i < 10; i++) {
          const data = await encryptJson({ type: 'announce', from: `fake-${fakes++}` }, key)
          socket.send(JSON.stringify({ type: 'publish', topic: room, data }))
        }
    }
    await announce()
    timers.push(setInterval(() => void announce(), 500))

    const secondStarted = Date.now()
    const second = await member(first.space.id, signal)
    await first.space.post('under attack')
    await eventually(() => expect(texts(second)).toEqual(['under attack']), TARGET_MS)
    if (process.env.MEASURE) console.log(`fake announces: second member synced after ${Date.now() - secondStarted} ms`)
    const started = Date.now()
    const newcomer = await member(first.space.id, signal)
    await eventually(() => expect(texts(newcomer)).toEqual(['under attack']), TARGET_MS)
    if (process.env.MEASURE) console.log(`fake announces: newcomer synced after ${Date.now() - started} ms`)
    expect(fakes).toBeGreaterThan(40)
  }, 60_000)
})
