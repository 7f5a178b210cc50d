/** Presence entries leave the list when they go stale, even when nothing else arrives to prompt a look. */
import { afterEach, describe, expect, it, vi } from 'vitest'
import type { PresencePeer } from '../../core/replica.js'
import { presenceExpiry } from '../../core/adapter/index.js'

afterEach(() => {
  vi.useRealTimers()
})

describe('presenceExpiry', () => {
  it('drops a peer not heard from within staleMs and tells the listeners, with no message arriving', () => {
    vi.useFakeTimers({ now: 0 })
    const entries = new Map<string, PresencePeer>([
      ['a', { did: 'did:key:zA', lastSeen: 0, state: {} }],
      ['b', { did: 'did:key:zB', lastSeen: 5_000, state: {} }],
    ])
    const expired: string[][] = []
    const expiry = presenceExpiry(entries, { staleMs: 20_000, now: Date.now, onExpire: () => expired.push([...entries.keys()]) })
    expiry.schedule()
    vi.advanceTimersByTime(19_999)
    expect(expired).toEqual([])
    vi.advanceTimersByTime(2)
    expect(expired).toEqual([['b']])
    vi.advanceTimersByTime(5_000)
    expect(expired).toEqual([['b'], []])
    expect(vi.getTimerCount()).toBe(0)
    expiry.stop()
  })

  it('holds no timer once stopped', () => {
    vi.useFakeTimers({ now: 0 })
    const entries = new Map<string, PresencePeer>([['a', { did: 'did:key:zA', lastSeen: 0, state: {} }]])
    const expiry = presenceExpiry(entries, { staleMs: 1_000, now: Date.now, onExpire: () => {} })
    expiry.schedule()
    expiry.stop()
    expect(vi.getTimerCount()).toBe(0)
  })
})
