import { describe, expect, it } from 'vitest'
import { randomBytes, utf8 } from '../../core/bytes.js'
import { presenceSeal } from '../../core/adapter/index.js'

describe('sealed presence', () => {
  const entry = utf8('{"did":"did:key:z6Mk…","state":{"name":"Rosalind Franklin"}}')

  it('opens for holders of the same link, and shows nothing of the entry to anyone else', () => {
    const secret = randomBytes(32)
    const mine = presenceSeal('space-a', secret)!
    const theirs = presenceSeal('space-a', Uint8Array.from(secret))!
    const sealed = mine.seal(entry)
    expect(theirs.open(sealed)).toEqual(entry)
    expect(Buffer.from(sealed).includes(Buffer.from('Rosalind'))).toBe(false)
    expect(Buffer.from(sealed).includes(Buffer.from('did:key'))).toBe(false)
    expect(presenceSeal('space-a', randomBytes(32))!.open(sealed)).toBeUndefined()
    // Another space with the same secret: the key and the associated data both differ.
    expect(presenceSeal('space-b', secret)!.open(sealed)).toBeUndefined()
  })

  it('refuses a changed byte, a cut message and a plain entry', () => {
    const seal = presenceSeal('space-a', randomBytes(32))!
    const sealed = seal.seal(entry)
    const changed = Uint8Array.from(sealed)
    changed[30]! ^= 1
    expect(seal.open(changed)).toBeUndefined()
    expect(seal.open(sealed.subarray(0, 30))).toBeUndefined()
    expect(seal.open(entry)).toBeUndefined()
  })

  it('is absent for spaces whose link has no secret', () => {
    expect(presenceSeal('space-a', undefined)).toBeUndefined()
  })
})
