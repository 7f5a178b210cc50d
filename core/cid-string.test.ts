import fc from 'fast-check'
import { assertProperty } from '../test/property/runs.js'
import { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256, sha512 } from 'multiformats/hashes/sha2'
import { describe, expect, it } from 'vitest'
import { ballotSetDigest, distinctBallotSetDigest } from './commitment.js'
import { cidString } from './cid-string.js'
import { seededRandom } from '../testing/random.js'

const random = seededRandom(7)
const bytes = (length: number) => Uint8Array.from({ length }, () => random.int(0, 255))

describe('cidString', () => {
  it('is CID.toString for CIDv1 of any codec, hash and length, and for CIDv0', async () => {
    for (let i = 0; i < 500; i++) {
      const data = bytes(1 + (i % 70))
      const digest = i % 3 === 0 ? await sha256.digest(data) : i % 3 === 1 ? await sha512.digest(data) : identity.digest(data)
      const cid = CID.createV1([0x71, 0x55, 0x70, 0x0129, 0x12345][i % 5]!, digest)
      expect(cidString(cid)).toBe(cid.toString())
    }
    const v0 = CID.createV0(await sha256.digest(bytes(10)))
    expect(cidString(v0)).toBe(v0.toString())
  })

  it('gives each CID its own string when the same instances come again, in runs or interleaved', async () => {
    const cids = await Promise.all([1, 2, 3].map(async (n) => CID.createV1(0x71, await sha256.digest(bytes(n)))))
    for (const index of [0, 0, 1, 0, 2, 2, 1, 0]) expect(cidString(cids[index]!)).toBe(cids[index]!.toString())
  })
})

describe('ballotSetDigest', () => {
  const ids = async (count: number) => {
    const out: CID[] = []
    for (let i = 0; i < count; i++) out.push(CID.createV1(0x71, await sha256.digest(new Uint8Array(new Float64Array([i]).buffer))))
    return out
  }

  it('is sha2-256 over the ids sorted by their string form, bytes concatenated', async () => {
    const set = await ids(300)
    const sorted = [...set].sort((a, b) => (a.toString() < b.toString() ? -1 : 1))
    const concatenated = new Uint8Array(sorted.reduce((sum, id) => sum + id.bytes.length, 0))
    let offset = 0
    for (const id of sorted) {
      concatenated.set(id.bytes, offset)
      offset += id.bytes.length
    }
    const expected = (await sha256.digest(concatenated)).digest
    expect(ballotSetDigest(set)).toEqual(expected)
    expect(ballotSetDigest(random.shuffle([...set]))).toEqual(expected)
    expect(ballotSetDigest(set, set.map(cidString))).toEqual(expected)
    // Already sorted, as closers publish them: the same digest without sorting.
    expect(ballotSetDigest(sorted)).toEqual(expected)
  })

  it('finds an id named twice, wherever the two are, and otherwise gives the same digest', async () => {
    const set = await ids(50)
    assertProperty(
      fc.property(fc.shuffledSubarray(set, { minLength: 2 }), fc.nat(), fc.nat(), fc.boolean(), (subset, from, to, twice) => {
        const list = [...subset]
        if (twice) list.splice(to % (list.length + 1), 0, list[from % list.length]!)
        const digest = distinctBallotSetDigest(list, list.map(cidString))
        if (twice) expect(digest).toBeUndefined()
        else expect(digest).toEqual(ballotSetDigest(list))
      }),
      { runs: 300 },
    )
  })

  // Regression: the ids' bytes were spread as arguments, which overflowed the stack above ~120k ballots.
  it('handles the ballot sets of very large polls', async () => {
    expect(ballotSetDigest(await ids(200_000))).toHaveLength(32)
  }, 60_000)
})
