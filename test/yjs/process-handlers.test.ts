/**
 * The Yjs adapter changes nothing process-wide: an app's own unhandled-rejection handler is left
 * alone, y-webrtc's asynchronous failures (a stranger's message under another room password,
 * garbage on the signaling topic) are dropped and counted by the replica itself, and a second
 * replica of one space in one process fails at creation with a RoomInUseError instead of never
 * syncing.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as encoding from 'lib0/encoding'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { RoomInUseError } from '../../core/errors.js'
import { startSignalServer, type SignalServer } from '../../cli/signal-server.js'
import { yjsNodeReplica } from '../../adapters/yjs/node.js'
import { roomName, roomPassword, yjsReplica, type YjsReplica } from '../../adapters/yjs/replica.js'
import { eventually } from '../../testing/index.js'
import { encryptJson, roomKey } from '../support/y-webrtc-crypto.js'

const SPACE = 'bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yje'
const cleanup: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step()
})

describe('yjs: nothing process-wide', () => {
  it("leaves an app's own unhandledRejection handler alone", () => {
    const node = fileURLToPath(new URL('../../adapters/yjs/node.ts', import.meta.url))
    const script = `
      process.on('unhandledRejection', (reason) => console.log('app handled ' + reason.message))
      const { yjsNodeReplica } = await import(${JSON.stringify(node)})
      const replica = await yjsNodeReplica({ spaceId: ${JSON.stringify(SPACE)}, signaling: [] })
      console.log('listeners ' + process.listenerCount('unhandledRejection'))
      Promise.reject(new Error('app rejection'))
      setTimeout(async () => { await replica.close(); console.log('still running') }, 200)`
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(child.stderr).toBe('')
    expect(child.stdout.split('\n').filter(Boolean)).toEqual(['listeners 1', 'app handled app rejection', 'still running'])
    expect(child.status).toBe(0)
  })

  it('adds no process listener in this process either', async () => {
    const before = process.listenerCount('unhandledRejection')
    const replica = await yjsNodeReplica({ spaceId: SPACE, signaling: [] })
    expect(process.listenerCount('unhandledRejection')).toBe(before)
    await replica.close()
  })

  it('drops and counts signaling messages under another password or unreadable, without an unhandled rejection', async () => {
    const signal: SignalServer = await startSignalServer({ port: 0 })
    cleanup.push(() => signal.close())
    const replica: YjsReplica = await yjsNodeReplica({ spaceId: SPACE, signaling: [signal.url] })
    cleanup.push(() => replica.close())
    const stranger = new WebSocket(signal.url)
    cleanup.push(async () => stranger.close())
    await new Promise((done) => stranger.once('open', done))
    const topic = roomName(SPACE)
    // The server relays a publish only from a subscriber of the topic.
    stranger.send(JSON.stringify({ type: 'subscribe', topics: [topic] }))
    // Published until the replica has subscribed and received each kind at least once.
    const wrongKey = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt'])
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const plain = encoding.encode((e) => encoding.writeAny(e, { type: 'announce', from: 'stranger' }))
    const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, wrongKey, plain))
    const sealed = encoding.encode((e) => {
      encoding.writeVarString(e, 'AES-GCM')
      encoding.writeVarUint8Array(e, iv)
      encoding.writeVarUint8Array(e, cipher)
    })
    const messages = [Buffer.from(sealed).toString('base64'), 'bm90IGVuY3J5cHRlZA==', 42]
    await eventually(
      () => {
        for (const data of messages) stranger.send(JSON.stringify({ type: 'publish', topic, data }))
        expect(replica.rejectedMessages).toBeGreaterThanOrEqual(messages.length)
      },
      10_000,
      250,
    ) // under the server's rate limit
  })

  it('still drops what y-webrtc cannot read after the replica reconnects its signaling', async () => {
    const signal: SignalServer = await startSignalServer({ port: 0 })
    cleanup.push(() => signal.close())
    const replica: YjsReplica = await yjsNodeReplica({ spaceId: SPACE, signaling: [signal.url], syncTimeoutMs: 500 })
    cleanup.push(() => replica.close())
    interface Provider {
      signalingConns: Array<{ connected: boolean }>
      room: { peerId: string; webrtcConns: Map<string, unknown> } | null
    }
    const provider = replica.provider as Provider
    // y-webrtc opens the room once it has derived the room key.
    await eventually(() => expect(provider.room !== null && provider.signalingConns[0]?.connected).toBe(true), 10_000)
    const room = provider.room!
    // A connection that connected but never syncs makes the replica's watchdog disconnect and
    // connect again, which gives it a new signaling connection (this replica was its only user).
    const peer = { send() {}, on() {}, listeners: () => [], removeAllListeners() {}, destroy() {} }
    room.webrtcConns.set('never-syncs', { connected: true, synced: false, peer, destroy() {} })
    await eventually(() => expect(provider.signalingConns.length).toBeGreaterThan(1), 10_000, 50)
    room.webrtcConns.delete('never-syncs')
    const fresh = provider.signalingConns.at(-1)!
    await eventually(() => expect(fresh.connected).toBe(true), 10_000)

    // An insider's answer for a connection the replica does not have: y-webrtc would read the
    // connection's glareToken from undefined, a TypeError in a promise nobody awaits.
    const topic = roomName(SPACE)
    const key = await roomKey(roomPassword(SPACE), topic)
    const answer = await encryptJson({ type: 'signal', from: 'ghost', to: room.peerId, signal: { type: 'answer', sdp: 'x' } }, key)
    const insider = new WebSocket(signal.url)
    cleanup.push(async () => insider.close())
    await new Promise((done) => insider.once('open', done))
    insider.send(JSON.stringify({ type: 'subscribe', topics: [topic] }))
    const before = replica.rejectedMessages
    await eventually(
      () => {
        insider.send(JSON.stringify({ type: 'publish', topic, data: answer }))
        expect(replica.rejectedMessages).toBeGreaterThan(before)
      },
      10_000,
      250,
    ) // under the server's rate limit
  })

  it('refuses a second replica of one space in one process with a RoomInUseError, until the first closes', async () => {
    const first = await yjsReplica({ spaceId: SPACE, signaling: [] })
    const second = yjsReplica({ spaceId: SPACE, signaling: [] })
    await expect(second).rejects.toBeInstanceOf(RoomInUseError)
    await expect(second).rejects.toMatchObject({ name: 'RoomInUseError', code: 'ROOM_IN_USE', spaceId: SPACE })
    await first.close()
    const third = await yjsReplica({ spaceId: SPACE, signaling: [] })
    await third.close()
  })
})
