/**
 * Checks a y-webrtc peer message before y-webrtc and y-protocols see it. Both decode peer bytes
 * with no guard of their own: y-protocols catches a malformed update only to `console.error` it,
 * and an unknown message type or a bad awareness entry throws out of a data-channel handler. Here
 * every part is decoded once, in full, and anything that does not parse becomes a counted
 * rejection. The message size is bounded by the caller first, because the Yjs decoder has known
 * hangs on crafted input (yjs issues 479, 498, 687) and size is the only bound that holds for all.
 */
import * as decoding from 'lib0/decoding'
import * as Y from 'yjs'

// y-webrtc's message types (y-webrtc/src/y-webrtc.js) and y-protocols' sync sub-types.
const SYNC = 0
const AWARENESS = 1
const QUERY_AWARENESS = 3
const SYNC_STEP1 = 0
const SYNC_STEP2 = 1
const SYNC_UPDATE = 2

/** Returns why the message must be dropped, or undefined when it is well formed. */
export function checkPeerMessage(data: Uint8Array, maxBytes: number): string | undefined {
  if (!(data instanceof Uint8Array)) return 'not binary'
  if (data.byteLength > maxBytes) return `larger than ${maxBytes} bytes`
  try {
    const decoder = decoding.createDecoder(data)
    const type = decoding.readVarUint(decoder)
    if (type === SYNC) {
      const step = decoding.readVarUint(decoder)
      const payload = decoding.readVarUint8Array(decoder)
      if (step === SYNC_STEP1) Y.decodeStateVector(payload)
      else if (step === SYNC_STEP2 || step === SYNC_UPDATE) Y.decodeUpdate(payload)
      else return `unknown sync step ${step}`
    } else if (type === AWARENESS) {
      checkAwareness(decoding.readVarUint8Array(decoder))
    } else if (type !== QUERY_AWARENESS) {
      // Type 4 (BroadcastChannel peer ids) is only valid between tabs, never on a WebRTC connection.
      return `unknown message type ${type}`
    }
    return undefined
  } catch (error) {
    return `malformed: ${(error as Error).message}`
  }
}

function checkAwareness(update: Uint8Array): void {
  const decoder = decoding.createDecoder(update)
  const count = decoding.readVarUint(decoder)
  for (let i = 0; i < count; i++) {
    decoding.readVarUint(decoder) // client id
    decoding.readVarUint(decoder) // clock
    JSON.parse(decoding.readVarString(decoder))
  }
}
