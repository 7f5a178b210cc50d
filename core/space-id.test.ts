import { CID } from 'multiformats/cid'
import { base58btc } from 'multiformats/bases/base58'
import { identity as identityHash } from 'multiformats/hashes/identity'
import { describe, expect, it } from 'vitest'
import { recordCid } from './record.js'
import { isSpaceId, parseRecordCid } from './space-id.js'

describe('space ids', () => {
  it('accepts the canonical base32 CIDv1 dag-cbor string of a record', async () => {
    const cid = await recordCid(new Uint8Array([1, 2, 3]))
    expect(isSpaceId(cid.toString())).toBe(true)
    expect(parseRecordCid(cid.toString())!.equals(cid)).toBe(true)
  })

  it('rejects other encodings of the same CID, so one space has one id', async () => {
    const cid = await recordCid(new Uint8Array([1, 2, 3]))
    expect(isSpaceId(cid.toString(base58btc))).toBe(false)
    expect(isSpaceId(cid.toString().toUpperCase())).toBe(false)
  })

  it('rejects CIDv0, other codecs, garbage, over-long strings and non-strings', async () => {
    const cid = await recordCid(new Uint8Array([1]))
    const v0 = CID.createV0(cid.multihash as never)
    expect(isSpaceId(v0.toString())).toBe(false)
    expect(isSpaceId(CID.createV1(0x55, cid.multihash).toString())).toBe(false)
    expect(isSpaceId(CID.createV1(0x71, identityHash.digest(new Uint8Array(200))).toString())).toBe(false)
    for (const value of ['', 'bafy', 'hello', `${cid.toString()}x`, undefined, null, 42, cid]) {
      expect(isSpaceId(value)).toBe(false)
    }
  })
})
