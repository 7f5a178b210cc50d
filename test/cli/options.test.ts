/**
 * How the servers are configured and what they print: PORT, HOST and TOWNHALL_DATA_DIR from the
 * environment (flags win), log lines with an ISO timestamp and a level, as text or JSON, and one
 * per-user data folder for every server.
 */
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { setting } from '../../cli/args.js'
import { createLogger, logFormat } from '../../cli/log.js'
import { installSpec } from '../../cli/needs.js'
import { dataDirectory } from '../../cli/paths.js'
import { eventually } from '../../testing/index.js'
import { runCli, startCli, stopAllCli } from '../support/cli-run.js'

let dir: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'townhall-options-'))
})
afterEach(() => stopAllCli())
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true })
})

const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z'

describe('server settings from the environment', () => {
  it('takes a flag over its variable, and an unset or empty variable as absent', () => {
    expect(setting('1', 'port', 'PORT', { PORT: '2' })).toEqual({ text: '1', label: '--port' })
    expect(setting(undefined, 'port', 'PORT', { PORT: '2' })).toEqual({ text: '2', label: 'PORT (environment)' })
    expect(setting(undefined, 'port', 'PORT', { PORT: '' })).toEqual({ text: undefined, label: '--port' })
  })

  it('signal listens on PORT and HOST; --port wins over PORT; a bad PORT is named in the message', async () => {
    const server = startCli(['signal', '--quiet'], { env: { PORT: '0', HOST: '127.0.0.1' } })
    await eventually(() => expect(server.output().stdout).toMatch(/^townhall signal listening on ws:\/\/127\.0\.0\.1:\d+$/m), 15_000)
    server.child.kill('SIGTERM')
    expect(await server.exited).toMatchObject({ code: 0, stderr: '' })

    const bad = await runCli(['signal'], { env: { PORT: 'eighty' } })
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('PORT (environment) must be a whole number from 0 to 65535, got "eighty"')

    const flagWins = startCli(['signal', '--port', '0', '--quiet'], { env: { PORT: 'eighty' } })
    await eventually(() => expect(flagWins.output().stdout).toMatch(/listening on ws:\/\/127\.0\.0\.1:\d+$/m), 15_000)
    flagWins.child.kill('SIGTERM')
    expect(await flagWins.exited).toMatchObject({ code: 0 })
  })

  it('sync-server keeps its documents in TOWNHALL_DATA_DIR and logs JSON lines when TOWNHALL_LOG_FORMAT=json', async () => {
    const data = join(dir, 'sync-data')
    const server = startCli(['sync-server', '--port', '0'], { env: { TOWNHALL_DATA_DIR: data, TOWNHALL_LOG_FORMAT: 'json' } })
    await eventually(() => expect(server.output().stderr).toContain('keeping documents in'), 15_000)
    expect(existsSync(data)).toBe(true)
    server.child.kill('SIGTERM')
    const result = await server.exited
    expect(result.code).toBe(0)
    const lines = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(lines[0]).toEqual({
      time: expect.stringMatching(new RegExp(`^${ISO}$`)),
      level: 'info',
      component: 'sync-server',
      msg: `keeping documents in ${data}`,
    })
    expect(lines.map((line) => line.msg)).toContainEqual(expect.stringMatching(/^SIGTERM, shutting down/))
  })

  it('signal logs text lines with a timestamp and a level; --log-format json wins over the variable', async () => {
    const text = startCli(['signal', '--port', '0'])
    await eventually(() => expect(text.output().stdout).toContain('listening on'), 15_000)
    text.child.kill('SIGTERM')
    expect((await text.exited).stderr).toMatch(new RegExp(`^${ISO} INFO  signal: SIGTERM, shutting down \\(0 connections\\)\\n$`))

    const json = startCli(['signal', '--port', '0', '--log-format', 'json'], { env: { TOWNHALL_LOG_FORMAT: 'text' } })
    await eventually(() => expect(json.output().stdout).toContain('listening on'), 15_000)
    json.child.kill('SIGTERM')
    expect(JSON.parse((await json.exited).stderr)).toMatchObject({ level: 'info', component: 'signal' })

    const bad = await runCli(['signal', '--log-format', 'xml'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--log-format must be "text" or "json", got "xml"')
  })
})

describe('log lines', () => {
  const at = () => new Date('2026-12-07T10:00:00.000Z')

  it('are text or JSON, refusals and rejections from a server are warnings, and --quiet keeps only those', () => {
    const out: string[] = []
    const text = createLogger({ component: 'signal', now: at, write: (line) => out.push(line) })
    text.line('closed a connection: idle')
    text.line('refused a connection: limit of 2 connections reached')
    const json = createLogger({ component: 'relay', format: 'json', quiet: true, now: at, write: (line) => out.push(line) })
    json.info('not shown')
    json.line('rejected a message: too large')
    json.error('disk full')
    expect(out).toEqual([
      '2026-12-07T10:00:00.000Z INFO  signal: closed a connection: idle\n',
      '2026-12-07T10:00:00.000Z WARN  signal: refused a connection: limit of 2 connections reached\n',
      '{"time":"2026-12-07T10:00:00.000Z","level":"warn","component":"relay","msg":"rejected a message: too large"}\n',
      '{"time":"2026-12-07T10:00:00.000Z","level":"error","component":"relay","msg":"disk full"}\n',
    ])
  })

  it('take their format from --log-format, else TOWNHALL_LOG_FORMAT, else text', () => {
    expect(logFormat(undefined, {})).toBe('text')
    expect(logFormat(undefined, { TOWNHALL_LOG_FORMAT: 'json' })).toBe('json')
    expect(logFormat('text', { TOWNHALL_LOG_FORMAT: 'json' })).toBe('text')
    expect(() => logFormat(undefined, { TOWNHALL_LOG_FORMAT: 'yaml' })).toThrow('TOWNHALL_LOG_FORMAT must be "text" or "json"')
  })
})

describe('data folders and install lines', () => {
  it('puts every server under one per-user townhall folder', () => {
    expect(dirname(dataDirectory('relay'))).toBe(dirname(dataDirectory('sync')))
    expect(dataDirectory('relay').startsWith(process.cwd())).toBe(false)
  })

  it.runIf(process.platform === 'linux')('follows XDG_DATA_HOME on Linux', () => {
    const saved = process.env.XDG_DATA_HOME
    process.env.XDG_DATA_HOME = '/data'
    try {
      expect(dataDirectory('relay')).toBe('/data/townhall/relay')
      expect(dataDirectory('sync')).toBe('/data/townhall/sync')
    } finally {
      if (saved === undefined) delete process.env.XDG_DATA_HOME
      else process.env.XDG_DATA_HOME = saved
    }
  })

  it('writes a peer range as a major a shell reads as it is, or quotes it', () => {
    expect(installSpec('libp2p', '^3.3.11')).toBe('libp2p@3')
    expect(installSpec('lib0', '^0.2.120')).toBe('"lib0@^0.2.120"')
    expect(installSpec('vitest', '>=3.2')).toBe('"vitest@>=3.2"')
    expect(installSpec('left-pad', undefined)).toBe('left-pad')
  })
})
