/**
 * Asking a relay to replicate a space, point to point: a peer opens a `FOLLOW_PROTOCOL` stream on
 * its connection to the relay and writes the space id and a newline (UTF-8); the relay answers
 * `ok` (the space is open there), `full` (its limit of followed spaces is reached) or `invalid`,
 * and a newline. Lines, not end-of-stream, delimit messages: whether a half-closed stream ends the
 * other side's reading differed between transports in testing. Only the relay learns the space id (the connection is Noise-encrypted): a pubsub
 * topic would show every space a browser opens to any peer subscribed to it, and on OrbitDB the
 * space id is enough to read a space.
 *
 * Anyone who can reach the relay can ask, so a relay opens at most a fixed number of spaces this
 * way (`townhall relay --follow N`).
 */
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { concatBytes } from '../../core/adapter/index.js'

export const FOLLOW_PROTOCOL = '/townhall/relay-follow/1.0.0'

export type FollowAnswer = 'ok' | 'full' | 'invalid'

/** Largest request accepted (a space id is about 60 bytes). */
const MAX_REQUEST_BYTES = 128
const MAX_ANSWER_BYTES = 16

const NEWLINE = 10

/** Reads one line (without its newline) of at most `max` bytes; undefined if the stream ended, failed, was too long or too slow. */
async function readLine(stream: Stream, max: number, signal: AbortSignal): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = []
  let size = 0
  const onAbort = () => stream.abort(new Error('timed out'))
  signal.addEventListener('abort', onAbort)
  try {
    for await (const chunk of stream) {
      const bytes = chunk instanceof Uint8Array ? chunk : chunk.subarray()
      const end = bytes.indexOf(NEWLINE)
      const part = end < 0 ? bytes : bytes.subarray(0, end)
      size += part.byteLength
      if (size > max) {
        stream.abort(new Error(`a line longer than ${max} bytes`))
        return undefined
      }
      parts.push(part)
      if (end >= 0) return concatBytes(...parts)
    }
  } catch {
    // Reset or aborted.
  } finally {
    signal.removeEventListener('abort', onAbort)
  }
  return undefined
}

/** Asks the relay at the other end of `connection` to replicate `spaceId`. Rejects if the relay does not speak the protocol or does not answer in time. */
export async function askToFollow(connection: Connection, spaceId: string, options: { timeoutMs?: number } = {}): Promise<FollowAnswer> {
  const signal = AbortSignal.timeout(options.timeoutMs ?? 20_000)
  const stream = await connection.newStream(FOLLOW_PROTOCOL, { signal })
  stream.send(new TextEncoder().encode(`${spaceId}\n`))
  const answer = await readLine(stream, MAX_ANSWER_BYTES, signal)
  await stream.close({ signal }).catch(() => stream.abort(new Error('closing failed')))
  if (answer === undefined) throw new Error('the relay did not answer the follow request')
  const text = new TextDecoder().decode(answer)
  if (text === 'ok' || text === 'full' || text === 'invalid') return text
  throw new Error(`the relay answered the follow request with ${JSON.stringify(text.slice(0, 16))}`)
}

/**
 * Serves follow requests: `decide(spaceId)` resolves to the answer (and opens the space when it
 * says `ok`). Requests that are too long or slower than `timeoutMs` get no answer; text that is
 * not UTF-8 is `invalid`.
 * Returns a function that stops serving.
 */
export async function serveFollowRequests(
  libp2p: Libp2p,
  decide: (spaceId: string) => Promise<FollowAnswer>,
  options: { timeoutMs?: number } = {},
): Promise<() => Promise<void>> {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  await libp2p.handle(
    FOLLOW_PROTOCOL,
    async (stream) => {
      const signal = AbortSignal.timeout(options.timeoutMs ?? 30_000)
      const request = await readLine(stream, MAX_REQUEST_BYTES, signal)
      if (request === undefined) return
      let answer: FollowAnswer
      try {
        answer = await decide(decoder.decode(request))
      } catch {
        answer = 'invalid'
      }
      try {
        stream.send(new TextEncoder().encode(`${answer}\n`))
        await stream.close({ signal })
      } catch {
        stream.abort(new Error('could not answer'))
      }
    },
    // One request at a time per connection is all a peer needs.
    { maxInboundStreams: 2 },
  )
  return () => libp2p.unhandle(FOLLOW_PROTOCOL)
}
