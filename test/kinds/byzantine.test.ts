/**
 * A Byzantine peer against an app-defined kind: every record it sends is refused with its reason,
 * honest peers' views (core's and the app's) stay as they were, and nothing throws.
 */
import { decode } from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createIdentity, encode, signRecord, Space, type Identity, type RejectionReason, type SignedRecord } from '../../core/index.js'
import { memoryNetwork } from '../../testing/index.js'
import { seenBy, snapshot, world, type Peer, type World } from '../helpers.js'
import { calendar, event, eventKinds, guests, rsvp } from './events.js'

let w: World
let honest: Peer
let mallory: Identity
let spaceCid: CID
let picnic: SignedRecord

beforeEach(async () => {
  // Public: the hostile peer injects plain records, as in test/byzantine/records.test.ts.
  w = await world({ policy: 'invite-only', visibility: 'public', kinds: eventKinds })
  honest = await w.join()
  await w.founder.space.grantRole(honest.identity.did, 'member')
  picnic = await w.founder.space.publish(event, { title: 'Picnic' })
  await w.settle()
  await honest.space.publish(rsvp, { event: picnic.cid, answer: 'going' }, [picnic.cid])
  await w.settle()
  mallory = await createIdentity()
  spaceCid = CID.parse(w.founder.space.id)
})
afterEach(() => w.close())

const views = (space: Space) => ({ ...snapshot(space), held: [], guests: space.getView(guests), calendar: space.getView(calendar) })

/** Injects values into every honest peer; each is refused for `reason` (held, for an authorization) and no view moves. */
async function expectRefused(values: Uint8Array[], reason: RejectionReason) {
  const before = w.peers.map((peer) => views(peer.space))
  const counts = w.peers.map((peer) => peer.space.getRejections().byReason[reason] ?? 0)
  for (const peer of w.network.peers) w.network.inject(peer, values, 'mallory')
  await w.settle()
  w.peers.forEach((peer, i) => {
    expect(views(peer.space)).toEqual(before[i])
    expect(peer.space.getRejections().byReason[reason]).toBe(counts[i]! + values.length)
  })
}

const sign = (identity: Identity, kind: string, body: unknown, refs: CID[] = seenBy(w.founder.space)) =>
  signRecord(identity, { kind, space: spaceCid, hlc: [Date.now(), 0], refs, body })

describe('Byzantine records of an app kind', () => {
  it('refuses bodies that do not match the kind schema', async () => {
    const bad = [
      await sign(w.founder.identity, rsvp.name, { event: picnic.cid, answer: 'perhaps' }),
      await sign(w.founder.identity, rsvp.name, { event: picnic.cid, answer: 'going', plusOne: true }),
      await sign(w.founder.identity, event.name, { title: 'x'.repeat(101) }),
    ]
    await expectRefused(
      bad.map((r) => r.bytes),
      'schema',
    )
  })

  it('holds records whose author lacked the rule in their causal past', async () => {
    // A member is not a moderator; a stranger is not a member of this invite-only space.
    const byMember = await sign(honest.identity, event.name, { title: 'Mine' })
    const byStranger = await sign(mallory, rsvp.name, { event: picnic.cid, answer: 'going' })
    await expectRefused([byMember.bytes, byStranger.bytes], 'not-authorized')
    for (const peer of w.peers) {
      expect(peer.space.getHeld().get(byMember.id)?.reason).toBe('not-authorized')
      expect(peer.space.getHeld().get(byStranger.id)?.reason).toBe('not-authorized')
    }
  })

  it('holds an rsvp that names something other than an event, with the rule reason', async () => {
    const post = await w.founder.space.post('not an event')
    await w.settle()
    const odd = await sign(honest.identity, rsvp.name, { event: post.cid, answer: 'going' })
    await expectRefused([odd.bytes], 'invalid-reference')
  })

  it('refuses forged signatures and a body changed after signing', async () => {
    const real = honest.space.getRecords().find((record) => record.kind === rsvp.name)!
    const wire = decode(real.bytes) as Record<string, unknown>
    const forged = encode({ ...wire, x: new Uint8Array(64).fill(7) })
    const changed = encode({ ...wire, b: { event: picnic.cid, answer: 'no' } })
    const impersonated = encode({
      ...(decode((await sign(mallory, rsvp.name, { event: picnic.cid, answer: 'no' })).bytes) as object),
      a: wire.a,
    })
    await expectRefused([forged, changed, impersonated], 'bad-signature')
  })

  it('refuses records replayed from another space, and counts a record replayed here once', async () => {
    const network = memoryNetwork()
    const other = await Space.create({
      identity: w.founder.identity,
      name: 'Elsewhere',
      visibility: 'public',
      kinds: eventKinds,
      replica: (id) => network.replica(id),
    })
    const elsewhere = await other.publish(event, { title: 'Picnic' })
    await other.close()
    await expectRefused([elsewhere.bytes], 'wrong-space')

    const real = honest.space.getRecords().find((record) => record.kind === rsvp.name)!
    const before = w.peers.map((peer) => ({ views: views(peer.space), rejections: peer.space.getRejections().total }))
    for (const peer of w.network.peers) w.network.inject(peer, [real.bytes, real.bytes, real.bytes], 'mallory')
    await w.settle()
    w.peers.forEach((peer, i) => expect({ views: views(peer.space), rejections: peer.space.getRejections().total }).toEqual(before[i]))
  })
})
