/** Peer messages are decoded in full before y-webrtc sees them; anything malformed is refused with a reason. */
import fc from 'fast-check'
import * as encoding from 'lib0/encoding'
import { describe, expect, it } from 'vitest'
import { encodeAwarenessUpdate, Awareness } from 'y-protocols/awareness'
import * as Y from 'yjs'
import { checkPeerMessage } from '../../adapters/yjs/message-guard.js'
import { assertProperty } from '../property/runs.js'

const LIMIT = 64 * 1024

function syncMessage(step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 0)
  encoding.writeVarUint(encoder, step)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}
function awarenessMessage(update: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarUint(encoder, 1)
  encoding.writeVarUint8Array(encoder, update)
  return encoding.toUint8Array(encoder)
}

function realDoc(): Y.Doc {
  const doc = new Y.Doc()
  doc.getMap('records').set('a', new Uint8Array([1, 2, 3]))
  return doc
}

describe('checkPeerMessage', () => {
  it('accepts the messages y-webrtc peers really send', () => {
    const doc = realDoc()
    expect(checkPeerMessage(syncMessage(0, Y.encodeStateVector(doc)), LIMIT)).toBeUndefined()
    expect(checkPeerMessage(syncMessage(1, Y.encodeStateAsUpdate(doc)), LIMIT)).toBeUndefined()
    expect(checkPeerMessage(syncMessage(2, Y.encodeStateAsUpdate(doc)), LIMIT)).toBeUndefined()
    const awareness = new Awareness(doc)
    awareness.setLocalState({ townhall: { did: 'did:key:z6Mk', ts: 1 } })
    expect(checkPeerMessage(awarenessMessage(encodeAwarenessUpdate(awareness, [doc.clientID])), LIMIT)).toBeUndefined()
    expect(checkPeerMessage(new Uint8Array([3]), LIMIT)).toBeUndefined() // query awareness
    awareness.destroy()
  })

  it('refuses oversized, truncated, corrupt and unknown messages with a reason', () => {
    const update = Y.encodeStateAsUpdate(realDoc())
    expect(checkPeerMessage(new Uint8Array(LIMIT + 1), LIMIT)).toMatch(/larger than/)
    expect(checkPeerMessage(new Uint8Array([]), LIMIT)).toMatch(/malformed/)
    expect(checkPeerMessage(new Uint8Array([0, 1, 255, 255, 255, 255, 15, 9, 9]), LIMIT)).toMatch(/malformed/)
    expect(checkPeerMessage(syncMessage(2, update.subarray(0, update.length - 3)), LIMIT)).toMatch(/malformed/)
    expect(checkPeerMessage(syncMessage(7, update), LIMIT)).toMatch(/unknown sync step 7/)
    expect(checkPeerMessage(new Uint8Array([7, 1, 2]), LIMIT)).toMatch(/unknown message type 7/)
    // BroadcastChannel peer announcements have no business on a WebRTC connection.
    expect(checkPeerMessage(new Uint8Array([4, 1, 1, 65]), LIMIT)).toMatch(/unknown message type 4/)
    const badJson = encoding.createEncoder()
    encoding.writeVarUint(badJson, 1)
    encoding.writeVarUint(badJson, 5)
    encoding.writeVarUint(badJson, 1)
    encoding.writeVarString(badJson, '{not json')
    expect(checkPeerMessage(awarenessMessage(encoding.toUint8Array(badJson)), LIMIT)).toMatch(/malformed/)
    expect(checkPeerMessage('text' as unknown as Uint8Array, LIMIT)).toBe('not binary')
  })

  it('never throws, whatever the bytes, and never accepts a corrupted update that Yjs would refuse', () => {
    const update = Y.encodeStateAsUpdate(realDoc())
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(() => checkPeerMessage(bytes, LIMIT)).not.toThrow()
      }),
      { runs: 500 },
    )
    assertProperty(
      fc.property(fc.integer({ min: 0, max: update.length - 1 }), fc.integer({ min: 0, max: 255 }), (index, value) => {
        const mutated = update.slice()
        mutated[index] = value
        const verdict = checkPeerMessage(syncMessage(2, mutated), LIMIT)
        if (verdict === undefined) {
          // Whatever the guard lets through, Yjs applies without throwing.
          expect(() => Y.applyUpdate(new Y.Doc(), mutated)).not.toThrow()
        }
      }),
      { runs: 300 },
    )
  })
})
