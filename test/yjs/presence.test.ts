/** Signed presence: nobody appears online as someone else, replays and stale entries drop out. */
import { afterEach, describe, expect, it } from 'vitest'
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { signedPresence, type SignedPresence } from '../../adapters/yjs/presence.js'
import { createIdentity, type Identity } from '../../core/index.js'
import { eventually } from '../../testing/index.js'

const SPACE = 'space-a'
const cleanup: Array<() => void> = []
afterEach(() => cleanup.splice(0).forEach((fn) => fn()))

function device(identity?: Identity, options: { spaceId?: string; now?: () => number } = {}) {
  const doc = new Y.Doc()
  const awareness = new Awareness(doc)
  const presence = signedPresence({
    awareness,
    spaceId: options.spaceId ?? SPACE,
    ...(identity ? { identity } : {}),
    ...(options.now ? { now: options.now } : {}),
  })
  cleanup.push(() => {
    presence.close()
    awareness.destroy()
    doc.destroy()
  })
  return { doc, awareness, presence }
}

/** What a peer's awareness message carries: every state it knows, as y-webrtc sends it. */
function relay(from: Awareness, to: Awareness, clients = [...from.getStates().keys()]): void {
  applyAwarenessUpdate(to, encodeAwarenessUpdate(from, clients), 'peer')
}

const dids = (presence: SignedPresence) => presence.get().map((peer) => peer.did)

describe('signed presence', () => {
  it('shows a peer that signed its entry, with its state', async () => {
    const alice = await createIdentity()
    const bob = await createIdentity()
    const a = device(alice)
    const b = device(bob)
    await b.presence.set({ name: 'Bob' })
    relay(b.awareness, a.awareness)
    await eventually(() => expect(a.presence.get().find((peer) => peer.did === bob.did)?.state).toEqual({ name: 'Bob' }))
    expect(a.presence.forged).toBe(0)
  })

  it('drops entries that claim another member without their signature', async () => {
    const bob = await createIdentity()
    const a = device(await createIdentity())
    const mallory = device()
    mallory.awareness.setLocalStateField('townhall', { did: bob.did, state: { name: 'Bob' }, ts: Date.now(), sig: 'AAAA' })
    relay(mallory.awareness, a.awareness)
    await eventually(() => expect(a.presence.forged).toBe(1))
    expect(dids(a.presence)).not.toContain(bob.did)
  })

  it('refuses a genuine entry replayed under another client id, or from another space', async () => {
    const bob = await createIdentity()
    const a = device(await createIdentity())
    const b = device(bob)
    await b.presence.set({ name: 'Bob' })
    const genuine = b.awareness.getLocalState()!.townhall
    // Mallory copies Bob's signed entry into her own awareness state (a different client id).
    const mallory = device()
    mallory.awareness.setLocalStateField('townhall', genuine)
    relay(mallory.awareness, a.awareness)
    await eventually(() => expect(a.presence.forged).toBe(1))
    expect(dids(a.presence)).not.toContain(bob.did)
    // Bob's entry for another space does not count in this one.
    const elsewhere = device(bob, { spaceId: 'space-b' })
    await elsewhere.presence.set({ name: 'Bob' })
    relay(elsewhere.awareness, a.awareness)
    await eventually(() => expect(a.presence.forged).toBe(2))
    expect(dids(a.presence)).not.toContain(bob.did)
  })

  it('lets entries expire when their signer stops refreshing them, and drops removed clients', async () => {
    let clock = 1_000_000
    const now = () => clock
    const bob = await createIdentity()
    const carol = await createIdentity()
    const a = device(await createIdentity(), { now })
    const b = device(bob, { now })
    const c = device(carol, { now })
    await b.presence.set({})
    await c.presence.set({})
    relay(b.awareness, a.awareness)
    relay(c.awareness, a.awareness)
    await eventually(() => expect(dids(a.presence).sort()).toEqual([bob.did, carol.did].sort()))
    clock += 60_000 // past the default 45 s: neither refreshed
    expect(dids(a.presence)).toEqual([])
    await c.presence.set({ back: true })
    relay(c.awareness, a.awareness)
    await eventually(() => expect(dids(a.presence)).toEqual([carol.did]))
    removeAwarenessStates(a.awareness, [c.doc.clientID], 'peer')
    await eventually(() => expect(dids(a.presence)).toEqual([]))
  })

  it('tells the caller to pass an identity before publishing', async () => {
    const { presence } = device()
    await expect(presence.set({})).rejects.toThrow(/identity/)
  })
})
