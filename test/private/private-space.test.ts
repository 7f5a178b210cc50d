/**
 * Private spaces on the reference replica: what replicas hold is sealed, members read it, a removed
 * member reads nothing published after the rotation their removal starts, and every kind of bad
 * sealed input is refused with its reason while honest views stay as they were.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { createIdentity, signRecord, Space, type Identity, type RejectionReason } from '../../core/index.js'
import { memoryNetwork } from '../../testing/memory-network.js'
import { randomBytes } from '../../core/bytes.js'
import { sealFrame } from '../../core/private/frame.js'
import { epochZeroKey } from '../../core/private/keyring.js'
import { sealKeyTo } from '../../core/private/key-box.js'
import { snapshot } from '../helpers.js'

interface Member {
  readonly identity: Identity
  readonly space: Space
}

const opened: Space[] = []
afterEach(async () => {
  for (const space of opened.splice(0)) await space.close()
})

async function privateWorld() {
  const network = memoryNetwork({ mode: 'manual' })
  const secret = randomBytes(32)
  const identity = await createIdentity()
  const space = await Space.create({
    identity,
    name: 'Garden club',
    description: 'seeds and soil',
    secret,
    keyRotationDelayMs: 0,
    replica: (id) => network.replica(id, { peerId: 'founder' }),
  })
  opened.push(space)
  const founder: Member = { identity, space }
  const settle = async () => {
    for (let round = 0; round < 50; round++) {
      await network.flush()
      await Promise.all(opened.map((s) => s.idle()))
      if (network.inFlight === 0) return
    }
    throw new Error('network did not settle')
  }
  const open = async (peerId: string, withSecret = true): Promise<Member> => {
    const member = await createIdentity()
    const peer = await Space.open({
      id: space.id,
      identity: member,
      keyRotationDelayMs: 0,
      replica: network.replica(space.id, { peerId }),
      ...(withSecret ? { secret } : {}),
    })
    opened.push(peer)
    await settle()
    return { identity: member, space: peer }
  }
  const join = async (peerId: string) => {
    const member = await open(peerId)
    await member.space.join()
    await settle()
    return member
  }
  return { network, secret, founder, settle, open, join }
}

/** Every value a memory replica holds, as one string of bytes, to search for plain text. */
async function heldBytes(space: Space): Promise<string> {
  const inner = (space as unknown as { sealing: { replica: { inner: { getAll(): Promise<{ bytes: unknown }[]> } } } }).sealing.replica.inner
  const entries = await inner.getAll()
  return entries.map((entry) => (entry.bytes instanceof Uint8Array ? Buffer.from(entry.bytes).toString('latin1') : '')).join('\n')
}

const texts = (member: Member) =>
  member.space
    .getFeed()
    .map((item) => item.text)
    .sort()

describe('private spaces', () => {
  it('seal everything a replica holds: no text, name, option or did in plain form', async () => {
    const w = await privateWorld()
    const alice = await w.join('alice')
    await w.founder.space.setProfile({ name: 'Rosalind' })
    await alice.space.post('tomatoes need sun')
    const poll = await w.founder.space.createPoll({ question: 'Which compost?', options: ['Bokashi', 'Worms'], method: 'plurality' })
    await w.settle()
    await alice.space.castBallot(poll.id, 1)
    await w.settle()
    expect(texts(w.founder)).toEqual(['tomatoes need sun'])
    expect(w.founder.space.getPoll(poll.id)?.turnout).toBe(1)
    const secrets = ['tomatoes need sun', 'Rosalind', 'Garden club', 'seeds and soil', 'Which compost?', 'Bokashi', 'Worms', 'plurality']
    const dids = [w.founder.identity.did, alice.identity.did].map((did) => did.slice('did:key:'.length))
    for (const member of [w.founder, alice]) {
      const held = await heldBytes(member.space)
      expect(held.length).toBeGreaterThan(0)
      for (const needle of [...secrets, ...dids]) expect(held.includes(needle), needle).toBe(false)
      // Nor the raw 32-byte public keys the did:keys encode.
      for (const identity of [w.founder.identity, alice.identity]) {
        expect(held.includes(Buffer.from(identity.publicKey).toString('latin1'))).toBe(false)
      }
    }
  })

  it('reads nothing without the share link secret', async () => {
    const w = await privateWorld()
    await w.founder.space.post('members only')
    const outsider = await w.open('outsider', false)
    expect(outsider.space.getInfo()).toBeUndefined()
    expect(outsider.space.getFeed()).toEqual([])
    expect(outsider.space.getRejections().byReason['unknown-epoch']).toBeGreaterThanOrEqual(2)
    expect(outsider.space.getPrivacy().waiting).toBeGreaterThanOrEqual(2)
  })

  it('a removed member reads nothing published after the removal; the others converge', async () => {
    const w = await privateWorld()
    const alice = await w.join('alice')
    const bob = await w.join('bob')
    await w.founder.space.post('before')
    await w.settle()
    await w.founder.space.revokeRole(bob.identity.did)
    await w.settle()
    expect(w.founder.space.getPrivacy().epoch).toBe(1)
    expect(alice.space.getPrivacy().epoch).toBe(1)
    await w.founder.space.post('after')
    await alice.space.post('alice after')
    await w.founder.space.createPoll({ question: 'Secret plans?', options: ['Yes', 'No'], method: 'plurality' })
    await w.settle()
    expect(texts(alice)).toEqual(['after', 'alice after', 'before'])
    expect(snapshot(alice.space)).toEqual(snapshot(w.founder.space))
    expect(texts(bob)).toEqual(['before'])
    expect(bob.space.getPolls()).toEqual([])
    expect(bob.space.getPrivacy().epochs).toEqual([0])
    expect(bob.space.getRejections().byReason['unknown-epoch']).toBeGreaterThanOrEqual(3)
  })

  it('a member who joins after a rotation reads the whole history once an admin rotates again', async () => {
    const w = await privateWorld()
    const bob = await w.join('bob')
    await w.founder.space.revokeRole(bob.identity.did)
    await w.founder.space.post('in epoch one')
    await w.settle()
    const carol = await w.join('carol')
    await w.settle()
    expect(w.founder.space.getPrivacy().epoch).toBe(2)
    expect(texts(carol)).toEqual(['in epoch one'])
    expect(carol.space.getPrivacy().epochs).toEqual([0, 1, 2])
    expect(texts(bob)).toEqual([])
  })
})

describe('bad sealed input', () => {
  async function twoMembers() {
    const w = await privateWorld()
    const alice = await w.join('alice')
    await w.founder.space.post('a valid post')
    await w.settle()
    return { w, alice }
  }

  /** Injects values into every honest peer; each is refused for `reason`, views untouched. */
  async function expectRefused(w: Awaited<ReturnType<typeof privateWorld>>, members: Member[], values: unknown[], reason: RejectionReason) {
    const before = members.map((m) => snapshot(m.space))
    const counts = members.map((m) => m.space.getRejections().byReason[reason] ?? 0)
    for (const peer of w.network.peers) w.network.inject(peer, values)
    await w.settle()
    members.forEach((m, i) => {
      expect({ ...snapshot(m.space), held: [] }).toEqual({ ...before[i]!, held: [] })
      expect(m.space.getRejections().byReason[reason]).toBe(counts[i]! + values.length)
    })
  }

  const signedPost = async (member: Member, text: string) =>
    signRecord(member.identity, {
      kind: 'post',
      space: CID.parse(member.space.id),
      hlc: [Date.now(), 0],
      refs: member.space
        .getRecords()
        .map((r) => r.cid)
        .slice(0, 8),
      body: { text },
    })

  it('refuses tampered ciphertext', async () => {
    const { w, alice } = await twoMembers()
    const frame = sealFrame(epochZeroKey(w.secret), 0, (await signedPost(alice, 'tampered')).bytes)
    frame[frame.length - 20]! ^= 0x01
    await expectRefused(w, [w.founder, alice], [frame], 'bad-ciphertext')
  })

  it('refuses a frame under a key the epoch does not have, and one under an unknown epoch', async () => {
    const { w, alice } = await twoMembers()
    const wrongKey = sealFrame(randomBytes(32), 0, (await signedPost(alice, 'wrong key')).bytes)
    await expectRefused(w, [w.founder, alice], [wrongKey], 'bad-ciphertext')
    const unknown = sealFrame(randomBytes(32), 7, (await signedPost(alice, 'unknown epoch')).bytes)
    await expectRefused(w, [w.founder, alice], [unknown], 'unknown-epoch')
  })

  it('refuses a plain record in a private space', async () => {
    const { w, alice } = await twoMembers()
    await expectRefused(w, [w.founder, alice], [(await signedPost(alice, 'in the clear')).bytes], 'wrong-privacy')
  })

  it('refuses a rotation signed by a member who is not an admin', async () => {
    const { w, alice } = await twoMembers()
    const key = randomBytes(32)
    const box = await sealKeyTo(alice.identity.did, key, { space: w.founder.space.id, epoch: 1 })
    const record = await signRecord(alice.identity, {
      kind: 'epoch',
      space: CID.parse(w.founder.space.id),
      hlc: [Date.now(), 0],
      refs: alice.space
        .getRecords()
        .map((r) => r.cid)
        .slice(0, 8),
      body: { n: 1, keys: [{ m: alice.identity.did, b: box! }] },
    })
    await expectRefused(w, [w.founder, alice], [sealFrame(epochZeroKey(w.secret), 0, record.bytes)], 'not-authorized')
    expect(w.founder.space.getPrivacy().epoch).toBe(0)
  })

  it('a key sealed to the wrong member: that member says so, the record stands for the others', async () => {
    const { w, alice } = await twoMembers()
    const bob = await w.join('bob')
    const key = randomBytes(32)
    const space = w.founder.space.id
    const keys = [
      { m: w.founder.identity.did, b: (await sealKeyTo(w.founder.identity.did, key, { space, epoch: 1 }))! },
      { m: alice.identity.did, b: (await sealKeyTo(alice.identity.did, key, { space, epoch: 1 }))! },
      // Labelled for bob, sealed to alice.
      { m: bob.identity.did, b: (await sealKeyTo(alice.identity.did, key, { space, epoch: 1 }))! },
    ].sort((a, b) => (a.m < b.m ? -1 : 1))
    await w.founder.space.publish('epoch', { n: 1, keys })
    await w.settle()
    expect(bob.space.getRejections().byReason['bad-key-box']).toBe(1)
    expect(bob.space.getPrivacy().epochs).toEqual([0])
    expect(alice.space.getPrivacy().epochs).toEqual([0, 1])
    expect(alice.space.getRejections().byReason['bad-key-box']).toBeUndefined()
  })
})
