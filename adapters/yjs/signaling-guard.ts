/**
 * Checks signaling messages for a room before y-webrtc sees them. y-webrtc decrypts each one in a
 * promise it never awaits, then reads it without checks: a stranger publishing to the room's topic
 * with another password (AES-GCM fails: OperationError), bytes that are not its encoding, or an
 * `answer` from a peer it has no connection to (`existingConn.glareToken` of undefined) each
 * became an unhandled rejection, which ends a Node process. Here the message is decrypted and
 * decoded first, and passed on only if y-webrtc can handle it; the rest are counted and dropped.
 * This is local to the replica: nothing process-wide is installed.
 */
import * as buffer from 'lib0/buffer'
import * as decoding from 'lib0/decoding'

interface SignalingConn {
  emit(name: string, args: unknown[]): void
}

interface Guarded {
  readonly rooms: Map<string, (message: Record<string, unknown>) => Promise<boolean>>
}

const guards = new WeakMap<SignalingConn, Guarded>()

/**
 * Guards the room's messages on each connection; returns a function that stops guarding them.
 * `accepts` decides on a message (decrypted, decoded) whether y-webrtc may have it.
 */
export function guardSignaling(
  conns: readonly SignalingConn[],
  room: string,
  key: PromiseLike<CryptoKey | null>,
  accepts: (data: Record<string, unknown>) => boolean,
  onDrop: () => void,
): () => void {
  const check = async (message: Record<string, unknown>) => {
    const data = await readable(message.data, await key)
    if (data && accepts(data)) return true
    onDrop()
    return false
  }
  for (const conn of conns) {
    let guarded = guards.get(conn)
    if (!guarded) {
      guarded = { rooms: new Map() }
      guards.set(conn, guarded)
      const emit = conn.emit.bind(conn)
      const { rooms } = guarded
      // Checked in turn and passed on in arrival order: decryptions finish in any order, and an
      // offer must not reach y-webrtc after the candidates that follow it.
      let previous: Promise<unknown> = Promise.resolve()
      conn.emit = (name, args) => {
        const message = args[0] as Record<string, unknown> | null
        const ours = name === 'message' && message?.type === 'publish' ? rooms.get(message.topic as string) : undefined
        if (!ours) return emit(name, args)
        const checked = ours(message!)
        previous = Promise.all([checked, previous])
          .then(([ok]) => {
            if (ok) emit(name, args)
          })
          // A throw from y-webrtc's handler must not hold back the messages after it.
          .catch(() => {})
      }
    }
    guarded.rooms.set(room, check)
  }
  return () => {
    for (const conn of conns) if (guards.get(conn)?.rooms.get(room) === check) guards.get(conn)!.rooms.delete(room)
  }
}

/**
 * A signaling message's data as y-webrtc decrypts it under the room key (itself when the room has
 * no password): undefined when it is not in y-webrtc's AES-GCM framing; throws when it does not
 * decrypt.
 */
export async function decryptSignaling(data: unknown, key: CryptoKey | null): Promise<unknown> {
  if (!key) return data
  if (typeof data !== 'string') return undefined
  const decoder = decoding.createDecoder(buffer.fromBase64(data))
  if (decoding.readVarString(decoder) !== 'AES-GCM') return undefined
  const iv = decoding.readVarUint8Array(decoder)
  const cipher = decoding.readVarUint8Array(decoder)
  const bytes = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, key, cipher))
  return decoding.readAny(decoding.createDecoder(bytes))
}

/** The message as y-webrtc would read it, or undefined if reading it would throw. */
async function readable(data: unknown, key: CryptoKey | null): Promise<Record<string, unknown> | undefined> {
  try {
    const plain = await decryptSignaling(data, key)
    if (typeof plain !== 'object' || plain === null) return undefined
    const message = plain as Record<string, unknown>
    if (typeof message.from !== 'string') return undefined
    if (message.type === 'announce') return message
    const signal = message.signal as Record<string, unknown> | null | undefined
    if (message.type === 'signal' && typeof signal === 'object' && signal !== null) return message
    return undefined
  } catch {
    return undefined
  }
}
