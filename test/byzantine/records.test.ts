/**
 * A Byzantine peer sends everything it can think of. Each attempt must be rejected with the right
 * reason, leave honest peers' views exactly as they were, and never throw out of the replica path.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { decode } from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { createIdentity, ed25519Backend, encode, signRecord, type Identity, type RejectionReason } from '../../core/index.js'
import { inviteProofMessage } from '../../core/invite.js'
import { concatBytes, utf8 } from '../../core/bytes.js'
import { snapshot, world, type Peer, type World } from '../helpers.js'

let w: World
let honest: Peer
let mallory: Identity
let spaceCid: CID

beforeEach(async () => {
  w = await world({ policy: 'invite-only', visibility: 'public' })
  honest = await w.join()
  await w.founder.space.grantRole(honest.identity.did, 'member')
  await w.founder.space.post('a valid post')
  await w.settle()
  mallory = await createIdentity()
  spaceCid = CID.parse(w.founder.space.id)
})
afterEach(() => w.close())

const at = (wall: number) => [Date.now() + wall, 0] as const

/** Injects values into every honest peer and checks each is rejected for `reason` with views untouched. */
async function expectRejected(values: unknown[], reason: RejectionReason) {
  const before = w.peers.map((peer) => snapshot(peer.space))
  const counts = w.peers.map((peer) => peer.space.getRejections().byReason[reason] ?? 0)
  for (const peer of w.network.peers) w.network.inject(peer, values)
  await w.settle()
  w.peers.forEach((peer, i) => {
    const after = snapshot(peer.space)
    expect({ ...after, held: [] }).toEqual({ ...before[i]!, held: [] })
    expect(peer.space.getRejections().byReason[reason]).toBe(counts[i]! + values.length)
  })
}

const post = (identity: Identity, text = 'hi', space: CID | null = spaceCid) =>
  signRecord(identity, { kind: 'post', space, hlc: at(0), refs: [], body: { text } })

describe('Byzantine records', () => {
  it('rejects a forged signature', async () => {
    const record = await post(w.founder.identity)
    const wire = decode(record.bytes) as Record<string, unknown>
    const forged = encode({ ...wire, x: new Uint8Array(64).fill(1) })
    await expectRejected([forged], 'bad-signature')
  })

  it('rejects a tampered body', async () => {
    const record = await post(w.founder.identity, 'original')
    const wire = decode(record.bytes) as Record<string, unknown>
    await expectRejected([encode({ ...wire, b: { text: 'tampered' } })], 'bad-signature')
  })

  it('rejects a record replayed from another space', async () => {
    const other = await world({ visibility: 'public' })
    const record = await other.founder.space.post('from elsewhere')
    await other.close()
    await expectRejected([record.bytes], 'wrong-space')
  })

  it('rejects a record claiming another author', async () => {
    const wire = { v: 2, k: 'post', s: spaceCid, a: w.founder.identity.publicKey, t: [...at(0)], r: [], b: { text: 'I am the founder' } }
    const signature = await mallory.sign(concatBytes(utf8('townhall/record/v2\n'), encode(wire)))
    await expectRejected([encode({ ...wire, x: signature })], 'bad-signature')
  })

  it('holds a role grant by a non-admin and keeps roles unchanged', async () => {
    const grant = await signRecord(honest.identity, {
      kind: 'role',
      space: spaceCid,
      hlc: at(1),
      refs: [],
      body: { member: honest.identity.did, role: 'admin' },
    })
    await expectRejected([grant.bytes], 'not-authorized')
    for (const peer of w.peers) {
      expect(peer.space.getRole(honest.identity.did)).toBe('member')
      expect(peer.space.getHeld().get(grant.id)?.detail).toMatch(/needs admin/)
    }
  })

  it('holds a post by a non-member of an invite-only space', async () => {
    const record = await post(mallory, 'spam')
    await expectRejected([record.bytes], 'not-authorized')
  })

  it('rejects an invite reused past its limit', async () => {
    const invite = await w.founder.space.createInvite({ maxUses: 1 })
    await w.settle()
    const backend = await ed25519Backend()
    const inviteCid = CID.parse(invite.id)
    const joinAs = async (identity: Identity, wall: number) => {
      const key = (await import('../../core/did.js')).didFromPublicKey(await backend.publicKey(invite.secret))
      const proof = await backend.sign(invite.secret, inviteProofMessage(spaceCid, inviteCid, identity.did))
      return signRecord(identity, {
        kind: 'join',
        space: spaceCid,
        hlc: at(wall),
        refs: [inviteCid],
        body: { invite: inviteCid, key, proof },
      })
    }
    const first = await joinAs(await createIdentity(), 10)
    for (const peer of w.network.peers) w.network.inject(peer, [first.bytes])
    await w.settle()
    await expectRejected([(await joinAs(mallory, 20)).bytes], 'not-authorized')
    expect(honest.space.getRole(mallory.did)).toBeNull()
  })

  it('rejects a join whose invite proof was forged', async () => {
    const invite = await w.founder.space.createInvite()
    await w.settle()
    const inviteCid = CID.parse(invite.id)
    const key = w.founder.space.getInvites().get(invite.id)!.record.body.key
    const join = await signRecord(mallory, {
      kind: 'join',
      space: spaceCid,
      hlc: at(1),
      refs: [],
      body: { invite: inviteCid, key, proof: new Uint8Array(64).fill(9) },
    })
    await expectRejected([join.bytes], 'bad-signature')
  })

  it('rejects an oversized record before parsing it', async () => {
    const record = await post(w.founder.identity, 'x'.repeat(4000))
    await expectRejected([concatBytes(record.bytes, new Uint8Array(70_000))], 'too-large')
    await expectRejected([new Uint8Array(2 * 1024 * 1024)], 'too-large')
  })

  it('rejects truncated and random bytes', async () => {
    const record = await post(w.founder.identity)
    const random = Array.from({ length: 20 }, (_, i) => Uint8Array.from({ length: 10 + i * 13 }, (_, j) => (i * 31 + j * 17) & 0xff))
    await expectRejected([record.bytes.subarray(0, record.bytes.length - 1), record.bytes.subarray(0, 5), ...random], 'malformed')
  })

  it('rejects deeply nested and huge-claiming dag-cbor without exhausting the stack', async () => {
    const nestedArrays = concatBytes(new Uint8Array(50_000).fill(0x81), new Uint8Array([0x00]))
    const nestedMaps = concatBytes(...Array.from({ length: 5000 }, () => new Uint8Array([0xa1, 0x61, 0x61])), new Uint8Array([0x00]))
    const hugeArray = new Uint8Array([0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    const hugeBytes = new Uint8Array([0x5b, 0, 0, 0, 1, 0, 0, 0, 0, 0])
    await expectRejected([nestedArrays, nestedMaps, hugeArray, hugeBytes], 'malformed')
  })

  it('rejects well-formed dag-cbor that is not a record', async () => {
    await expectRejected([encode({ hello: 'world' }), encode(Array.from({ length: 5000 }, (_, i) => i))], 'schema')
  })

  it('rejects unknown kinds and bodies that do not match their schema', async () => {
    const unknown = await signRecord(w.founder.identity, { kind: 'teleport', space: spaceCid, hlc: at(0), refs: [], body: {} })
    await expectRejected([unknown.bytes], 'unknown-kind')
    const extra = await signRecord(w.founder.identity, {
      kind: 'post',
      space: spaceCid,
      hlc: at(0),
      refs: [],
      body: { text: 'hi', admin: true },
    })
    const wrongType = await signRecord(w.founder.identity, { kind: 'post', space: spaceCid, hlc: at(0), refs: [], body: { text: 42 } })
    await expectRejected([extra.bytes, wrongType.bytes], 'schema')
  })

  it('rejects an entry stored under an id that is not its content hash', async () => {
    const record = await post(w.founder.identity)
    const change = await honest.space.ingest([{ bytes: record.bytes, claimedId: w.founder.space.id, source: 'mallory' }])
    expect(change.rejected.map((r) => r.reason)).toEqual(['id-mismatch'])
    expect(honest.space.hasRecord(record.id)).toBe(false)
  })

  it("ignores an edit or retraction of someone else's post", async () => {
    const target = w.founder.space.getFeed()[0]!
    const edit = await signRecord(honest.identity, {
      kind: 'edit',
      space: spaceCid,
      hlc: at(1),
      refs: [],
      body: { post: CID.parse(target.id), text: 'defaced' },
    })
    const retract = await signRecord(honest.identity, {
      kind: 'retract',
      space: spaceCid,
      hlc: at(1),
      refs: [],
      body: { post: CID.parse(target.id) },
    })
    await expectRejected([edit.bytes, retract.bytes], 'invalid-reference')
    expect(honest.space.getFeed()[0]!.text).toBe('a valid post')
  })

  it('rejects a second genesis and any genesis of another space', async () => {
    const genesis = await signRecord(mallory, {
      kind: 'space',
      space: null,
      hlc: at(0),
      refs: [],
      body: { name: 'evil', description: '', policy: 'open', nonce: new Uint8Array(16) },
    })
    await expectRejected([genesis.bytes], 'foreign-genesis')
  })
})
