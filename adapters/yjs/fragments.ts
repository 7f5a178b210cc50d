/**
 * Splits large y-webrtc messages into fragments and reassembles them, because a WebRTC data
 * channel does not carry one message over 256 KiB: with @roamhq/wrtc it is silently dropped, and
 * Chromium's SCTP max-message-size is 262,144 bytes too.
 * y-webrtc sends a newcomer the whole document as one sync-step-2 message, so without this a peer
 * could never join a space holding more than about 750 ballots (~274 bytes each).
 *
 * Wire format. A message of at most FRAGMENT_BYTES goes out unchanged, so peers without this
 * module still understand every small message. A larger one becomes fragments of at most
 * FRAGMENT_BYTES each, header included:
 *
 *   byte 0      FRAGMENT_MARKER (0xF7)
 *   bytes 1-4   index of this fragment, from 0 (uint32, big-endian)
 *   bytes 5-8   number of fragments, at least 2 (uint32, big-endian)
 *   bytes 9-12  length of the whole message (uint32, big-endian)
 *   bytes 13-   a non-empty slice of the message
 *
 * The marker cannot be mistaken for a y-webrtc message: those start with their type as a lib0
 * varuint (0 sync, 1 awareness, 3 query awareness, 4 BroadcastChannel peer id), and lib0 writes
 * any type below 128 as one byte under 0x80. 0xF7 has the continuation bit set, so a peer without
 * this module reads a fragment as message type 119 or higher, which it does not know: it drops the
 * fragment rather than misreading it. A later format takes another marker byte.
 *
 * Fragments of one message arrive back to back (data channels are ordered and reliable), but an
 * unframed small message may arrive between two of them: the sender lets small messages (awareness,
 * typing-sized updates) overtake a long transfer instead of waiting behind megabytes.
 */

export const FRAGMENT_MARKER = 0xf7
export const HEADER_BYTES = 13
/**
 * 64 KiB: the max-message-size every SCTP data-channel endpoint must accept when its peer's SDP
 * does not state one (RFC 8841, section 6.1), and a quarter of the measured 256 KiB limit. The
 * header costs 0.02%.
 */
export const FRAGMENT_BYTES = 64 * 1024
/**
 * How much the sender lets pile up in the channel's send buffer: far below the 16 MiB at which
 * Chromium closes the channel and @roamhq/wrtc starts dropping messages, and enough to keep a
 * loopback or LAN link busy between two wake-ups.
 */
export const HIGH_WATER_BYTES = 1024 * 1024

export const isFragment = (data: unknown): data is Uint8Array =>
  data instanceof Uint8Array && data.byteLength > 0 && data[0] === FRAGMENT_MARKER

function fragmentAt(message: Uint8Array, index: number, count: number, fragmentBytes: number): Uint8Array {
  const payload = fragmentBytes - HEADER_BYTES
  const slice = message.subarray(index * payload, Math.min(message.byteLength, (index + 1) * payload))
  const out = new Uint8Array(HEADER_BYTES + slice.byteLength)
  const view = new DataView(out.buffer)
  out[0] = FRAGMENT_MARKER
  view.setUint32(1, index)
  view.setUint32(5, count)
  view.setUint32(9, message.byteLength)
  out.set(slice, HEADER_BYTES)
  return out
}

function fragmentCount(length: number, fragmentBytes: number): number {
  return Math.ceil(length / (fragmentBytes - HEADER_BYTES))
}

/** The frames that carry `message`: the message itself when it fits in one. */
export function splitMessage(message: Uint8Array, fragmentBytes = FRAGMENT_BYTES): Uint8Array[] {
  checkFragmentBytes(fragmentBytes)
  if (message.byteLength <= fragmentBytes) return [message]
  if (message.byteLength > 0xffffffff) throw new RangeError('message too large to frame')
  const count = fragmentCount(message.byteLength, fragmentBytes)
  return Array.from({ length: count }, (_, index) => fragmentAt(message, index, count, fragmentBytes))
}

function checkFragmentBytes(fragmentBytes: number): void {
  if (!Number.isInteger(fragmentBytes) || fragmentBytes <= HEADER_BYTES)
    throw new RangeError(`fragment size must exceed ${HEADER_BYTES} bytes`)
}

/** One fragment's outcome: a whole message, a reason the message in progress was dropped, or neither (more to come). */
export interface Reassembled {
  readonly message?: Uint8Array
  readonly rejected?: string
}

export interface Reassembler {
  /** Takes one fragment (a frame for which isFragment holds). Never throws. */
  push(frame: Uint8Array): Reassembled
  /** Bytes held for the message in progress. */
  readonly pendingBytes: number
  /** Drops any message in progress, e.g. when the connection closes. */
  reset(): void
}

type State =
  | { readonly kind: 'idle' }
  /** The rest of a rejected message is dropped without counting it again, until the next first fragment. */
  | { readonly kind: 'discarding' }
  | {
      readonly kind: 'receiving'
      readonly count: number
      readonly total: number
      next: number
      received: number
      readonly chunks: Uint8Array[]
    }

/**
 * Rebuilds messages from one connection's fragments. Peers are untrusted: only one message is in
 * progress at a time, its declared length is capped by `maxBytes` before anything is kept, bytes
 * are held only as they arrive (a peer that declares 32 MiB and sends one fragment costs one
 * fragment), and any fragment that does not continue the message exactly drops it with a reason.
 */
export function reassembler(maxBytes: number): Reassembler {
  let state: State = { kind: 'idle' }
  const reject = (reason: string): Reassembled => {
    state = { kind: 'discarding' }
    return { rejected: reason }
  }
  return {
    get pendingBytes() {
      return state.kind === 'receiving' ? state.received : 0
    },
    reset() {
      state = { kind: 'idle' }
    },
    push(frame) {
      if (!isFragment(frame)) return reject('not a fragment')
      if (frame.byteLength <= HEADER_BYTES) return reject(frame.byteLength < HEADER_BYTES ? 'truncated fragment header' : 'empty fragment')
      const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength)
      const index = view.getUint32(1)
      const count = view.getUint32(5)
      const total = view.getUint32(9)
      const payload = frame.subarray(HEADER_BYTES)

      if (state.kind === 'receiving') {
        const { next } = state
        if (index !== next) return reject(`fragment ${index} where ${next} of ${state.count} was expected`)
        if (count !== state.count) return reject(`fragment count changed from ${state.count} to ${count}`)
        if (total !== state.total) return reject(`message length changed from ${state.total} to ${total}`)
      } else {
        if (index !== 0) {
          if (state.kind === 'discarding') return {}
          return reject(`fragment ${index} with no message in progress`)
        }
        if (count < 2) return reject(`fragment count ${count}: a message that fits one fragment is sent whole`)
        if (total > maxBytes) return reject(`message of ${total} bytes declared, larger than ${maxBytes} bytes`)
        if (count > total) return reject(`${count} fragments declared for ${total} bytes`)
        state = { kind: 'receiving', count, total, next: 0, received: 0, chunks: [] }
      }

      if (state.received + payload.byteLength > state.total) return reject(`more than the ${state.total} bytes declared`)
      state.chunks.push(payload)
      state.received += payload.byteLength
      state.next++
      if (state.next < state.count) {
        if (state.received === state.total) return reject(`all ${state.total} bytes arrived before the last of ${state.count} fragments`)
        return {}
      }
      if (state.received !== state.total) return reject(`${state.received} of the ${state.total} bytes declared`)
      const message = new Uint8Array(state.total)
      let offset = 0
      for (const chunk of state.chunks) {
        message.set(chunk, offset)
        offset += chunk.byteLength
      }
      state = { kind: 'idle' }
      return { message }
    },
  }
}

/** The parts of an RTCDataChannel the sender reads (simple-peer keeps it as `peer._channel`). */
export interface ChannelLike {
  readonly bufferedAmount: number
  readonly readyState?: string
  readonly bufferedAmountLowThreshold?: number
  addEventListener?(type: 'bufferedamountlow', listener: () => void): void
  removeEventListener?(type: 'bufferedamountlow', listener: () => void): void
}

export interface OutboxOptions {
  /** The connection's own send, for one frame. */
  send(frame: Uint8Array): void
  /** The data channel as it is now (null before it exists and after it closed). */
  channel(): ChannelLike | null | undefined
  /** Called, and the queue emptied, when a peer has fallen this far behind: the caller should drop the connection. */
  onOverflow(): void
  /** Bytes of large messages waiting to be sent before the peer counts as unable to keep up (default 64 MiB). */
  readonly maxQueuedBytes?: number
  readonly fragmentBytes?: number
  readonly highWaterBytes?: number
  /** How often a waiting sender looks at the buffer again where 'bufferedamountlow' never fires (@roamhq/wrtc). */
  readonly pollMs?: number
}

export interface Outbox {
  /** Sends a small message now and queues a large one as fragments. Throws, like the channel, when it is not open. */
  send(message: Uint8Array): void
  /** Bytes of large messages not yet handed to the channel. */
  readonly queuedBytes: number
  close(): void
}

interface Queued {
  readonly message: Uint8Array
  readonly count: number
  next: number
}

/**
 * Sends one connection's messages, fragmenting large ones and handing fragments to the channel
 * only while its send buffer is below the high-water mark. Waits for 'bufferedamountlow' where
 * the channel has it, and polls as well: @roamhq/wrtc has no bufferedAmountLowThreshold and
 * reports bufferedAmount with a lag, so each wake-up also counts what it sent itself.
 */
export function outbox(options: OutboxOptions): Outbox {
  const fragmentBytes = options.fragmentBytes ?? FRAGMENT_BYTES
  checkFragmentBytes(fragmentBytes)
  const highWater = options.highWaterBytes ?? HIGH_WATER_BYTES
  const maxQueued = options.maxQueuedBytes ?? 64 * 1024 * 1024
  const pollMs = options.pollMs ?? 10
  const queue: Queued[] = []
  let queuedBytes = 0
  let closed = false
  let timer: ReturnType<typeof setTimeout> | undefined
  let waitingOn: ChannelLike | undefined

  const isOpen = (channel: ChannelLike | null | undefined): channel is ChannelLike =>
    !!channel && (channel.readyState === undefined || channel.readyState === 'open')

  const stopWaiting = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    waitingOn?.removeEventListener?.('bufferedamountlow', pump)
    waitingOn = undefined
  }
  const clear = () => {
    stopWaiting()
    queue.length = 0
    queuedBytes = 0
  }
  const wait = (channel: ChannelLike) => {
    if (typeof channel.bufferedAmountLowThreshold === 'number' && channel.addEventListener) {
      waitingOn = channel
      channel.addEventListener('bufferedamountlow', pump)
    }
    timer = setTimeout(pump, pollMs)
    ;(timer as { unref?: () => void }).unref?.()
  }

  function pump(): void {
    stopWaiting()
    let burst = 0
    while (!closed && queue.length > 0) {
      const channel = options.channel()
      // A closed channel loses what is queued; y-webrtc resyncs the peer from its state vector when it reconnects.
      if (!isOpen(channel)) return clear()
      if (channel.bufferedAmount + burst >= highWater) return wait(channel)
      const head = queue[0]!
      const frame = fragmentAt(head.message, head.next, head.count, fragmentBytes)
      try {
        options.send(frame)
      } catch {
        return clear()
      }
      burst += frame.byteLength
      if (++head.next === head.count) {
        queue.shift()
        queuedBytes -= head.message.byteLength
      }
    }
  }

  return {
    get queuedBytes() {
      return queuedBytes
    },
    send(message) {
      if (message.byteLength <= fragmentBytes) return options.send(message)
      if (closed || !isOpen(options.channel())) throw new Error('data channel is not open')
      if (message.byteLength > 0xffffffff) throw new RangeError('message too large to frame')
      if (queue.length > 0 && queuedBytes + message.byteLength > maxQueued) {
        clear()
        options.onOverflow()
        return
      }
      queue.push({ message, count: fragmentCount(message.byteLength, fragmentBytes), next: 0 })
      queuedBytes += message.byteLength
      // Already waiting: the wake-up sends this one after those before it.
      if (timer === undefined) pump()
    },
    close() {
      closed = true
      clear()
    },
  }
}
