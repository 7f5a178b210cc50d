/**
 * Issue 22, point 2, at the signaling server: per-address caps on connections and on one room's
 * subscribers, refusals the client can see, and idle connections timing out. The attacker connects
 * from 127.0.0.2 (Linux routes all of 127/8 to loopback), honest clients from 127.0.0.1.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { addressKey } from '../../cli/address-limits.js'
import { eventually } from '../../testing/index.js'
import { startSignalServer, type SignalServer, type SignalServerOptions } from '../../cli/signal-server.js'

const ATTACKER = '127.0.0.2'
const servers: SignalServer[] = []
const sockets: WebSocket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function serve(options: SignalServerOptions = {}): Promise<SignalServer> {
  const server = await startSignalServer({ port: 0, ...options })
  servers.push(server)
  return server
}

interface Opened {
  readonly socket?: WebSocket
  /** HTTP status of a refused upgrade. */
  readonly status?: number
  readonly messages: Array<Record<string, unknown>>
  readonly closed: Promise<number>
}

function open(url: string, localAddress = '127.0.0.1'): Promise<Opened> {
  return new Promise((done, fail) => {
    const socket = new WebSocket(url, { localAddress })
    sockets.push(socket)
    const messages: Array<Record<string, unknown>> = []
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)))
    const timer = setTimeout(() => fail(new Error('no answer to the upgrade within 3 s')), 3000)
    socket.on('message', (data) => messages.push(JSON.parse(data.toString()) as Record<string, unknown>))
    socket.once('open', () => {
      clearTimeout(timer)
      done({ socket, messages, closed })
    })
    socket.once('unexpected-response', (_request, response) => {
      clearTimeout(timer)
      done({ status: response.statusCode ?? 0, messages, closed })
    })
    socket.on('error', () => {})
  })
}

/** Sends a ping and waits for its pong: everything the server sent before has arrived. */
function roundTrip(client: Opened): Promise<void> {
  return new Promise((done) => {
    client.socket!.once('message', () => done())
    client.socket!.send(JSON.stringify({ type: 'ping' }))
  })
}

describe('signaling limits per address', () => {
  it('one address gets 32 connections by default, then HTTP 429; another address still gets in', async () => {
    const server = await serve()
    const attempts = await Promise.all(Array.from({ length: 40 }, () => open(server.url, ATTACKER)))
    expect(attempts.filter((attempt) => attempt.socket).length).toBe(32)
    expect(attempts.filter((attempt) => attempt.status === 429).length).toBe(8)
    const honest = await open(server.url)
    expect(honest.socket).toBeDefined()
    expect(server.stats()).toMatchObject({ connections: 33, refused: 8 })
  })

  it('one address holds at most 8 subscriptions in a room, and is told so', async () => {
    const server = await serve()
    const squatters = await Promise.all(Array.from({ length: 12 }, () => open(server.url, ATTACKER)))
    for (const squatter of squatters) squatter.socket!.send(JSON.stringify({ type: 'subscribe', topics: ['room'] }))
    await Promise.all(squatters.map(roundTrip))
    const told = squatters.filter((squatter) => squatter.messages.some((message) => message.type === 'error'))
    expect(told.length).toBe(4)
    expect(told[0]!.messages[0]).toEqual({ type: 'error', reason: 'room-full-for-address', topic: 'room' })

    // An honest peer from another address still gets into the room (no error, only the pong).
    const honest = await open(server.url)
    honest.socket!.send(JSON.stringify({ type: 'subscribe', topics: ['room'] }))
    await roundTrip(honest)
    expect(honest.messages).toEqual([{ type: 'pong' }])
  })

  it('tells a client why a message was dropped: not subscribed, unknown type, over the rate (once a second)', async () => {
    const server = await serve({ messagesPerSecond: 5 })
    const client = await open(server.url)
    client.socket!.send(JSON.stringify({ type: 'publish', topic: 'elsewhere', data: 1 }))
    client.socket!.send(JSON.stringify({ type: 'shout' }))
    for (let i = 0; i < 20; i++) client.socket!.send(JSON.stringify({ type: 'subscribe', topics: ['room'] }))
    await eventually(() => expect(client.messages.length).toBeGreaterThanOrEqual(3))
    expect(client.messages).toEqual([
      { type: 'error', reason: 'not-subscribed', topic: 'elsewhere' },
      { type: 'error', reason: 'unknown-type' },
      { type: 'error', reason: 'rate-limited' },
    ])
    // 22 messages against a burst of 10: about 12 dropped (a token may refill meanwhile), each counted, one told.
    expect(server.stats().refused).toBeGreaterThanOrEqual(2 + 10)
    expect(server.stats().refused).toBeLessThanOrEqual(2 + 12)
  })

  it('closes a connection that subscribes to nothing within the idle timeout, with 1008', async () => {
    const server = await serve({ idleTimeoutMs: 300 })
    const idle = await open(server.url, ATTACKER)
    const busy = await open(server.url)
    busy.socket!.send(JSON.stringify({ type: 'subscribe', topics: ['room'] }))
    expect(await idle.closed).toBe(1008)
    await roundTrip(busy)
    expect(server.stats().connections).toBe(1)
  })
})

describe('addressKey', () => {
  it('counts IPv4 as itself, IPv4-mapped IPv6 as IPv4, and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7')
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7')
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64')
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64')
    expect(addressKey('::1')).toBe('0:0:0:0::/64')
    expect(addressKey(undefined)).toBe('unknown')
  })
})
