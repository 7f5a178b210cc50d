/** presence.get() keeps its identity while nobody came, left or refreshed, so external-store hooks do not render for nothing. */
import { describe, expect, it } from 'vitest'
import { stablePeers } from '../../core/adapter/stable-peers.js'
import type { PresencePeer } from '../../core/index.js'

describe('stablePeers', () => {
  it('returns the same list until a peer changes, comes or goes', () => {
    const state = { typing: false }
    let peers: PresencePeer[] = [{ did: 'did:key:a', lastSeen: 1, state }]
    const get = stablePeers(() => peers.map((peer) => ({ ...peer })))
    const first = get()
    expect(get()).toBe(first)
    peers = [{ did: 'did:key:a', lastSeen: 2, state }]
    const refreshed = get()
    expect(refreshed).not.toBe(first)
    expect(refreshed[0]!.lastSeen).toBe(2)
    peers = [...peers, { did: 'did:key:b', lastSeen: 2, state: {} }]
    expect(get()).toHaveLength(2)
    peers = []
    expect(get()).toEqual([])
  })
})
