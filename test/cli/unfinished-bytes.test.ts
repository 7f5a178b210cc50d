/** The sync server's accounting of unfinished WebSocket messages (cli/unfinished-bytes.ts), without sockets. */
import { describe, expect, it } from 'vitest'
import { unfinishedBytes } from '../../cli/unfinished-bytes.js'

describe('unfinished bytes accounting', () => {
  it('names the connection whose bytes cross the total or its address quarter, and keeps its bytes until forgotten', () => {
    const account = unfinishedBytes({ max: 100 })
    const [a, b, c] = [{}, {}, {}]
    expect(account.arrived(a, '127.0.0.2', 25)).toBeUndefined()
    // The address quarter is 25 bytes.
    expect(account.arrived(b, '127.0.0.2', 1)).toMatch(/address/)
    expect(account.held()).toBe(26)
    expect(account.arrived(c, '127.0.0.3', 20)).toBeUndefined()
    account.forget(b)
    expect(account.held()).toBe(45)
    account.forget(a)
    account.forget(c)
    expect(account.held()).toBe(0)
  })

  it('remembers the most it ever held', () => {
    const account = unfinishedBytes({ max: 100, maxPerAddress: 100 })
    const connections = Array.from({ length: 5 }, () => ({}))
    connections.forEach((connection) => account.arrived(connection, 'x', 30))
    expect(account.held()).toBe(150)
    connections.forEach((connection) => account.forget(connection))
    expect(account.held()).toBe(0)
    expect(account.peak()).toBe(150)
    account.arrived(connections[0]!, 'x', 10)
    expect(account.peak()).toBe(150)
  })

  it('finds connections whose unfinished message got no byte for a while, and not empty ones', () => {
    const account = unfinishedBytes({ max: 100 })
    const [quiet, busy, empty] = [{}, {}, {}]
    const before = Date.now()
    account.arrived(quiet, 'x', 1)
    account.arrived(empty, 'z', 0)
    account.arrived(busy, 'y', 1)
    const after = Date.now()
    // Clocks passed in, so nothing depends on how long this test takes.
    expect(account.stalled(1000, after + 2000)).toEqual([quiet, busy])
    expect(account.stalled(1000, before)).toEqual([])
    account.forget(quiet)
    expect(account.stalled(1000, after + 2000)).toEqual([busy])
  })
})
