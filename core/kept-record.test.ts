import { CID } from 'multiformats/cid'
import { describe, expect, it } from 'vitest'
import { identityFromSecretKey } from './identity.js'
import { keptRecord } from './kept-record.js'
import { signRecord } from './record.js'

describe('keptRecord', () => {
  it('derives the CID, author key and signature that the full record carries', async () => {
    const author = await identityFromSecretKey(new Uint8Array(32).fill(9))
    const space = CID.parse('bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy')
    for (const body of [{ text: 'x' }, { text: 'y'.repeat(3000) }, { poll: space, choice: [3, 1, 2] }]) {
      const record = await signRecord(author, { kind: 'post', space, hlc: [1, 2], refs: [space], body })
      const kept = keptRecord(record, record.space, record.refs, record.body)
      expect(kept.cid.equals(record.cid)).toBe(true)
      expect([...kept.authorKey]).toEqual([...record.authorKey])
      expect([...kept.signature]).toEqual([...record.signature])
      expect([kept.id, kept.kind, kept.author, kept.hlc, kept.bytes]).toEqual([
        record.id,
        record.kind,
        record.author,
        record.hlc,
        record.bytes,
      ])
      // Serialized like a record literal: the derived fields are there too.
      expect(Object.keys(JSON.parse(JSON.stringify(kept))).sort()).toEqual(Object.keys(record).sort())
    }
  })

  it('keeps a record whose bytes are not laid out canonically as it is', async () => {
    const author = await identityFromSecretKey(new Uint8Array(32).fill(9))
    const record = await signRecord(author, { kind: 'post', space: null, hlc: [1, 2], refs: [], body: { text: 'x' } })
    const odd = { ...record, bytes: new Uint8Array([0, ...record.bytes]) }
    const kept = keptRecord(odd, odd.space, odd.refs, odd.body)
    expect(Object.getPrototypeOf(kept)).toBe(Object.prototype)
    expect(kept.authorKey).toBe(record.authorKey)
    expect(kept.signature).toBe(record.signature)
  })
})
