import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { beforeAll, describe, expect, it } from 'vitest'
import { toBase64Url } from './bytes.js'
import { publicKeyFromDid } from './did.js'
import { ed25519Backend } from './ed25519.js'
import { InvalidShareLinkError } from './errors.js'
import { identityFromSecretKey } from './identity.js'
import { formatShareLink, inviteKeyPair, inviteProofMessage, parseShareLink, signInviteProof } from './invite.js'
import { recordCid } from './record.js'
import type { CID } from 'multiformats/cid'

let space: CID
let otherSpace: CID
let inviteId: CID
let otherInvite: CID

beforeAll(async () => {
  space = await recordCid(new Uint8Array([1]))
  otherSpace = await recordCid(new Uint8Array([2]))
  inviteId = await recordCid(new Uint8Array([3]))
  otherInvite = await recordCid(new Uint8Array([4]))
})

function expectShareLinkError(text: unknown, message?: RegExp): void {
  let caught: unknown
  try {
    parseShareLink(text as string)
  } catch (error) {
    caught = error
  }
  expect(caught, String(text)).toBeInstanceOf(InvalidShareLinkError)
  expect((caught as InvalidShareLinkError).name).toBe('InvalidShareLinkError')
  expect((caught as InvalidShareLinkError).code).toBe('INVALID_SHARE_LINK')
  if (message) expect((caught as Error).message).toMatch(message)
}

describe('share links', () => {
  it('round-trip a space id alone', () => {
    const text = formatShareLink({ space: space.toString() })
    expect(text.startsWith('townhall:#')).toBe(true)
    expect(parseShareLink(text)).toEqual({ space: space.toString() })
  })

  it('round-trip with an invite, with a secret, and with both, under any base', () => {
    assertProperty(
      fc.property(
        fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
        fc.option(fc.uint8Array({ minLength: 32, maxLength: 32 }), { nil: undefined }),
        fc.constantFrom('townhall:', 'https://example.org/app', 'https://example.org/app?x=1', ''),
        (inviteSecret, secret, base) => {
          const link = {
            space: space.toString(),
            ...(inviteSecret ? { invite: { id: inviteId.toString(), secret: inviteSecret } } : {}),
            ...(secret ? { secret } : {}),
          }
          const text = formatShareLink(link, base)
          expect(text.startsWith(`${base}#`)).toBe(true)
          expect(parseShareLink(text)).toEqual(link)
        },
      ),
    )
  })

  it('keeps everything sensitive after "#"', () => {
    const secret = new Uint8Array(32).fill(7)
    const text = formatShareLink(
      { space: space.toString(), invite: { id: inviteId.toString(), secret }, secret },
      'https://example.org/join',
    )
    const [beforeHash, afterHash] = text.split('#')
    expect(beforeHash).toBe('https://example.org/join')
    expect(afterHash).toContain(`key=${toBase64Url(secret)}`)
    expect(afterHash).toContain(`secret=${toBase64Url(secret)}`)
  })

  describe('parseShareLink throws InvalidShareLinkError for', () => {
    const key = toBase64Url(new Uint8Array(32).fill(1))

    it('a link without "#", and non-strings', () => {
      expectShareLinkError(`townhall:?space=${space.toString()}`, /after "#"/)
      expectShareLinkError('')
      for (const value of [undefined, null, 42, { space: 'x' }]) expectShareLinkError(value)
    })

    it('a missing or invalid space id', () => {
      expectShareLinkError('townhall:#', /no valid space id/)
      expectShareLinkError('townhall:#space=', /no valid space id/)
      expectShareLinkError('townhall:#space=hello', /no valid space id/)
      // a CID, but not in its canonical base32 form
      expectShareLinkError(`townhall:#space=${space.toString().toUpperCase()}`, /no valid space id/)
      expectShareLinkError(`townhall:#space=${space.toV1().toString().slice(0, -2)}`, /no valid space id/)
    })

    it('key or secret that are not base64url', () => {
      expectShareLinkError(`townhall:#space=${space.toString()}&invite=${inviteId.toString()}&key=***`, /"key" is not base64url/)
      expectShareLinkError(`townhall:#space=${space.toString()}&secret=%2B%2F%2B%2F`, /"secret" is not base64url/)
    })

    it('key or secret of the wrong length', () => {
      for (const length of [0, 16, 31, 33]) {
        const bad = toBase64Url(new Uint8Array(length).fill(2))
        expectShareLinkError(`townhall:#space=${space.toString()}&invite=${inviteId.toString()}&key=${bad}`, /"key" has the wrong length/)
        expectShareLinkError(`townhall:#space=${space.toString()}&secret=${bad}`, /"secret" has the wrong length/)
      }
    })

    it('an invite without its key, a key without its invite, and an invalid invite id', () => {
      expectShareLinkError(`townhall:#space=${space.toString()}&invite=${inviteId.toString()}`, /incomplete invite/)
      expectShareLinkError(`townhall:#space=${space.toString()}&key=${key}`, /incomplete invite/)
      expectShareLinkError(`townhall:#space=${space.toString()}&invite=nope&key=${key}`, /incomplete invite/)
    })
  })
})

describe('invite proofs', () => {
  it('inviteKeyPair returns a fresh seed and its did', async () => {
    const a = await inviteKeyPair()
    const b = await inviteKeyPair()
    expect(a.seed.length).toBe(32)
    expect(a.did).not.toBe(b.did)
    const backend = await ed25519Backend()
    expect(publicKeyFromDid(a.did)).toEqual(await backend.publicKey(a.seed))
  })

  it('verifies with the invite key for this space, invite and member only', async () => {
    const backend = await ed25519Backend()
    const { seed, did: inviteDid } = await inviteKeyPair()
    const member = (await identityFromSecretKey(new Uint8Array(32).fill(1))).did
    const stranger = (await identityFromSecretKey(new Uint8Array(32).fill(2))).did
    const { key, proof } = await signInviteProof(seed, space, inviteId, member)
    expect(key).toBe(inviteDid)
    const inviteKey = publicKeyFromDid(key)!
    expect(await backend.verify(inviteKey, proof, inviteProofMessage(space, inviteId, member))).toBe(true)
    // the proof is bound to the member, the space and the invite
    expect(await backend.verify(inviteKey, proof, inviteProofMessage(space, inviteId, stranger))).toBe(false)
    expect(await backend.verify(inviteKey, proof, inviteProofMessage(otherSpace, inviteId, member))).toBe(false)
    expect(await backend.verify(inviteKey, proof, inviteProofMessage(space, otherInvite, member))).toBe(false)
    // and to the invite key
    const other = await inviteKeyPair()
    expect(await backend.verify(publicKeyFromDid(other.did)!, proof, inviteProofMessage(space, inviteId, member))).toBe(false)
  })

  it('uses a domain-separated message', () => {
    const member = 'did:key:z6MkmjY8GnV5i9YTDtPETC2uUAW6ejw3nk5mXF5yci5ab7th' as const
    const message = inviteProofMessage(space, inviteId, member)
    expect(new TextDecoder().decode(message.subarray(0, 25))).toBe('townhall/invite-proof/v1\n')
    expect(inviteProofMessage(space, inviteId, member)).toEqual(message)
  })
})
