/**
 * Fragmenting large y-webrtc messages: round trips at the size boundaries, every malformed or
 * hostile fragment sequence refused with a reason and bounded in memory, and a sender that keeps
 * the data channel's send buffer below its high-water mark.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  FRAGMENT_BYTES,
  FRAGMENT_MARKER,
  HEADER_BYTES,
  isFragment,
  outbox,
  reassembler,
  splitMessage,
  type ChannelLike,
} from '../../adapters/yjs/fragments.js'
import { assertProperty } from '../property/runs.js'

const PAYLOAD = FRAGMENT_BYTES - HEADER_BYTES
const MAX = 32 * 1024 * 1024

function bytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length)
  let x = seed
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0
    out[i] = x >>> 24
  }
  return out
}

/** A fragment with any header values, for the malformed cases. */
function frame(index: number, count: number, total: number, payload: Uint8Array | number): Uint8Array {
  const body = typeof payload === 'number' ? new Uint8Array(payload).fill(7) : payload
  const out = new Uint8Array(HEADER_BYTES + body.byteLength)
  const view = new DataView(out.buffer)
  out[0] = FRAGMENT_MARKER
  view.setUint32(1, index)
  view.setUint32(5, count)
  view.setUint32(9, total)
  out.set(body, HEADER_BYTES)
  return out
}

/** Byte equality without toEqual, which walks a typed array element by element and takes minutes on megabytes. */
const same = (a: Uint8Array | undefined, b: Uint8Array): boolean =>
  a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b)

function roundTrip(message: Uint8Array, fragmentBytes = FRAGMENT_BYTES, maxBytes = MAX): Uint8Array | undefined {
  const frames = splitMessage(message, fragmentBytes)
  if (frames.length === 1) return frames[0]
  const inbound = reassembler(maxBytes)
  let out: Uint8Array | undefined
  for (const [i, f] of frames.entries()) {
    expect(isFragment(f)).toBe(true)
    expect(f.byteLength).toBeLessThanOrEqual(fragmentBytes)
    const result = inbound.push(f)
    expect(result.rejected).toBeUndefined()
    if (i < frames.length - 1) expect(result.message).toBeUndefined()
    else out = result.message
  }
  expect(inbound.pendingBytes).toBe(0)
  return out
}

describe('splitMessage and reassembler', () => {
  it('sends messages up to the fragment size unchanged and round-trips every size around the boundaries', () => {
    for (const length of [0, 1, 100, FRAGMENT_BYTES - 1, FRAGMENT_BYTES]) {
      const message = bytes(length)
      const frames = splitMessage(message)
      expect(frames).toHaveLength(1)
      expect(frames[0]).toBe(message)
    }
    const sizes = [
      FRAGMENT_BYTES + 1,
      2 * PAYLOAD - 1,
      2 * PAYLOAD,
      2 * PAYLOAD + 1,
      256 * 1024,
      256 * 1024 + 1,
      800_000,
      3 * 1024 * 1024 + 7,
    ]
    for (const length of sizes) {
      const message = bytes(length, length)
      expect(splitMessage(message)).toHaveLength(Math.ceil(length / PAYLOAD))
      expect(same(roundTrip(message), message)).toBe(true)
    }
  })

  it('round-trips any message at any fragment size', () => {
    assertProperty(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: HEADER_BYTES + 1, max: 300 }), (message, fragmentBytes) => {
        expect(same(roundTrip(message, fragmentBytes), message)).toBe(true)
      }),
      { runs: 300 },
    )
  })

  it('cannot be confused with a y-webrtc message, whose first byte is a one-byte type 0, 1, 3 or 4', () => {
    const frames = splitMessage(bytes(FRAGMENT_BYTES + 1))
    for (const f of frames) expect(f[0]).toBe(0xf7)
    for (const type of [0, 1, 3, 4]) expect(isFragment(new Uint8Array([type, 0, 0]))).toBe(false)
    expect(isFragment(new Uint8Array([]))).toBe(false)
    expect(isFragment('text')).toBe(false)
  })

  it('rebuilds messages one after another on the same connection', () => {
    const inbound = reassembler(MAX)
    for (const length of [FRAGMENT_BYTES + 1, 300_000, 2 * PAYLOAD]) {
      const message = bytes(length, length)
      const frames = splitMessage(message)
      const results = frames.map((f) => inbound.push(f))
      expect(same(results.at(-1)!.message, message)).toBe(true)
      expect(results.every((r) => r.rejected === undefined)).toBe(true)
    }
  })

  it('refuses every malformed fragment sequence with a reason', () => {
    const cases: Array<[string, Uint8Array[], RegExp]> = [
      ['not a fragment', [new Uint8Array([0, 1, 2])], /not a fragment/],
      ['truncated header', [new Uint8Array([FRAGMENT_MARKER, 0, 0, 0])], /truncated fragment header/],
      ['empty payload', [frame(0, 2, 10, 0)], /empty fragment/],
      ['a continuation with nothing in progress', [frame(1, 2, 10, 5)], /fragment 1 with no message in progress/],
      ['a skipped fragment', [frame(0, 3, 15, 5), frame(2, 3, 15, 5)], /fragment 2 where 1 of 3 was expected/],
      ['a repeated fragment', [frame(0, 3, 15, 5), frame(0, 3, 15, 5)], /fragment 0 where 1 of 3 was expected/],
      ['a new message before the last ended', [frame(0, 3, 15, 5), frame(1, 3, 15, 5), frame(0, 2, 10, 5)], /fragment 0 where 2/],
      ['a changed fragment count', [frame(0, 3, 15, 5), frame(1, 4, 15, 5)], /fragment count changed from 3 to 4/],
      ['a changed length', [frame(0, 3, 15, 5), frame(1, 3, 16, 5)], /message length changed from 15 to 16/],
      ['a single-fragment message', [frame(0, 1, 5, 5)], /fragment count 1/],
      ['no fragments', [frame(0, 0, 5, 5)], /fragment count 0/],
      ['more fragments than bytes', [frame(0, 20, 10, 1)], /20 fragments declared for 10 bytes/],
      ['a declared length over the cap', [frame(0, 2, MAX + 1, 5)], new RegExp(`${MAX + 1} bytes declared, larger than ${MAX}`)],
      ['a declared length of 4 GiB', [frame(0, 2, 0xffffffff, 5)], /larger than/],
      ['more bytes than declared', [frame(0, 2, 10, 6), frame(1, 2, 10, 5)], /more than the 10 bytes declared/],
      ['one fragment holding more than declared', [frame(0, 2, 10, 11)], /more than the 10 bytes declared/],
      ['fewer bytes than declared', [frame(0, 2, 10, 5), frame(1, 2, 10, 4)], /9 of the 10 bytes declared/],
      ['every byte before the last fragment', [frame(0, 3, 10, 10)], /all 10 bytes arrived before the last of 3/],
    ]
    for (const [name, frames, reason] of cases) {
      const inbound = reassembler(MAX)
      const results = frames.map((f) => inbound.push(f))
      const rejected = results.filter((r) => r.rejected !== undefined)
      expect(rejected, name).toHaveLength(1)
      expect(results.at(-1)!.rejected, name).toMatch(reason)
      expect(
        results.some((r) => r.message),
        name,
      ).toBe(false)
      expect(inbound.pendingBytes, name).toBe(0)
    }
  })

  it('counts a broken message once, drops its remaining fragments quietly, and then takes the next message', () => {
    const inbound = reassembler(1000)
    // Too large: its three fragments cost one rejection, not three.
    const oversized = [frame(0, 3, 1500, 500), frame(1, 3, 1500, 500), frame(2, 3, 1500, 500)].map((f) => inbound.push(f))
    expect(oversized.map((r) => r.rejected !== undefined)).toEqual([true, false, false])
    const message = bytes(900)
    const frames = splitMessage(message, 400)
    const results = frames.map((f) => inbound.push(f))
    expect(same(results.at(-1)!.message, message)).toBe(true)
    expect(results.every((r) => r.rejected === undefined)).toBe(true)
  })

  it('accepts a message of exactly the cap and refuses one byte more before holding anything', () => {
    const cap = 200_000
    expect(same(roundTrip(bytes(cap), FRAGMENT_BYTES, cap), bytes(cap))).toBe(true)
    const inbound = reassembler(cap)
    const frames = splitMessage(bytes(cap + 1))
    expect(inbound.push(frames[0]!).rejected).toMatch(/200001 bytes declared, larger than 200000/)
    expect(inbound.pendingBytes).toBe(0)
    for (const f of frames.slice(1)) expect(inbound.push(f)).toEqual({})
    expect(inbound.pendingBytes).toBe(0)
  })

  it('frees a message in progress on reset (the connection closed)', () => {
    const inbound = reassembler(MAX)
    const frames = splitMessage(bytes(300_000))
    inbound.push(frames[0]!)
    inbound.push(frames[1]!)
    expect(inbound.pendingBytes).toBe(2 * PAYLOAD)
    inbound.reset()
    expect(inbound.pendingBytes).toBe(0)
    expect(inbound.push(frames[2]!).rejected).toMatch(/no message in progress/)
  })

  it('never throws and never holds more than the cap, whatever the fragments', () => {
    const cap = 4096
    const anyFrame = fc.oneof(
      fc
        .record({
          index: fc.integer({ min: 0, max: 4 }),
          count: fc.integer({ min: 0, max: 5 }),
          total: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.constant(0xffffffff)),
          payload: fc.integer({ min: 0, max: 2000 }),
        })
        .map(({ index, count, total, payload }) => frame(index, count, total, payload)),
      fc.uint8Array({ maxLength: 40 }).map((b) => new Uint8Array([FRAGMENT_MARKER, ...b])),
    )
    assertProperty(
      fc.property(fc.array(anyFrame, { maxLength: 30 }), (frames) => {
        const inbound = reassembler(cap)
        for (const f of frames) {
          let result: ReturnType<typeof inbound.push> | undefined
          expect(() => (result = inbound.push(f))).not.toThrow()
          expect(inbound.pendingBytes).toBeLessThanOrEqual(cap)
          if (result?.message) expect(result.message.byteLength).toBeLessThanOrEqual(cap)
        }
      }),
      { runs: 500 },
    )
  })
})

/** A data channel whose send buffer the test drains by hand. */
function fakeChannel(options: { events?: boolean } = {}) {
  const sent: Uint8Array[] = []
  const lowListeners = new Set<() => void>()
  const channel = {
    bufferedAmount: 0,
    readyState: 'open',
    ...(options.events === false ? {} : { bufferedAmountLowThreshold: 64 * 1024 }),
    addEventListener: (_: 'bufferedamountlow', listener: () => void) => lowListeners.add(listener),
    removeEventListener: (_: 'bufferedamountlow', listener: () => void) => lowListeners.delete(listener),
  }
  return {
    channel: channel as ChannelLike & { bufferedAmount: number; readyState: string },
    sent,
    lowListeners,
    send(data: Uint8Array) {
      if (channel.readyState !== 'open') throw new Error('InvalidStateError')
      sent.push(data)
      channel.bufferedAmount += data.byteLength
    },
    /** The network takes everything buffered; the channel says so as a browser would. */
    drain() {
      channel.bufferedAmount = 0
      for (const listener of [...lowListeners]) listener()
    },
  }
}

describe('outbox', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  it('sends small messages at once and unchanged, even while a large one waits', () => {
    const fake = fakeChannel()
    const out = outbox({ send: fake.send, channel: () => fake.channel, onOverflow: () => {}, highWaterBytes: 256 * 1024 })
    const small = bytes(FRAGMENT_BYTES)
    out.send(small)
    expect(fake.sent).toHaveLength(1)
    expect(fake.sent[0]).toBe(small)
    out.send(bytes(1024 * 1024))
    const before = fake.sent.length
    out.send(new Uint8Array([1, 2, 3]))
    expect(fake.sent.length).toBe(before + 1)
    expect(fake.sent.at(-1)).toEqual(new Uint8Array([1, 2, 3]))
    out.close()
  })

  it('keeps the send buffer under the high-water mark and resumes on bufferedamountlow', () => {
    const fake = fakeChannel()
    const highWaterBytes = 256 * 1024
    const out = outbox({ send: fake.send, channel: () => fake.channel, onOverflow: () => {}, highWaterBytes })
    const message = bytes(30 * 1024 * 1024)
    out.send(message)
    const inbound = reassembler(MAX)
    let received: Uint8Array | undefined
    let rounds = 0
    while (out.queuedBytes > 0 && rounds++ < 10_000) {
      expect(fake.channel.bufferedAmount).toBeLessThanOrEqual(highWaterBytes)
      for (const f of fake.sent.splice(0)) received = inbound.push(f).message ?? received
      fake.drain()
    }
    for (const f of fake.sent.splice(0)) received = inbound.push(f).message ?? received
    expect(same(received, message)).toBe(true)
    expect(fake.lowListeners.size).toBe(0)
    out.close()
  })

  it('polls where the channel has no bufferedamountlow event, counting what it sent before the buffer shows it', () => {
    vi.useFakeTimers()
    const fake = fakeChannel({ events: false })
    let reported = 0
    // Like @roamhq/wrtc: bufferedAmount lags behind the bytes handed to send.
    const lagging = {
      get bufferedAmount() {
        return reported
      },
      readyState: 'open',
    }
    const highWaterBytes = 200_000
    const out = outbox({ send: fake.send, channel: () => lagging, onOverflow: () => {}, highWaterBytes, pollMs: 10 })
    const message = bytes(2 * 1024 * 1024)
    out.send(message)
    // Each wake-up sends at most the high-water mark even though the channel still reports 0.
    expect(fake.sent.reduce((sum, f) => sum + f.byteLength, 0)).toBeLessThanOrEqual(highWaterBytes + FRAGMENT_BYTES)
    reported = highWaterBytes
    const count = fake.sent.length
    vi.advanceTimersByTime(50)
    expect(fake.sent.length).toBe(count)
    reported = 0
    for (let i = 0; i < 200 && out.queuedBytes > 0; i++) vi.advanceTimersByTime(10)
    expect(out.queuedBytes).toBe(0)
    const inbound = reassembler(MAX)
    let received: Uint8Array | undefined
    for (const f of fake.sent) received = inbound.push(f).message ?? received
    expect(same(received, message)).toBe(true)
    out.close()
  })

  it('sends queued large messages in order', () => {
    const fake = fakeChannel()
    const out = outbox({ send: fake.send, channel: () => fake.channel, onOverflow: () => {}, highWaterBytes: 100_000 })
    const first = bytes(500_000, 1)
    const second = bytes(300_000, 2)
    out.send(first)
    out.send(second)
    const inbound = reassembler(MAX)
    const received: Uint8Array[] = []
    for (let i = 0; i < 1000 && (out.queuedBytes > 0 || fake.sent.length > 0); i++) {
      for (const f of fake.sent.splice(0)) {
        const result = inbound.push(f)
        expect(result.rejected).toBeUndefined()
        if (result.message) received.push(result.message)
      }
      fake.drain()
    }
    expect(received).toHaveLength(2)
    expect(same(received[0], first) && same(received[1], second)).toBe(true)
    out.close()
  })

  it('gives up on a peer that falls too far behind instead of queueing without bound', () => {
    const fake = fakeChannel()
    let overflowed = 0
    const out = outbox({
      send: fake.send,
      channel: () => fake.channel,
      onOverflow: () => overflowed++,
      highWaterBytes: 100_000,
      maxQueuedBytes: 1_000_000,
    })
    // A single message larger than the limit still goes: the queue was empty.
    out.send(bytes(1_200_000))
    expect(overflowed).toBe(0)
    out.send(bytes(200_000))
    expect(overflowed).toBe(1)
    expect(out.queuedBytes).toBe(0)
    out.close()
  })

  it('drops what is queued when the channel closes, and refuses large messages on a channel that is not open', () => {
    vi.useFakeTimers()
    const fake = fakeChannel()
    const out = outbox({ send: fake.send, channel: () => fake.channel, onOverflow: () => {}, highWaterBytes: 100_000 })
    out.send(bytes(1_000_000))
    expect(out.queuedBytes).toBe(1_000_000)
    fake.channel.readyState = 'closed'
    vi.advanceTimersByTime(20)
    expect(out.queuedBytes).toBe(0)
    expect(() => out.send(bytes(100_000))).toThrow(/not open/)
    // A small message behaves exactly as the channel's own send.
    expect(() => out.send(bytes(10))).toThrow(/InvalidStateError/)
    out.close()
    expect(vi.getTimerCount()).toBe(0)
  })

  it('stops sending and holds no timer once closed', () => {
    vi.useFakeTimers()
    const fake = fakeChannel()
    const out = outbox({ send: fake.send, channel: () => fake.channel, onOverflow: () => {}, highWaterBytes: 100_000 })
    out.send(bytes(1_000_000))
    const count = fake.sent.length
    out.close()
    expect(vi.getTimerCount()).toBe(0)
    expect(fake.lowListeners.size).toBe(0)
    fake.drain()
    vi.advanceTimersByTime(100)
    expect(fake.sent.length).toBe(count)
    expect(() => out.send(bytes(1_000_000))).toThrow(/not open/)
  })
})
