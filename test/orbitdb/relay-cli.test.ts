/** `townhall relay` as a user calls it: help, usage mistakes (exit 2 with a message), a config file, a port in use. */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo, type Server } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { dataDirectory } from '../../cli/paths.js'
import { listenAddress } from '../../cli/relay.js'
import { startRelay, stopAllRelays } from '../support/relay-process.js'

const bin = resolve(import.meta.dirname, '../../bin/townhall.js')
const SPACE = 'bafyreigdmqpykrgxyaxtlafqpqhzrb7qy2rh75nldvfd4tucqmqqme5yje'
const dirs: string[] = []
const servers: Server[] = []
afterEach(async () => {
  await stopAllRelays()
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))))
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'townhall-relay-cli-'))
  dirs.push(dir)
  return dir
}

function run(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [bin, 'relay', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.once('exit', (code) => {
      clearTimeout(timer)
      done({ code, out, err })
    })
  })
}

describe('townhall relay: command line', () => {
  it('prints help with its defaults', async () => {
    const { code, out } = await run(['--help'])
    expect(code).toBe(0)
    expect(out).toMatch(/--space ID/)
    expect(out).toContain(dataDirectory('relay'))
  })

  it('exits 2 with a message for each usage mistake', async () => {
    const dir = tempDir()
    const cases: Array<[string[], RegExp]> = [
      [['--dir', dir], /at least one space/],
      [['--dir', dir, '--space', 'not-a-cid'], /not a space id/],
      [['--dir', dir, '--space', SPACE, '--host', 'localhost'], /must be an IP address/],
      [['--dir', dir, '--space', SPACE, '--port', 'x'], /--port must be a whole number/],
      [['--dir', dir, '--space', SPACE, '--peer', 'nonsense'], /not a multiaddr/],
      [['--dir', dir, '--config', join(dir, 'missing.json')], /Cannot read/],
      [['--dir', dir, '--bogus'], /Unknown option/],
    ]
    for (const [args, message] of cases) {
      const { code, err } = await run(args)
      expect(code, args.join(' ')).toBe(2)
      expect(err, args.join(' ')).toMatch(message)
    }
  })

  it('reports a port in use as a usage error', async () => {
    const server = createServer()
    servers.push(server)
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    const { port } = server.address() as AddressInfo
    const { code, err } = await run(['--dir', tempDir(), '--space', SPACE, '--port', String(port), '--ws-port', '0'])
    expect(code).toBe(2)
    expect(err).toMatch(/is in use/)
  })

  it('reads spaces from a config file and exits 0 on SIGTERM', async () => {
    const dir = tempDir()
    const config = join(dir, 'relay.json')
    writeFileSync(config, JSON.stringify({ spaces: [SPACE] }))
    const relay = await startRelay({ spaces: [], directory: dir, extra: ['--config', config] })
    expect(relay.tcp).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    expect(relay.ws).toMatch(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/ws\/p2p\//)
    expect(relay.log()).toContain(`space ${SPACE}: opened with 0 records`)
    expect(await relay.stop()).toBe(0)
  })

  it('refuses a second relay on the same directory with a StoreLockedError naming the first, not a stack trace', async () => {
    const dir = tempDir()
    const first = await startRelay({ spaces: [SPACE], directory: dir })
    const { code, err } = await run(['--dir', dir, '--space', SPACE, '--port', '0', '--ws-port', '0'])
    expect(code).toBe(1)
    expect(err).toMatch(/StoreLockedError: .* is in use by process \d+/)
    expect(err).not.toMatch(/\n\s+at /)
    expect(await first.stop()).toBe(0)
  })

  it('builds listen addresses for IPv4 and IPv6 hosts', () => {
    expect(listenAddress('127.0.0.1', 4010)).toBe('/ip4/127.0.0.1/tcp/4010')
    expect(listenAddress('::1', 4011, true)).toBe('/ip6/::1/tcp/4011/ws')
  })
})
