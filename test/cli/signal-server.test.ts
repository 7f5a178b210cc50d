/**
 * The signaling server in-process, driven by real `ws` clients on 127.0.0.1. Nothing here sleeps to
 * decide an outcome: every wait is for an event (a message, a close, an exit) with a bounded timeout.
 * To show that a client did *not* receive something, it makes a ping round trip afterwards: the server
 * handles one connection's messages in order and writes to a socket in order, so a relay queued
 * before the pong would have arrived before it.
 */
import { connect as tcpConnect, type Socket } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { WebSocket, type ClientOptions } from 'ws'
import { startSignalServer, type SignalServer, type SignalServerOptions } from '../../cli/signal-server.js'
import { eventually } from '../../testing/index.js'

const CLOSE_GOING_AWAY = 1001
const CLOSE_POLICY = 1008
const CLOSE_TOO_BIG = 1009
const WAIT_MS = 3000

type Message = Record<string, unknown>

interface Client {
  readonly socket: WebSocket
  /** Received messages not yet taken by `receive`. */
  readonly inbox: Message[]
  /** Resolves with the close code (and reason) when the connection closes, for whatever reason. */
  readonly closed: Promise<{ code: number; reason: string }>
  send(message: unknown): void
  /** The first received message matching `match`, removed from the inbox; waits for it if need be. */
  receive(match: (message: Message) => boolean, timeoutMs?: number): Promise<Message>
  /** Ping round trip: every message the server handled before it has been answered once it resolves. */
  sync(): Promise<void>
  subscribe(...topics: string[]): Promise<void>
}

const servers: SignalServer[] = []
const sockets: WebSocket[] = []
const raws: Socket[] = []

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate()
  for (const raw of raws.splice(0)) raw.destroy()
  await Promise.all(servers.splice(0).map((server) => server.close()))
})

async function serve(options: SignalServerOptions = {}): Promise<SignalServer> {
  const server = await startSignalServer({ port: 0, ...options })
  servers.push(server)
  return server
}

function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}

/** Opens a WebSocket that is not expected to open: resolves with the error it fails with. */
function refusedConnection(url: string): Promise<Error> {
  const socket = new WebSocket(url)
  sockets.push(socket)
  return within(
    new Promise<Error>((resolve, reject) => {
      socket.once('open', () => reject(new Error('the connection was accepted')))
      socket.once('error', resolve)
    }),
    'the connection to be refused',
  )
}

async function connect(url: string, options: ClientOptions = {}): Promise<Client> {
  const socket = new WebSocket(url, options)
  sockets.push(socket)
  const inbox: Message[] = []
  const waiters = new Set<() => void>()
  socket.on('message', (data) => {
    inbox.push(JSON.parse(data.toString()) as Message)
    for (const wake of waiters) wake()
  })
  // Errors (a reset, a refused upgrade) surface as a close or as a failed `open` below.
  socket.on('error', () => {})
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  )
  await within(
    new Promise<void>((resolve, reject) => {
      socket.once('open', resolve)
      socket.once('error', reject)
    }),
    `a connection to ${url}`,
  )

  const client: Client = {
    socket,
    inbox,
    closed,
    send: (message) => socket.send(typeof message === 'string' ? message : JSON.stringify(message)),
    receive(match, timeoutMs = WAIT_MS) {
      let check = () => {}
      const found = new Promise<Message>((resolve, reject) => {
        check = () => {
          const index = inbox.findIndex(match)
          if (index === -1) return
          waiters.delete(check)
          resolve(inbox.splice(index, 1)[0]!)
        }
        waiters.add(check)
        void closed.then(() => {
          if (waiters.delete(check)) reject(new Error(`closed while waiting for a message; inbox: ${JSON.stringify(inbox)}`))
        })
        check()
      })
      return within(found, 'a message', timeoutMs).finally(() => waiters.delete(check))
    },
    async sync() {
      client.send({ type: 'ping' })
      await client.receive((message) => message.type === 'pong')
    },
    async subscribe(...topics) {
      client.send({ type: 'subscribe', topics })
      await client.sync()
    },
  }
  return client
}

const UPGRADE =
  'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'

/** A plain TCP connection that never ends its side on its own (allowHalfOpen), like a lazy or hostile peer. */
async function rawConnection(port: number): Promise<{ socket: Socket; received: () => string; next: (pattern: RegExp) => Promise<void> }> {
  const socket = tcpConnect({ port, host: '127.0.0.1', allowHalfOpen: true })
  raws.push(socket)
  socket.on('error', () => {})
  let text = ''
  const waiters = new Set<() => void>()
  socket.on('data', (chunk: Buffer) => {
    text += chunk.toString('latin1')
    for (const wake of waiters) wake()
  })
  await within(new Promise((resolve) => socket.once('connect', resolve)), 'a TCP connection')
  return {
    socket,
    received: () => text,
    next: (pattern) =>
      within(
        new Promise<void>((resolve) => {
          const check = () => {
            if (!pattern.test(text)) return
            waiters.delete(check)
            resolve()
          }
          waiters.add(check)
          check()
        }),
        `a response matching ${pattern}`,
      ),
  }
}

const publishes = (client: Client, topic?: string) =>
  client.inbox.filter((message) => message.type === 'publish' && (topic === undefined || message.topic === topic))

describe('signal server', () => {
  it('binds 127.0.0.1 by default and answers GET / with 200 text', async () => {
    const server = await serve()
    expect(server.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    expect(server.port).toBeGreaterThan(0)
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}`)
    const response = await fetch(`http://127.0.0.1:${server.port}/`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/)
    expect(await response.text()).toMatch(/signal/)
    expect(server.stats()).toEqual({ connections: 0, topics: 0, refused: 0, relayed: 0 })
  })

  it('relays a publish to every subscriber of its topic, the sender included, with the subscriber count', async () => {
    const server = await serve()
    const [alice, bob, carol] = await Promise.all([connect(server.url), connect(server.url), connect(server.url)])
    await Promise.all([alice.subscribe('room'), bob.subscribe('room'), carol.subscribe('elsewhere')])
    expect(server.stats()).toMatchObject({ connections: 3, topics: 2 })

    alice.send({ type: 'publish', topic: 'room', data: { offer: 'sdp' } })
    const expected = { type: 'publish', topic: 'room', data: { offer: 'sdp' }, clients: 2, sender: expect.any(String) }
    expect(await bob.receive((message) => message.type === 'publish')).toEqual(expected)
    expect(await alice.receive((message) => message.type === 'publish')).toEqual(expected)

    await carol.sync()
    expect(publishes(carol)).toEqual([])
    expect(server.stats()).toMatchObject({ relayed: 1, refused: 0 })
  })

  it('does not relay a publish from a connection not subscribed to the topic, and counts it as refused', async () => {
    const server = await serve()
    const [member, outsider] = await Promise.all([connect(server.url), connect(server.url)])
    await member.subscribe('room')
    await outsider.subscribe('other')
    const before = server.stats()

    outsider.send({ type: 'publish', topic: 'room', data: 'intrusion' })
    await outsider.sync()
    await member.sync()
    expect(publishes(member)).toEqual([])
    expect(publishes(outsider)).toEqual([])
    expect(server.stats()).toMatchObject({ relayed: before.relayed, refused: before.refused + 1 })
  })

  it('stops delivering a topic after unsubscribe', async () => {
    const server = await serve()
    const [alice, bob] = await Promise.all([connect(server.url), connect(server.url)])
    await Promise.all([alice.subscribe('room'), bob.subscribe('room')])

    bob.send({ type: 'unsubscribe', topics: ['room'] })
    await bob.sync()
    alice.send({ type: 'publish', topic: 'room', data: 1 })
    expect(await alice.receive((message) => message.type === 'publish')).toMatchObject({ clients: 1, data: 1 })
    await bob.sync()
    expect(publishes(bob)).toEqual([])

    alice.send({ type: 'unsubscribe', topics: ['room'] })
    await alice.sync()
    expect(server.stats().topics).toBe(0)
  })

  it('answers ping with pong', async () => {
    const server = await serve()
    const client = await connect(server.url)
    client.send({ type: 'ping' })
    expect(await client.receive(() => true)).toEqual({ type: 'pong' })
  })

  it('closes a connection that sends something other than a JSON object with 1008, and keeps serving others', async () => {
    const server = await serve()
    const [garbled, scalar, list, bystander] = await Promise.all([
      connect(server.url),
      connect(server.url),
      connect(server.url),
      connect(server.url),
    ])
    garbled.send('this is not JSON {')
    scalar.send('42')
    list.send('[{"type":"ping"}]')
    for (const client of [garbled, scalar, list]) expect((await within(client.closed, 'a close')).code).toBe(CLOSE_POLICY)

    await bystander.subscribe('room')
    bystander.send({ type: 'publish', topic: 'room', data: 'still here' })
    expect(await bystander.receive((message) => message.type === 'publish')).toMatchObject({ data: 'still here', clients: 1 })
    await eventually(() => expect(server.stats().connections).toBe(1), WAIT_MS)
    expect(server.stats().refused).toBeGreaterThanOrEqual(3)
  })

  it('closes a connection whose message is over maxMessageBytes with 1009', async () => {
    const server = await serve({ maxMessageBytes: 1024 })
    const [big, small] = await Promise.all([connect(server.url), connect(server.url)])
    await Promise.all([big.subscribe('room'), small.subscribe('room')])

    small.send({ type: 'publish', topic: 'room', data: 'x'.repeat(900) })
    expect(await small.receive((message) => message.type === 'publish')).toMatchObject({ clients: 2 })

    big.send({ type: 'publish', topic: 'room', data: 'x'.repeat(2000) })
    expect((await within(big.closed, 'a close')).code).toBe(CLOSE_TOO_BIG)
    await small.sync()
    expect(publishes(small)).toEqual([])
    await eventually(() => expect(server.stats()).toMatchObject({ connections: 1, topics: 1 }), WAIT_MS)
  })

  it('survives a refused peer that resets its connection, and close() does not wait for refused peers', async () => {
    const server = await serve({ maxConnections: 1 })
    const member = await connect(server.url)

    const resetting = await rawConnection(server.port)
    resetting.socket.write(UPGRADE)
    await resetting.next(/^HTTP\/1\.1 503 /)
    const reset = new Promise((resolve) => resetting.socket.once('close', resolve))
    resetting.socket.resetAndDestroy()
    await within(reset, 'the reset')

    // This one reads the 503 and then keeps its end of the connection open indefinitely.
    const lingering = await rawConnection(server.port)
    lingering.socket.write(UPGRADE)
    await lingering.next(/^HTTP\/1\.1 503 /)

    // The server read the reset above before answering these (an unhandled error would have failed the run).
    await member.sync()
    expect(server.stats()).toMatchObject({ connections: 1, refused: 2 })
    await within(server.close(), 'close() with a refused peer still connected')
    expect((await member.closed).code).toBe(CLOSE_GOING_AWAY)
  })

  it('close() cuts off an HTTP request that never completes', async () => {
    const server = await serve()
    const client = await connect(server.url)
    const slow = await rawConnection(server.port)
    slow.socket.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n') // the headers never end
    const cut = new Promise((resolve) => {
      slow.socket.once('end', resolve) // a FIN
      slow.socket.once('close', resolve) // or a reset
    })
    await client.sync() // a round trip later, the server has accepted the slow connection too
    await within(server.close(), 'close() with a request in progress')
    await within(cut, 'the slow connection to be ended')
    expect(slow.received()).toBe('')
  })

  it('refuses connections over maxConnections with 503 and accepts again once one closes', async () => {
    const server = await serve({ maxConnections: 2 })
    const [first] = await Promise.all([connect(server.url), connect(server.url)])

    expect((await refusedConnection(server.url)).message).toMatch(/503/)
    expect(server.stats()).toMatchObject({ connections: 2, refused: 1 })

    first!.socket.close()
    await within(first!.closed, 'a close')
    await eventually(() => expect(server.stats().connections).toBe(1), WAIT_MS)
    const again = await connect(server.url)
    await again.sync()
    expect(server.stats().connections).toBe(2)
  })

  it('closes a connection that subscribes to more than maxTopicsPerConnection topics with 1008', async () => {
    const server = await serve({ maxTopicsPerConnection: 2 })
    const [greedy, modest] = await Promise.all([connect(server.url), connect(server.url)])
    await modest.subscribe('a', 'b', 'a')

    await greedy.subscribe('a', 'b')
    greedy.send({ type: 'subscribe', topics: ['c'] })
    expect((await within(greedy.closed, 'a close')).code).toBe(CLOSE_POLICY)
    await modest.sync()
    await eventually(() => expect(server.stats()).toMatchObject({ connections: 1, topics: 2 }), WAIT_MS)
  })

  it('closes a connection that subscribes to a topic longer than maxTopicLength with 1008', async () => {
    const server = await serve({ maxTopicLength: 16 })
    const client = await connect(server.url)
    await client.subscribe('x'.repeat(16))
    client.send({ type: 'subscribe', topics: ['y'.repeat(17)] })
    expect((await within(client.closed, 'a close')).code).toBe(CLOSE_POLICY)
  })

  it('refuses subscriptions to a full topic without closing the connection', async () => {
    const server = await serve({ maxSubscribersPerTopic: 2 })
    const [a, b, late] = await Promise.all([connect(server.url), connect(server.url), connect(server.url)])
    await Promise.all([a.subscribe('room'), b.subscribe('room')])
    await late.subscribe('room')
    expect(server.stats().refused).toBe(1)

    late.send({ type: 'publish', topic: 'room', data: 'hi' })
    await late.sync()
    expect(publishes(late)).toEqual([])
    expect(late.socket.readyState).toBe(WebSocket.OPEN)
  })

  it('drops messages over the rate, counts them as refused and keeps the connection', async () => {
    const rate = 5 // burst of 10
    const server = await serve({ messagesPerSecond: rate })
    const client = await connect(server.url)
    await client.subscribe('room')
    const before = server.stats()

    const sent = 6 * rate // three times the burst, in one go
    for (let i = 0; i < sent; i++) client.send({ type: 'publish', topic: 'room', seq: i })
    await eventually(() => {
      const now = server.stats()
      expect(now.relayed - before.relayed + (now.refused - before.refused)).toBe(sent)
    }, WAIT_MS)

    const { relayed, refused } = server.stats()
    expect(relayed - before.relayed).toBeLessThan(sent)
    expect(relayed - before.relayed).toBeGreaterThan(0)
    expect(refused - before.refused).toBeGreaterThan(0)
    await eventually(() => expect(publishes(client)).toHaveLength(relayed - before.relayed), WAIT_MS)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)

    // The bucket refills: a ping gets through again (retried, since early ones may still be dropped).
    await eventually(async () => {
      client.send({ type: 'ping' })
      await client.receive((message) => message.type === 'pong', 250)
    }, WAIT_MS)
    expect(client.socket.readyState).toBe(WebSocket.OPEN)
  })

  it('drops a connection that stops answering pings and keeps those that answer', async () => {
    const server = await serve({ pingIntervalMs: 200 })
    const silent = await connect(server.url, { autoPong: false })
    const lively = await connect(server.url)
    expect(server.stats().connections).toBe(2)

    const { code } = await within(silent.closed, 'the unresponsive connection to be dropped')
    expect(code).toBe(1006) // terminated without a closing handshake
    await eventually(() => expect(server.stats().connections).toBe(1), WAIT_MS)
    expect(lively.socket.readyState).toBe(WebSocket.OPEN)
    await lively.sync()
  })

  it('close() closes every connection with 1001 and is idempotent', async () => {
    const server = await serve()
    const [a, b] = await Promise.all([connect(server.url), connect(server.url)])
    await a.subscribe('room')

    const first = server.close()
    const second = server.close()
    expect(second).toBe(first)
    const [closedA, closedB] = await within(Promise.all([a.closed, b.closed]), 'the clients to be closed')
    expect(closedA.code).toBe(CLOSE_GOING_AWAY)
    expect(closedB.code).toBe(CLOSE_GOING_AWAY)
    await within(first, 'close()')
    await within(server.close(), 'a second close()')
    expect(server.stats()).toMatchObject({ connections: 0, topics: 0 })
  })
})
