// The schemas of the voting records, against the rules docs/voting.md states for each body: what a
// peer accepts and what it refuses as `schema` before any poll logic runs.
import { beforeAll, describe, expect, it } from 'vitest'
import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { sha256 } from '@noble/hashes/sha2.js'
import { createIdentity } from './identity.js'
import { MAX_OPTIONS, MIN_OPTIONS } from './tally/types.js'
import { BALLOTS_PER_CLOSE_RECORD, MAX_CLOSE_PARTS, MAX_LISTED_VOTERS, POLL_KINDS, pollBodies } from './poll-kinds.js'

const cid = (n: number) => CID.createV1(0x71, createDigest(0x12, sha256(Uint8Array.of(n >> 8, n & 0xff))))
const bytes32 = new Uint8Array(32).fill(7)

let dids: string[] = []
beforeAll(async () => {
  dids = await Promise.all([0, 1].map(async () => (await createIdentity()).did))
})

const poll = (extra: Record<string, unknown>) => ({
  question: 'Lunch?',
  description: '',
  options: ['Soup', 'Salad'],
  method: 'plurality',
  eligibility: { type: 'members' },
  secret: false,
  ...extra,
})
const checkPoll = (extra: Record<string, unknown>) => pollBodies.poll(poll(extra), 'body')
const close = (extra: Record<string, unknown>) => ({ poll: cid(0), count: 0, digest: bytes32, ballots: [], parts: [], ...extra })
/** Ids 1..n, distinct. */
const ids = (n: number) => Array.from({ length: n }, (_, i) => cid(i + 1))

describe('poll body', () => {
  it('takes each eligibility the docs list, and nothing else', () => {
    expect(checkPoll({ eligibility: { type: 'members' } })).toMatchObject({ ok: true, value: { eligibility: { type: 'members' } } })
    expect(checkPoll({ eligibility: { type: 'anyone' } })).toMatchObject({ ok: true, value: { eligibility: { type: 'anyone' } } })
    expect(checkPoll({ eligibility: { type: 'list', voters: [dids[0], dids[1]] } })).toMatchObject({
      ok: true,
      value: { eligibility: { type: 'list', voters: [dids[0], dids[1]] } },
    })
    for (const eligibility of [{ type: 'everyone' }, {}, null, 'members'])
      expect(checkPoll({ eligibility })).toEqual({
        ok: false,
        error: 'body.eligibility: expected eligibility of type "members", "list" or "anyone"',
      })
    // No field rides along on the kinds that take none.
    expect(checkPoll({ eligibility: { type: 'anyone', voters: [dids[0]] } })).toEqual({
      ok: false,
      error: 'body.eligibility.voters: unexpected field',
    })
  })

  it('wants a list of 1 to MAX_LISTED_VOTERS distinct did:key ids', () => {
    const list = (voters: unknown) => checkPoll({ eligibility: { type: 'list', voters } })
    expect(list([])).toEqual({ ok: false, error: `body.eligibility.voters: expected a list of 1 to ${MAX_LISTED_VOTERS} items` })
    expect(list([dids[0], dids[0]])).toEqual({ ok: false, error: 'body.eligibility.voters: expected a list without duplicates' })
    expect(list(['did:web:example.org'])).toEqual({ ok: false, error: 'body.eligibility.voters[0]: expected an Ed25519 did:key' })
    expect(list([dids[0]]).ok).toBe(true)
    expect(list(Array.from({ length: MAX_LISTED_VOTERS + 1 }, () => dids[0])).ok).toBe(false)
  })

  it('holds the question, description, method, closing time and secrecy to their documented ranges', () => {
    expect(checkPoll({ question: '' }).ok).toBe(false)
    expect(checkPoll({ question: 'q'.repeat(300) }).ok).toBe(true)
    expect(checkPoll({ question: 'q'.repeat(301) }).ok).toBe(false)
    expect(checkPoll({ description: 'd'.repeat(2000) }).ok).toBe(true)
    expect(checkPoll({ description: 'd'.repeat(2001) }).ok).toBe(false)
    for (const method of ['plurality', 'approval', 'instant-runoff', 'schulze', 'copeland', 'score', 'quadratic', 'weighted'])
      expect(checkPoll({ method }).ok, method).toBe(true)
    expect(checkPoll({ method: 'borda' })).toMatchObject({ ok: false, error: expect.stringMatching(/^body\.method: expected one of/) })
    expect(checkPoll({ closesAt: 0 }).ok).toBe(true)
    expect(checkPoll({ closesAt: -1 }).ok).toBe(false)
    expect(checkPoll({ closesAt: 1.5 }).ok).toBe(false)
    expect(checkPoll({ secret: 'no' }).ok).toBe(false)
    // params are left to the method, which knows their shape.
    expect(checkPoll({ params: { anything: [1, 2] } })).toMatchObject({ ok: true, value: { params: { anything: [1, 2] } } })
  })

  it('has 2 to 64 options', () => {
    const options = (n: number) => Array.from({ length: n }, (_, i) => `Option ${i + 1}`)
    expect([MIN_OPTIONS, MAX_OPTIONS]).toEqual([2, 64])
    expect(checkPoll({ options: options(1) })).toEqual({ ok: false, error: 'body.options: expected a list of 2 to 64 items' })
    expect(checkPoll({ options: options(2) }).ok).toBe(true)
    expect(checkPoll({ options: options(64) }).ok).toBe(true)
    expect(checkPoll({ options: options(65) }).ok).toBe(false)
  })

  it('names the two options a reader cannot tell apart', () => {
    expect(checkPoll({ options: ['Soup', 'Salad', 'soup'] })).toEqual({
      ok: false,
      error: 'body.options: option 3 is the same as option 1 once case, spacing and accent encoding are ignored',
    })
  })
})

describe('ballot body', () => {
  it('has either a choice (public poll) or a 32-byte commitment (secret poll), never both or neither', () => {
    const message = { ok: false, error: 'body: a ballot has either a choice or a commitment' }
    expect(pollBodies.ballot({ poll: cid(0), choice: 1 }, 'body')).toMatchObject({ ok: true, value: { choice: 1 } })
    expect(pollBodies.ballot({ poll: cid(0), choice: 0 }, 'body')).toMatchObject({ ok: true, value: { choice: 0 } })
    expect(pollBodies.ballot({ poll: cid(0), commitment: bytes32 }, 'body')).toMatchObject({ ok: true, value: { commitment: bytes32 } })
    expect(pollBodies.ballot({ poll: cid(0), choice: 1, commitment: bytes32 }, 'body')).toEqual(message)
    expect(pollBodies.ballot({ poll: cid(0) }, 'body')).toEqual(message)
    expect(pollBodies.ballot({ poll: cid(0), commitment: new Uint8Array(31) }, 'body').ok).toBe(false)
  })
})

describe('close body', () => {
  it('accepts an empty close, and a count up to what the inline ids and every part can hold', () => {
    expect(pollBodies.close(close({}), 'body').ok).toBe(true)
    const most = BALLOTS_PER_CLOSE_RECORD * (MAX_CLOSE_PARTS + 1)
    expect(pollBodies.close(close({ count: most }), 'body').ok).toBe(true)
    expect(pollBodies.close(close({ count: most + 1 }), 'body')).toEqual({
      ok: false,
      error: `body.count: expected an integer from 0 to ${most}`,
    })
    expect(pollBodies.close(close({ count: -1 }), 'body').ok).toBe(false)
  })

  it('refuses an id listed twice, inline or among the parts', () => {
    expect(pollBodies.close(close({ ballots: [cid(1), cid(2)] }), 'body').ok).toBe(true)
    expect(pollBodies.close(close({ ballots: [cid(1), cid(1)] }), 'body')).toEqual({
      ok: false,
      error: 'body.ballots: expected a list without duplicates',
    })
    expect(pollBodies.close(close({ parts: [cid(3), cid(3)] }), 'body')).toEqual({
      ok: false,
      error: 'body.parts: expected a list without duplicates',
    })
  })

  it('holds at most BALLOTS_PER_CLOSE_RECORD inline ids and MAX_CLOSE_PARTS parts', () => {
    expect(pollBodies.close(close({ ballots: ids(BALLOTS_PER_CLOSE_RECORD) }), 'body').ok).toBe(true)
    expect(pollBodies.close(close({ ballots: ids(BALLOTS_PER_CLOSE_RECORD + 1) }), 'body').ok).toBe(false)
    expect(pollBodies.close(close({ parts: ids(MAX_CLOSE_PARTS) }), 'body').ok).toBe(true)
    expect(pollBodies.close(close({ parts: ids(MAX_CLOSE_PARTS + 1) }), 'body').ok).toBe(false)
  })

  it('wants a 32-byte digest', () => {
    expect(pollBodies.close(close({ digest: new Uint8Array(33) }), 'body').ok).toBe(false)
  })
})

describe('close-part body', () => {
  it('holds 1 to BALLOTS_PER_CLOSE_RECORD distinct ids', () => {
    const part = (ballots: unknown) => pollBodies['close-part']({ poll: cid(0), ballots }, 'body')
    expect(part([cid(1)]).ok).toBe(true)
    expect(part([])).toEqual({ ok: false, error: `body.ballots: expected a list of 1 to ${BALLOTS_PER_CLOSE_RECORD} items` })
    expect(part([cid(1), cid(1)])).toEqual({ ok: false, error: 'body.ballots: expected a list without duplicates' })
    expect(part(ids(BALLOTS_PER_CLOSE_RECORD)).ok).toBe(true)
    expect(part(ids(BALLOTS_PER_CLOSE_RECORD + 1)).ok).toBe(false)
  })
})

describe('reveal body', () => {
  it('opens one ballot with any choice and a 32-byte salt', () => {
    const reveal = (extra: Record<string, unknown>) =>
      pollBodies.reveal({ poll: cid(0), ballot: cid(1), close: cid(2), choice: [2, 0], salt: bytes32, ...extra }, 'body')
    expect(reveal({})).toMatchObject({ ok: true, value: { choice: [2, 0] } })
    expect(reveal({ salt: new Uint8Array(16) }).ok).toBe(false)
  })
})

it('lists exactly the five voting kinds', () => {
  expect([...POLL_KINDS].sort()).toEqual(['ballot', 'close', 'close-part', 'poll', 'reveal'])
})
