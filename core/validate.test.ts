import * as dagCbor from '@ipld/dag-cbor'
import { encode as cborgEncode, type Token } from 'cborg'
import type { CID } from 'multiformats/cid'
import { beforeAll, describe, expect, it } from 'vitest'
import { decodeUntrusted, encode } from './codec.js'
import { identityFromSecretKey, type Identity } from './identity.js'
import { inviteKeyPair, signInviteProof } from './invite.js'
import { bodies } from './kinds.js'
import { DEFAULT_MAX_RECORD_BYTES, recordCid, signRecord, type SignedRecord } from './record.js'
import type { Validator } from './schema.js'
import { validateEntry, type Validation, type ValidationContext } from './validate.js'

let founder: Identity
let alice: Identity
let genesis: SignedRecord
let otherGenesis: SignedRecord
let post: SignedRecord

const schemas: ReadonlyMap<string, Validator<unknown>> = new Map(Object.entries(bodies))

const context = (known: readonly string[] = [], spaceCid?: CID): ValidationContext => ({
  spaceCid: spaceCid ?? genesis.cid,
  maxBytes: DEFAULT_MAX_RECORD_BYTES,
  schemas,
  isKnown: (id) => known.includes(id),
})

const reasonOf = (validation: Validation) =>
  validation.ok === true ? 'ok' : validation.ok === 'duplicate' ? 'duplicate' : validation.rejection.reason

const make = (author: Identity, kind: string, body: unknown, space: CID | null = genesis.cid) =>
  signRecord(author, { kind, space, hlc: [100, 0], refs: [], body })

beforeAll(async () => {
  founder = await identityFromSecretKey(new Uint8Array(32).fill(1))
  alice = await identityFromSecretKey(new Uint8Array(32).fill(2))
  const spaceBody = (n: number) => ({ name: 'S', description: '', policy: 'invite-only', nonce: new Uint8Array(16).fill(n) })
  genesis = await signRecord(founder, { kind: 'space', space: null, hlc: [1, 0], refs: [], body: spaceBody(1) })
  otherGenesis = await signRecord(founder, { kind: 'space', space: null, hlc: [1, 0], refs: [], body: spaceBody(2) })
  post = await make(alice, 'post', { text: 'hello' })
})

describe('validateEntry', () => {
  it("accepts this space's genesis and a valid record, returning the validated record with its id", async () => {
    const g = await validateEntry(genesis.bytes, context())
    expect(g.ok === true && g.value.id).toBe(genesis.id)
    const p = await validateEntry(post.bytes, context())
    expect(p.ok).toBe(true)
    if (p.ok !== true) return
    expect(p.value.id).toBe(post.id)
    expect(p.value.cid.equals(post.cid)).toBe(true)
    expect(p.value.author).toBe(alice.did)
    expect(p.value.body).toEqual({ text: 'hello' })
    expect('signedBytes' in p.value).toBe(false)
  })

  it('takes an id the replica hashed itself as given, and still judges everything else', async () => {
    const p = await validateEntry(post.bytes, context(), { claimedId: post.id, hashed: true })
    expect(p.ok === true && p.value.id).toBe(post.id)
    expect(p.ok === true && p.value.cid.equals(post.cid)).toBe(true)
    expect(reasonOf(await validateEntry(genesis.bytes, context(), { claimedId: genesis.id, hashed: true }))).toBe('ok')
    expect(reasonOf(await validateEntry(otherGenesis.bytes, context(), { claimedId: otherGenesis.id, hashed: true }))).toBe(
      'foreign-genesis',
    )
    expect(reasonOf(await validateEntry(post.bytes, context([post.id]), { claimedId: post.id, hashed: true }))).toBe('duplicate')
    const forged = encode({ ...(decodeUntrusted(post.bytes) as object), x: new Uint8Array(64) })
    expect(reasonOf(await validateEntry(forged, context(), { claimedId: 'bafyanything', hashed: true }))).toBe('bad-signature')
    // The trust is the adapter's to earn (the conformance suite checks it): an id it vouches for is not recomputed.
    const vouched = await validateEntry(post.bytes, context(), { claimedId: genesis.id, hashed: true })
    expect(vouched.ok === true && vouched.value.id).toBe(genesis.id)
  })

  it('reads a record its replica parsed in place, and still checks its signature, size, space and body', async () => {
    const parsed = { claimedId: post.id, hashed: true, wellFormed: true }
    const p = await validateEntry(post.bytes, context(), parsed)
    expect(p.ok === true && p.value.body).toEqual({ text: 'hello' })
    expect(p.ok === true && p.value.author).toBe(alice.did)
    const forged = encode({ ...(decodeUntrusted(post.bytes) as object), x: new Uint8Array(64) })
    expect(reasonOf(await validateEntry(forged, context(), { ...parsed, claimedId: (await recordCid(forged)).toString() }))).toBe(
      'bad-signature',
    )
    const elsewhere = await make(alice, 'post', { text: 'elsewhere' }, otherGenesis.cid)
    expect(reasonOf(await validateEntry(elsewhere.bytes, context(), { ...parsed, claimedId: elsewhere.id }))).toBe('wrong-space')
    const badBody = await make(alice, 'post', { text: 42 })
    expect(reasonOf(await validateEntry(badBody.bytes, context(), { ...parsed, claimedId: badBody.id }))).toBe('schema')
    const small = { ...context(), maxBytes: 10 }
    expect(reasonOf(await validateEntry(post.bytes, small, parsed))).toBe('too-large')
  })

  it('gives the verdict at once, without a promise, where nothing needs awaiting (Node hashes synchronously)', async () => {
    expect(validateEntry(post.bytes, context([post.id]))).toEqual({ ok: 'duplicate', id: post.id })
    expect(validateEntry(post.bytes, context([post.id]), { claimedId: post.id, hashed: true })).toEqual({ ok: 'duplicate', id: post.id })
    expect(validateEntry('text', context())).toMatchObject({ ok: false, rejection: { reason: 'not-bytes' } })
  })

  it('hashes the bytes itself when a replica says it hashed them but gives no id', async () => {
    const p = await validateEntry(post.bytes, context(), { hashed: true })
    expect(p.ok === true && p.value.id).toBe(post.id)
  })

  it('skips the canonical-form check only for bytes vouched for: verified before, or parsed by their replica', async () => {
    // The post re-encoded with its keys in reverse order: the same map, signed the same, but not canonical.
    const wire = dagCbor.decode(post.bytes)
    const keyOf = (entry: (Token | Token[])[]): string => String((Array.isArray(entry[0]) ? entry[0][0] : entry[0])!.value)
    const reversed = cborgEncode(wire, {
      ...dagCbor.encodeOptions,
      mapSorter: (a, b) => (keyOf(a) < keyOf(b) ? 1 : keyOf(a) > keyOf(b) ? -1 : 0),
    })
    const id = (await recordCid(reversed)).toString()
    expect(reasonOf(await validateEntry(reversed, context()))).toBe('malformed')
    expect(reasonOf(await validateEntry(reversed, context(), { claimedId: id, hashed: true }))).toBe('malformed')
    expect(reasonOf(await validateEntry(reversed, context(), { claimedId: id, hashed: true, wellFormed: false }))).toBe('malformed')
    // Why the conformance suite holds a replica to what it vouches for: vouched bytes are not re-checked.
    expect(reasonOf(await validateEntry(reversed, context(), { claimedId: id, hashed: true, wellFormed: true }))).toBe('ok')
    expect(reasonOf(await validateEntry(reversed, { ...context(), isVerified: (listed) => listed === id }))).toBe('ok')
  })

  it('passes parse rejections through, with the source', async () => {
    const notBytes = await validateEntry('text', context(), { source: 'peer-1' })
    expect(notBytes.ok === false && notBytes.rejection).toMatchObject({ reason: 'not-bytes', source: 'peer-1' })
    expect(reasonOf(await validateEntry(new Uint8Array(DEFAULT_MAX_RECORD_BYTES + 1), context()))).toBe('too-large')
    expect(reasonOf(await validateEntry(new Uint8Array([0xff]), context()))).toBe('malformed')
  })

  it('id-mismatch when stored under another id', async () => {
    const result = await validateEntry(post.bytes, context(), { claimedId: genesis.id, source: 'peer-2' })
    expect(result.ok === false && result.rejection).toEqual({
      reason: 'id-mismatch',
      detail: `stored as ${genesis.id} but its content hashes to ${post.id}`,
      id: post.id,
      author: alice.did,
      source: 'peer-2',
    })
    // A replica's key goes into the rejection log cut to 80 characters.
    const long = await validateEntry(post.bytes, context(), { claimedId: 'x'.repeat(500) })
    expect(long.ok === false && long.rejection.detail).toBe(`stored as ${'x'.repeat(80)} but its content hashes to ${post.id}`)
    expect(reasonOf(await validateEntry(post.bytes, context(), { claimedId: post.id }))).toBe('ok')
  })

  it('reports a known id as a duplicate before checking the signature', async () => {
    const wire = decodeUntrusted(post.bytes) as Record<string, unknown>
    const forged = encode({ ...wire, x: new Uint8Array(64) })
    expect(reasonOf(await validateEntry(forged, context()))).toBe('bad-signature')
    const forgedId = (await recordCid(forged)).toString()
    const result = await validateEntry(forged, context([forgedId]))
    expect(result).toEqual({ ok: 'duplicate', id: forgedId })
  })

  it("foreign-genesis for another space's genesis", async () => {
    const other = await validateEntry(otherGenesis.bytes, context())
    expect(other.ok === false && other.rejection).toMatchObject({
      reason: 'foreign-genesis',
      detail: "a genesis record whose id is not this space's id",
    })
    // a genesis record that names a space is not a genesis either
    const named = await make(founder, 'space', { name: 'S', description: '', policy: 'open', nonce: new Uint8Array(16) })
    expect(reasonOf(await validateEntry(named.bytes, context()))).toBe('foreign-genesis')
    // ...even stored under the genesis's id by a replica that vouches for it.
    expect(reasonOf(await validateEntry(named.bytes, context(), { claimedId: genesis.id, hashed: true }))).toBe('foreign-genesis')
  })

  it('wrong-space for records of another space or of none, naming it', async () => {
    const elsewhere = await validateEntry((await make(alice, 'post', { text: 'x' }, otherGenesis.cid)).bytes, context())
    expect(elsewhere.ok === false && elsewhere.rejection).toMatchObject({
      reason: 'wrong-space',
      detail: `record belongs to space ${otherGenesis.cid.toString()}`,
    })
    const nowhere = await validateEntry((await make(alice, 'post', { text: 'x' }, null)).bytes, context())
    expect(nowhere.ok === false && nowhere.rejection).toMatchObject({ reason: 'wrong-space', detail: 'record belongs to space (none)' })
  })

  it('unknown-kind and schema', async () => {
    const unknown = await validateEntry((await make(alice, 'telepathy', {})).bytes, context())
    expect(unknown.ok === false && unknown.rejection).toMatchObject({
      reason: 'unknown-kind',
      detail: 'no record kind "telepathy" registered here',
      author: alice.did,
    })
    const bad = await validateEntry((await make(alice, 'post', { text: '' })).bytes, context())
    expect(bad.ok === false && bad.rejection.reason).toBe('schema')
    expect(bad.ok === false && bad.rejection.detail).toBe('post body.text: expected a string of 1 to 5000 characters')
  })

  it('bad-signature, unless these exact bytes were verified on this device before', async () => {
    const wire = decodeUntrusted(post.bytes) as Record<string, unknown>
    const forged = encode({ ...wire, x: new Uint8Array(64).fill(1) })
    const forgedId = (await recordCid(forged)).toString()
    expect(reasonOf(await validateEntry(forged, context()))).toBe('bad-signature')
    // The list is only ever written by the space after verifying; this proves the check is skipped for listed ids...
    const listed = { ...context(), isVerified: (id: string) => id === forgedId }
    expect(reasonOf(await validateEntry(forged, listed))).toBe('ok')
    // ...and only for them: other bytes with the same claimed id, or a listed id with other bytes, are checked in full.
    const other = encode({ ...wire, x: new Uint8Array(64).fill(2) })
    expect(reasonOf(await validateEntry(other, listed, { claimedId: forgedId }))).toBe('id-mismatch')
    expect(reasonOf(await validateEntry(other, listed))).toBe('bad-signature')
  })

  it('a listed id still gets its body schema, space and kind checked', async () => {
    const bad = await make(alice, 'post', { text: '' })
    const listed = { ...context(), isVerified: (id: string) => id === bad.id }
    expect(reasonOf(await validateEntry(bad.bytes, listed))).toBe('schema')
    const foreign = await make(alice, 'post', { text: 'x' }, otherGenesis.cid)
    expect(reasonOf(await validateEntry(foreign.bytes, { ...context(), isVerified: () => true }))).toBe('wrong-space')
  })

  it('reports a known record as a duplicate before parsing it, but not under a false claimed id', async () => {
    expect(reasonOf(await validateEntry(post.bytes, context([post.id])))).toBe('duplicate')
    expect(reasonOf(await validateEntry(post.bytes, context([post.id]), { claimedId: 'bafywrong' }))).toBe('id-mismatch')
  })

  it('checks the invite proof of a join against the invite key, space and member', async () => {
    const invite = await make(founder, 'invite', { key: (await inviteKeyPair()).did, maxUses: null, role: 'member' })
    const key = await inviteKeyPair()
    const good = await signInviteProof(key.seed, genesis.cid, invite.cid, alice.did)
    const join = await make(alice, 'join', { invite: invite.cid, key: good.key, proof: good.proof })
    expect(reasonOf(await validateEntry(join.bytes, context()))).toBe('ok')

    // A join without an invite (an open space) carries no proof to check.
    expect(reasonOf(await validateEntry((await make(alice, 'join', {})).bytes, context()))).toBe('ok')

    const forOther = await signInviteProof(key.seed, genesis.cid, invite.cid, founder.did)
    const stolen = await make(alice, 'join', { invite: invite.cid, key: forOther.key, proof: forOther.proof })
    const result = await validateEntry(stolen.bytes, context())
    expect(result.ok === false && result.rejection.reason).toBe('bad-signature')
    expect(result.ok === false && result.rejection.detail).toMatch(/invite proof/)

    const otherSpace = await signInviteProof(key.seed, otherGenesis.cid, invite.cid, alice.did)
    const replayed = await make(alice, 'join', { invite: invite.cid, key: otherSpace.key, proof: otherSpace.proof })
    expect(reasonOf(await validateEntry(replayed.bytes, context()))).toBe('bad-signature')
  })

  // Regression test: see record.test.ts. A record re-encoded with an extra envelope field "constructor" validates as a new, non-duplicate record, so one signed post enters the space twice under two ids. Expected: rejected
  it('does not accept a known record again under a new id by adding an envelope field', async () => {
    const wire = decodeUntrusted(post.bytes) as Record<string, unknown>
    const malleated = encode({ ...wire, constructor: 'x' })
    const result = await validateEntry(malleated, context([post.id]))
    expect(result.ok).not.toBe(true)
  })
})
