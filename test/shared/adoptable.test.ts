/** Which values every replica keeps and heals as its own: records of its space, under their true id. */
import { describe, expect, it } from 'vitest'
import { cidString } from '../../core/cid-string.js'
import { createIdentity, signRecord, type Identity } from '../../core/index.js'
import { recordCid } from '../../core/record.js'
import { parseRecordCid } from '../../core/space-id.js'
import { isRecordOfSpace, isRecordOfSpaceUnder } from '../../core/adapter/index.js'

const genesis = (identity: Identity, name: string) =>
  signRecord(identity, {
    kind: 'space',
    space: null,
    hlc: [1, 0],
    refs: [],
    body: { name, description: '', policy: 'open', nonce: new Uint8Array(16) },
  })
const post = (identity: Identity, spaceId: string, text: string) =>
  signRecord(identity, { kind: 'post', space: parseRecordCid(spaceId)!, hlc: [2, 0], refs: [], body: { text } })

describe('records a replica adopts', () => {
  it('takes a record of its space, and its genesis, under their true ids only', async () => {
    const identity = await createIdentity()
    const space = await genesis(identity, 'ours')
    const record = await post(identity, space.id, 'hello')
    expect(await isRecordOfSpaceUnder(record.bytes, record.id, space.id)).toBe(true)
    expect(await isRecordOfSpaceUnder(space.bytes, space.id, space.id)).toBe(true)
    // The same bytes under a key a peer chose: not its id.
    expect(await isRecordOfSpaceUnder(record.bytes, space.id, space.id)).toBe(false)
    expect(await isRecordOfSpaceUnder(space.bytes, record.id, space.id)).toBe(false)
  })

  it("leaves out another space's records and genesis, and bytes that are not a record", async () => {
    const identity = await createIdentity()
    const ours = await genesis(identity, 'ours')
    const theirs = await genesis(identity, 'theirs')
    const foreign = await post(identity, theirs.id, 'elsewhere')
    expect(await isRecordOfSpaceUnder(foreign.bytes, foreign.id, ours.id)).toBe(false)
    expect(await isRecordOfSpaceUnder(theirs.bytes, theirs.id, ours.id)).toBe(false)
    for (const junk of [
      new Uint8Array(0),
      new Uint8Array([0xa1, 0x61, 0x76, 0x01]),
      Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff),
    ]) {
      expect(isRecordOfSpace(junk, cidString(await recordCid(junk)), ours.id)).toBe(false)
    }
  })
})
