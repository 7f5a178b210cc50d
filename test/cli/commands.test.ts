/**
 * The `townhall` command as users run it: `node bin/townhall.js ...` in a child process, every run
 * bounded by a timeout, every long-running child killed after its test.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { createIdentity, createSpace, exportSpace, openSpace, type PollView, type Space } from '../../core/index.js'
import { eventually, memoryNetwork } from '../../testing/index.js'
import { startCli, stopAllCli, type CliResult } from '../support/cli-run.js'

// Generous: the demo loads libp2p, Helia and OrbitDB before it listens, which took over 15 s on a
// loaded 2-core machine while other suites ran beside it.
const RUN_TIMEOUT_MS = 45_000

afterEach(stopAllCli)

const start = (args: readonly string[]) => startCli(args, { timeoutMs: RUN_TIMEOUT_MS })
const run = (...args: string[]): Promise<CliResult> => start(args).exited

describe('townhall', () => {
  it('--help lists the signal and recount commands', async () => {
    const result = await run('--help')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: townhall <command>/)
    expect(result.stdout).toMatch(/^\s+signal\s+\S/m)
    expect(result.stdout).toMatch(/^\s+recount\s+\S/m)
  })

  it('exits 2 on an unknown command', async () => {
    const result = await run('frobnicate')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('unknown command "frobnicate"')
    expect(result.stdout).toBe('')
  })
})

describe('townhall signal', () => {
  it('exits 2 with a message naming --port when the port is not a number', async () => {
    const result = await run('signal', '--port', 'abc')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('--port')
    expect(result.stderr).toContain('"abc"')
    expect(result.stdout).toBe('')
  })

  it('prints where it listens, accepts WebSocket connections and exits 0 on SIGTERM', async () => {
    const server = start(['signal', '--port', '0', '--quiet'])
    const url = await eventually(() => {
      const match = /^townhall signal listening on (ws:\/\/127\.0\.0\.1:\d+)$/m.exec(server.output().stdout)
      if (!match) throw new Error(`no listening line yet: ${JSON.stringify(server.output())}`)
      return match[1]!
    }, RUN_TIMEOUT_MS)

    const socket = new WebSocket(url)
    socket.on('error', () => {})
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)))
    await new Promise<void>((done, fail) => {
      socket.once('open', done)
      socket.once('error', fail)
    })
    const pong = new Promise<string>((done) => socket.once('message', (data) => done(data.toString())))
    socket.send(JSON.stringify({ type: 'ping' }))
    expect(JSON.parse(await pong)).toEqual({ type: 'pong' })

    server.child.kill('SIGTERM')
    const result = await server.exited
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' })
    expect(await closed).toBe(1001) // closed by the server on its way out
  })
})

describe('townhall demo', { timeout: 120_000 }, () => {
  let dir: string
  let apps: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'townhall-demo-test-'))
    apps = join(dir, 'apps')
    await mkdir(apps)
    await writeFile(join(apps, 'index.html'), '<!doctype html><title>apps</title>')
  })

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  /** Starts the demo and waits for its three listening lines. */
  async function startDemo(...extra: string[]) {
    const demo = start(['demo', '--port', '0', '--signal-port', '0', '--dir', apps, ...extra])
    const lines = await eventually(() => {
      const out = demo.output().stdout
      const signal = /^townhall signal listening on (ws:\/\/127\.0\.0\.1:\d+)$/m.exec(out)
      const sync = /^townhall sync-server listening on (ws:\/\/127\.0\.0\.1:\d+)$/m.exec(out)
      const web = /^townhall apps at (http:\/\/127\.0\.0\.1:\d+\/)$/m.exec(out)
      const relay = /^townhall relay (\S+) listening on (.+)$/m.exec(out)
      const data = /data in (\S+)\)/.exec(out)
      if (!signal || !sync || !web || !data) throw new Error(`not listening yet: ${JSON.stringify(demo.output())}`)
      if (!relay && !extra.includes('--no-relay')) throw new Error(`no relay yet: ${JSON.stringify(demo.output())}`)
      const relays = relay ? relay[2]!.split(' ') : []
      return { signal: signal[1]!, sync: sync[1]!, web: web[1]!, data: data[1]!, relayId: relay?.[1], relays }
    }, RUN_TIMEOUT_MS)
    return { ...demo, ...lines }
  }

  it('--help documents the sync server and relay options', async () => {
    const result = await run('demo', '--help')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^Usage: townhall demo/)
    expect(result.stdout).toMatch(/^\s+--sync-port N\s+\S/m)
    expect(result.stdout).toMatch(/^\s+--data DIR\s+\S/m)
    expect(result.stdout).toMatch(/^\s+--no-relay\s+\S/m)
    expect(result.stdout).toContain('?adapter=automerge')
    expect(result.stdout).toContain('?adapter=orbitdb')
  })

  it('exits 2 when the apps are not built', async () => {
    const result = await run('demo', '--port', '0', '--signal-port', '0', '--sync-port', '0', '--dir', join(dir, 'missing'))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('npm run build:apps')
  })

  it('serves the apps and a config.json naming its signaling and sync servers and relay; SIGTERM stops all and keeps --data', async () => {
    const data = join(dir, 'demo-data')
    const demo = await startDemo('--sync-port', '0', '--data', data)
    expect(demo.data).toBe(data)

    const config = await fetch(`${demo.web}config.json`).then((response) => response.json())
    const relayWs = demo.relays.filter((address) => address.includes('/ws/'))
    expect(relayWs).toEqual([expect.stringMatching(new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/ws/p2p/${demo.relayId}$`))])
    expect(config).toEqual({ signaling: [demo.signal], automerge: [demo.sync], orbitdb: { relay: relayWs } })
    expect(await fetch(demo.web).then((response) => response.text())).toContain('<title>apps</title>')
    // The sync server answers plain HTTP with its name, and accepts WebSocket connections.
    expect(await fetch(demo.sync.replace('ws:', 'http:') + '/').then((response) => response.text())).toContain('townhall sync-server')
    const socket = new WebSocket(demo.sync)
    socket.on('error', () => {})
    const closed = new Promise<number>((done) => socket.once('close', (code) => done(code)))
    await new Promise<void>((done, fail) => {
      socket.once('open', done)
      socket.once('error', fail)
    })

    demo.child.kill('SIGTERM')
    const result = await demo.exited
    expect(result).toMatchObject({ code: 0, signal: null, stderr: '' })
    expect(await closed).toBe(1001)
    expect(existsSync(join(data, 'sync'))).toBe(true)
    expect(existsSync(join(data, 'relay', 'peer-key'))).toBe(true)
  })

  it('keeps its data in a temporary directory by default, removed on SIGINT; --no-relay leaves the relay out', async () => {
    const demo = await startDemo('--sync-port', '0', '--no-relay')
    expect(demo.relays).toEqual([])
    expect(await fetch(`${demo.web}config.json`).then((response) => response.json())).toEqual({
      signaling: [demo.signal],
      automerge: [demo.sync],
    })
    expect(demo.data.startsWith(tmpdir())).toBe(true)
    expect(existsSync(demo.data)).toBe(true)
    demo.child.kill('SIGINT')
    expect(await demo.exited).toMatchObject({ code: 0, stderr: '' })
    expect(existsSync(demo.data)).toBe(false)
  })

  it('exits 2 naming --sync-port when that port is taken', async () => {
    const blocker = createServer()
    await new Promise<void>((done) => blocker.listen(0, '127.0.0.1', done))
    const { port } = blocker.address() as { port: number }
    try {
      const result = await run('demo', '--port', '0', '--signal-port', '0', '--sync-port', String(port), '--dir', apps)
      expect(result.code).toBe(2)
      expect(result.stderr).toContain(`Port ${port} is in use`)
      expect(result.stderr).toContain('--sync-port')
    } finally {
      await new Promise<void>((done) => blocker.close(() => done()))
    }
  })
})

describe('townhall recount', () => {
  let dir: string
  let exportFile: string
  let live: PollView
  let validRecords: number

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'townhall-recount-'))
    exportFile = join(dir, 'garden-club.json')

    // Manual mode: nothing is delivered until flush(), so every run builds the same history.
    const network = memoryNetwork({ mode: 'manual' })
    const space = await createSpace({
      visibility: 'public',
      identity: await createIdentity(),
      name: 'Garden club',
      replica: (id) => network.replica(id, { peerId: 'founder' }),
    })
    const voters: Space[] = []
    for (const peerId of ['bob', 'carol'])
      voters.push(await openSpace({ id: space.id, identity: await createIdentity(), replica: network.replica(space.id, { peerId }) }))
    const peers = [space, ...voters]
    const sync = async () => {
      await network.flush()
      await Promise.all(peers.map((peer) => peer.idle()))
    }
    try {
      await sync()
      for (const voter of voters) await voter.join() // polls are open to members by default
      await sync()
      const poll = await space.createPoll({
        question: 'When do we meet?',
        options: ['Tuesday evening', 'Saturday morning', 'Sunday afternoon'],
        method: 'plurality',
        quorum: { minBallots: 4 },
      })
      await sync()
      await space.castBallot(poll.id, 1)
      await voters[0]!.castBallot(poll.id, 1)
      await voters[1]!.castBallot(poll.id, 2)
      await sync()
      expect(space.getPoll(poll.id)?.turnout).toBe(3)
      await space.closePoll(poll.id)
      await sync()

      live = space.getPoll(poll.id)!
      expect(live.status).toBe('final')
      expect(live.final?.winner).toBe(1)
      validRecords = space.getRecords().length
      await writeFile(exportFile, JSON.stringify(exportSpace(space)))
    } finally {
      await Promise.all(peers.map((peer) => peer.close()))
    }
  })

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it("prints the space, the valid record count and each poll's winner", async () => {
    const result = await run('recount', exportFile)
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('space Garden club')
    expect(result.stdout).toContain(`records: ${validRecords} valid of ${validRecords}; 0 rejected`)
    expect(result.stdout).toContain('poll "When do we meet?" (plurality, final)')
    expect(result.stdout).toContain('ballots counted: 3')
    expect(result.stdout).toMatch(/^\s+winner: Saturday morning$/m)
    expect(result.stdout).toMatch(/^\s+quorum: not met \(3 of 4 ballots\)$/m)
  })

  it('--json prints the full recount, with the same final result as the live space', async () => {
    const result = await run('recount', exportFile, '--json')
    expect(result.code).toBe(0)
    const recount = JSON.parse(result.stdout) as {
      name: string
      records: { total: number; valid: number }
      polls: { id: string; final: { winner: number | null; ballots: number } | null }[]
    }
    expect(recount.name).toBe('Garden club')
    expect(recount.records).toEqual({ total: validRecords, valid: validRecords })
    expect(recount.polls).toHaveLength(1)
    expect(recount.polls[0]!.id).toBe(live.id)
    expect(recount.polls[0]!.final?.winner).toBe(live.final!.winner)
    expect(recount.polls[0]!.final).toEqual(JSON.parse(JSON.stringify(live.final)))
  })

  it('exits 1 with a message when the file is not an export', async () => {
    const garbage = join(dir, 'garbage.txt')
    await writeFile(garbage, 'this is not an export\n')
    const result = await run('recount', garbage)
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^townhall recount: InvalidExportError: The export is not JSON/)
    expect(result.stdout).toBe('')

    const otherJson = join(dir, 'other.json')
    await writeFile(otherJson, JSON.stringify({ type: 'something-else', records: [] }))
    const other = await run('recount', otherJson)
    expect(other.code).toBe(1)
    expect(other.stderr).toContain('Not a townhall export')
  })

  it('exits 2 when the file does not exist', async () => {
    const result = await run('recount', join(dir, 'missing.json'))
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('missing.json')
    expect(result.stderr).toContain('ENOENT')
    expect(result.stdout).toBe('')
  })
})
