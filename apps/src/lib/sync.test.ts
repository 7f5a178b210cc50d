/** The sync indicator's words and the online list. */
import { describe, expect, it } from 'vitest'
import { onlineMembers, syncLabel } from './sync.js'

const state = (peers: number, synced: boolean, received = 0) => ({ peers, synced, received, bytesInFlight: 0 })
const net = { online: true, servers: 1 }

describe('syncLabel', () => {
  it('says syncing, up to date, offline or waiting', () => {
    expect(syncLabel(state(2, false, 5), net)).toMatchObject({ status: 'syncing', text: 'Syncing… 5 records received' })
    expect(syncLabel(state(1, false, 1), net).text).toBe('Syncing… 1 record received')
    expect(syncLabel(state(2, true, 5), net)).toMatchObject({ status: 'synced', text: 'Up to date' })
    expect(syncLabel(state(0, true), { online: false, servers: 1 })).toMatchObject({ status: 'offline', text: 'Offline' })
    expect(syncLabel(state(0, false), { online: true, servers: 0 })).toMatchObject({ status: 'offline', text: 'Offline' })
    expect(syncLabel(state(0, false), net)).toMatchObject({ status: 'waiting', text: 'No peers online' })
    // A connection that still looks open once the browser reports offline does not make it "Up to date".
    expect(syncLabel(state(1, true), { online: false, servers: 1 })).toMatchObject({ status: 'offline', text: 'Offline' })
    expect(syncLabel(state(2, false, 5), { online: false, servers: 1 }).status).toBe('offline')
  })

  it("names the adapter's servers and says why it is waiting", () => {
    expect(syncLabel(state(0, false), { online: true, servers: 0 }).detail).toBe('No signaling server is configured.')
    expect(syncLabel(state(0, false), { online: true, servers: 0, serverKind: 'sync server' }).detail).toBe('No sync server is configured.')
    const waiting = syncLabel(state(0, false), { online: true, servers: 1, waiting: 'The sync server is not reachable.' })
    expect(waiting).toMatchObject({ status: 'waiting', text: 'No peers online', detail: 'The sync server is not reachable.' })
  })
})

describe('onlineMembers', () => {
  it('lists each identity once, named when any of its tabs has a name, self first', () => {
    const list = onlineMembers(
      [
        { did: 'did:key:zB', state: {} },
        { did: 'did:key:zB', state: { name: 'Bea' } },
        { did: 'did:key:zA', state: { name: '  Al  ' } },
        { did: 'did:key:zSelf', state: { name: 42 } },
      ],
      'did:key:zSelf',
    )
    expect(list).toEqual([
      { did: 'did:key:zSelf', name: undefined, self: true },
      { did: 'did:key:zA', name: 'Al', self: false },
      { did: 'did:key:zB', name: 'Bea', self: false },
    ])
  })
})
