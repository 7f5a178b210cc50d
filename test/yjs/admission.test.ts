/**
 * adapters/yjs/admission.ts against a stand-in for y-webrtc's signaling connection: what reaches
 * y-webrtc's listener, in order, and what is refused. The end-to-end attack is in
 * signaling-attacks.test.ts.
 */
import { describe, expect, it } from 'vitest'
import { admission } from '../../adapters/yjs/admission.js'
import { eventually } from '../../testing/index.js'
import { encryptJson, roomKey } from '../support/y-webrtc-crypto.js'

const ROOM = 'townhall-room'
const ME = 'me'

/** A signaling connection whose one listener plays y-webrtc: it opens a (pending) connection per announce. */
function setup(maxPendingPerSender = 2) {
  const conns = new Map<string, { connected: boolean }>()
  const seen: Array<Record<string, unknown>> = []
  const refused: string[] = []
  const yWebrtc = (message: unknown) => {
    seen.push(message as Record<string, unknown>)
    const from = (message as { from?: string }).from
    if (from) conns.set(from, { connected: false })
  }
  const conn = { _observers: new Map([['message', new Set([yWebrtc as (...args: unknown[]) => void])]]) }
  const emit = (message: unknown) => [...conn._observers.get('message')!].forEach((listener) => listener(message))
  const keyPromise = roomKey('password', ROOM)
  const admit = admission({
    roomName: ROOM,
    key: keyPromise,
    peerId: () => ME,
    conns: () => conns,
    maxPendingPerSender,
    onRefused: (why) => refused.push(why),
  })
  admit.install([conn])
  /** Publishes `data` from `sender`, with the plaintext `from` kept beside it so the stand-in can track it. */
  const publish = async (data: Record<string, unknown>, sender: string) =>
    emit({ type: 'publish', topic: ROOM, data: await encryptJson(data, await keyPromise), sender, from: data.from })
  return { conns, seen, refused, emit, publish, admit, ready: keyPromise }
}

/** Waits until `count` messages of the room have been decided: let through or refused. */
const decided = (state: { seen: unknown[]; refused: unknown[] }, count: number) =>
  eventually(() => expect(state.seen.length + state.refused.length).toBeGreaterThanOrEqual(count))

describe('admission of signaling messages', () => {
  it('lets through messages of other topics and types untouched, at once', () => {
    const { seen, emit } = setup()
    emit({ type: 'publish', topic: 'another-room', data: 'x' })
    emit({ type: 'pong' })
    expect(seen).toEqual([{ type: 'publish', topic: 'another-room', data: 'x' }, { type: 'pong' }])
  })

  it('drops a message of the room that does not decrypt, and counts it', async () => {
    const { seen, refused, emit, ready } = setup()
    await ready
    emit({ type: 'publish', topic: ROOM, data: 'bm90IGNpcGhlcnRleHQ=', sender: 'a' })
    emit({ type: 'publish', topic: ROOM, data: 42, sender: 'a' })
    await eventually(() => expect(refused).toHaveLength(2))
    expect(seen).toEqual([])
    expect(refused).toEqual(['signaling message that does not decrypt', 'signaling message that does not decrypt'])
  })

  it('refuses announces from an address with its share of unanswered connections, not from others', async () => {
    const state = setup(2)
    const { seen, refused, publish, conns } = state
    for (const from of ['fake-1', 'fake-2', 'fake-3']) await publish({ type: 'announce', from }, 'attacker')
    await publish({ type: 'announce', from: 'honest' }, 'elsewhere')
    // An offer from a new peer id opens a connection too, and counts the same way.
    await publish({ type: 'signal', from: 'fake-4', to: ME, signal: { type: 'offer' } }, 'attacker')
    await decided(state, 5)
    expect(seen.map((message) => message.from)).toEqual(['fake-1', 'fake-2', 'honest'])
    expect(refused).toHaveLength(2)
    // Once one of its connections connects, the address has room again.
    conns.get('fake-1')!.connected = true
    await publish({ type: 'announce', from: 'fake-5' }, 'attacker')
    await decided(state, 6)
    expect(seen.map((message) => message.from)).toEqual(['fake-1', 'fake-2', 'honest', 'fake-5'])
  })

  it('lets through messages for a connection that exists, and without a sender tag', async () => {
    const state = setup(1)
    const { seen, publish, conns } = state
    conns.set('known', { connected: false })
    await publish({ type: 'announce', from: 'first' }, 'attacker')
    await publish({ type: 'signal', from: 'known', to: ME, signal: { type: 'answer' } }, 'attacker')
    await publish({ type: 'announce', from: 'untagged' }, undefined as unknown as string)
    await decided(state, 3)
    expect(seen.map((message) => message.from)).toEqual(['first', 'known', 'untagged'])
  })

  it('stops filtering once uninstalled', async () => {
    const { seen, admit, emit } = setup()
    admit.uninstall()
    emit({ type: 'publish', topic: ROOM, data: 'not ciphertext', sender: 'a' })
    expect(seen).toHaveLength(1)
  })
})
